/**
 * Content format detection for observed bytes: files a run wrote, and stdout/stderr.
 *
 * The format picks the comparator (JSON structurally, CSV by row, text by line, binary by
 * hash), so detection is conservative: bytes that are not clean UTF-8 are never handed to a
 * text comparator, whatever the file is called.
 */
import { extname } from 'node:path';
import { isUtf8 } from 'node:buffer';
import type { ContentFormat } from '../harness/model.ts';

/**
 * File extensions (lower case, with the dot) that name a format outright.
 *
 * `.tsv` is deliberately absent: the CSV comparator splits on commas only, so a TSV file is
 * compared as text (by line) rather than mis-parsed as one-column CSV. `.html`/`.htm` are
 * text, not XML: HTML is rarely well-formed XML. `.ndjson`/`.jsonl` are text: they are many
 * JSON documents, not one.
 */
const FORMAT_BY_EXTENSION: Readonly<Record<string, ContentFormat>> = {
  '.json': 'json',
  '.csv': 'csv',
  '.yaml': 'yaml',
  '.yml': 'yaml',
  '.xml': 'xml',
  '.svg': 'xml',
  '.txt': 'text',
  '.md': 'text',
  '.html': 'text',
  '.htm': 'text',
  '.ndjson': 'text',
  '.jsonl': 'text',
  '.tsv': 'text',
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.gif': 'image',
  '.webp': 'image',
};

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const JPEG_MAGIC = Buffer.from([0xff, 0xd8, 0xff]);
const GIF87_MAGIC = Buffer.from('GIF87a', 'latin1');
const GIF89_MAGIC = Buffer.from('GIF89a', 'latin1');
const RIFF_MAGIC = Buffer.from('RIFF', 'latin1');
const WEBP_MAGIC = Buffer.from('WEBP', 'latin1');
const XML_DECLARATION = '<?xml';

/**
 * True when `content` starts with the signature of a PNG, JPEG, GIF or WebP image.
 *
 * Signatures: PNG `89 50 4E 47 0D 0A 1A 0A` (PNG spec §5.2), JPEG SOI marker `FF D8 FF`,
 * GIF `GIF87a`/`GIF89a`, WebP `RIFF....WEBP` (RIFF container with form type WEBP).
 */
export function isImage(content: Buffer): boolean {
  const startsWith = (magic: Buffer, at = 0): boolean =>
    content.length >= at + magic.length && content.subarray(at, at + magic.length).equals(magic);
  return (
    startsWith(PNG_MAGIC) ||
    startsWith(JPEG_MAGIC) ||
    startsWith(GIF87_MAGIC) ||
    startsWith(GIF89_MAGIC) ||
    (startsWith(RIFF_MAGIC) && startsWith(WEBP_MAGIC, 8))
  );
}

/**
 * True when `buf` is valid UTF-8 and contains no NUL byte, i.e. it can be compared as text
 * without losing bytes. Other control characters (ANSI escapes, `\r`, form feeds) are allowed.
 * An empty buffer is text.
 *
 * UTF-16 text (with or without BOM) contains NUL bytes for ASCII characters and is therefore
 * reported as not text; it is compared byte for byte.
 */
export function isProbablyText(buf: Buffer): boolean {
  return buf.indexOf(0) === -1 && isUtf8(buf);
}

/**
 * The format a file name's extension names, or `null` when the extension says nothing
 * (no extension, or one not in the table above). Case-insensitive.
 */
export function formatFromPath(path: string): ContentFormat | null {
  const ext = extname(path).toLowerCase();
  return Object.hasOwn(FORMAT_BY_EXTENSION, ext) ? FORMAT_BY_EXTENSION[ext] : null;
}

/**
 * Detects the serialized format of `content`.
 *
 * Rules, first match wins:
 * 1. Image signature (PNG, JPEG, GIF, WebP; see {@link isImage}) → `image`, whatever the name.
 * 2. Non-empty content that is not clean UTF-8 or has NUL bytes ({@link isProbablyText}) →
 *    `binary`, whatever the name (a `.json` file holding binary bytes is compared by hash).
 * 3. The extension of `path`, when it names a format (`.json`, `.csv`, `.yaml`/`.yml`,
 *    `.xml`, `.txt`, `.md`, ...; `.tsv` and `.html` are `text`). An image extension only
 *    counts when `content` is empty (e.g. a deleted file, whose content is gone); non-image
 *    bytes under an image name fall through to sniffing. A name with a known extension
 *    is trusted even when the content does not parse: reporting the parse failure is the
 *    comparator's job.
 * 4. Content sniffing (no useful extension, or `path` is `null` as for stdout/stderr):
 *    after an optional UTF-8 BOM and whitespace, text starting with `{` or `[` that
 *    `JSON.parse` accepts → `json`; text starting with `<?xml` → `xml`; anything else,
 *    including empty content → `text`.
 *
 * Never throws.
 *
 * @param path File path (any separators) or `null` for a stream.
 * @param content The bytes; pass an empty buffer when only the name is known.
 */
export function detectFormat(path: string | null, content: Buffer): ContentFormat {
  if (isImage(content)) return 'image';
  if (content.length > 0 && !isProbablyText(content)) return 'binary';
  const byPath = path === null ? null : formatFromPath(path);
  if (byPath !== null && byPath !== 'image') return byPath;
  if (byPath === 'image' && content.length === 0) return 'image';
  return sniffTextFormat(content.toString('utf8'));
}

/** Sniffs JSON or an XML declaration in text already known to be clean UTF-8. */
function sniffTextFormat(text: string): ContentFormat {
  const body = (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).trim();
  if (body.startsWith(XML_DECLARATION)) return 'xml';
  const first = body[0];
  const last = body[body.length - 1];
  // Cheap bracket check before parsing, so plain text that happens to start with `[` (a log
  // line like `[INFO] ...`) is not parsed in full.
  const bracketed = (first === '{' && last === '}') || (first === '[' && last === ']');
  if (!bracketed) return 'text';
  try {
    JSON.parse(body);
    return 'json';
  } catch {
    return 'text';
  }
}
