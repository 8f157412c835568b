/**
 * Decoding HTTP bodies by their `content-encoding`, shared by everything that stores HTTP
 * exchanges (the exchange runner, the recording proxy, the outbound proxy): bodies are stored
 * decoded, with the encoding noted.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';

const inflate = promisify(zlib.inflate);
const inflateRaw = promisify(zlib.inflateRaw);
const brotli = promisify(zlib.brotliDecompress);
const zstd = typeof zlib.zstdDecompress === 'function' ? promisify(zlib.zstdDecompress) : null;
// Lenient flush: a gzip body cut short still yields what it has, as browsers do.
const gunzip = (body: Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => zlib.gunzip(body, { finishFlush: zlib.constants.Z_SYNC_FLUSH }, (err, out) => (err ? reject(err) : resolve(out))));

/** Decoded body, the encoding it had, or the original bytes and why they were not decoded. */
export interface DecodedBody {
  body: Buffer;
  encoding?: string;
  problem?: string;
}

/**
 * Decodes a body by its `content-encoding` (RFC 9110 §8.4: codings listed in the order they
 * were applied, so they are undone last to first). `deflate` is the zlib format by the RFC,
 * but some servers send raw DEFLATE: both are accepted. gzip, x-gzip, deflate, br and (where
 * Node has it) zstd. Decoding runs on libuv's thread pool. Never throws: an unknown or broken
 * encoding gives the original bytes and `problem`.
 */
export async function decodeBody(body: Buffer, contentEncoding: string | undefined): Promise<DecodedBody> {
  const codings = (contentEncoding ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c !== '' && c !== 'identity');
  if (codings.length === 0 || body.length === 0) return { body };
  let out = body;
  try {
    for (const coding of [...codings].reverse()) {
      if (coding === 'gzip' || coding === 'x-gzip') out = await gunzip(out);
      else if (coding === 'br') out = await brotli(out);
      else if (coding === 'deflate') out = await inflate(out).catch(() => inflateRaw(out));
      else if (coding === 'zstd' && zstd !== null) out = await zstd(out);
      else return { body, problem: `content-encoding ${coding} is not supported; body stored as received` };
    }
  } catch (err) {
    return { body, problem: `content-encoding ${codings.join(', ')} could not be decoded (${(err as Error).message}); body stored as received` };
  }
  return { body: out, encoding: codings.join(', ') };
}
