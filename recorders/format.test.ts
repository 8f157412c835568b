import { describe, expect, it } from 'vitest';
import { detectFormat, formatFromPath, isImage, isProbablyText } from './format.ts';

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]);
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]);
const GIF = Buffer.from('GIF89a\x01\x00', 'latin1');
const WEBP = Buffer.concat([Buffer.from('RIFF'), Buffer.from([0x24, 0, 0, 0]), Buffer.from('WEBPVP8 ')]);
const text = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('isImage', () => {
  it('recognises PNG, JPEG, GIF and WebP signatures', () => {
    for (const img of [PNG, JPEG, GIF, WEBP, Buffer.from('GIF87a', 'latin1')]) expect(isImage(img)).toBe(true);
  });

  it('rejects other RIFF files, truncated signatures and text', () => {
    expect(isImage(Buffer.concat([Buffer.from('RIFF'), Buffer.alloc(4), Buffer.from('WAVE')]))).toBe(false);
    expect(isImage(PNG.subarray(0, 4))).toBe(false);
    expect(isImage(text('GIF'))).toBe(false);
    expect(isImage(Buffer.alloc(0))).toBe(false);
  });
});

describe('isProbablyText', () => {
  it('accepts UTF-8 (multi-byte too), control characters and the empty buffer', () => {
    expect(isProbablyText(text('héllo wörld ✓\r\n\x1b[31mred\x1b[0m\t'))).toBe(true);
    expect(isProbablyText(Buffer.alloc(0))).toBe(true);
  });

  it('rejects invalid UTF-8, NUL bytes and UTF-16', () => {
    expect(isProbablyText(Buffer.from([0xff, 0xfe, 0x41]))).toBe(false);
    expect(isProbablyText(Buffer.from([0xc3]))).toBe(false); // truncated 2-byte sequence
    expect(isProbablyText(Buffer.from('a\0b', 'latin1'))).toBe(false);
    expect(isProbablyText(Buffer.from('\ufeffhi', 'utf16le'))).toBe(false);
  });
});

describe('formatFromPath', () => {
  it('maps known extensions case-insensitively and returns null otherwise', () => {
    expect(formatFromPath('out/Report.JSON')).toBe('json');
    expect(formatFromPath('a.yml')).toBe('yaml');
    expect(formatFromPath('a.tsv')).toBe('text');
    expect(formatFromPath('a.html')).toBe('text');
    expect(formatFromPath('Makefile')).toBeNull();
    expect(formatFromPath('a.dat')).toBeNull();
    expect(formatFromPath('a.constructor')).toBeNull(); // not an Object.prototype key lookup
  });
});

describe('detectFormat', () => {
  it('uses the extension for text content', () => {
    expect(detectFormat('x.json', text('{"a":1}'))).toBe('json');
    expect(detectFormat('x.csv', text('a,b\n1,2\n'))).toBe('csv');
    expect(detectFormat('x.yaml', text('a: 1\n'))).toBe('yaml');
    expect(detectFormat('x.yml', text('a: 1\n'))).toBe('yaml');
    expect(detectFormat('x.xml', text('<a/>'))).toBe('xml');
    expect(detectFormat('x.txt', text('{"looks":"like json"}'))).toBe('text');
    expect(detectFormat('x.md', text('# title'))).toBe('text');
    expect(detectFormat('x.html', text('<html></html>'))).toBe('text');
    expect(detectFormat('x.tsv', text('a\tb\n'))).toBe('text');
  });

  it('trusts a known extension even when the content does not parse', () => {
    expect(detectFormat('broken.json', text('{not json'))).toBe('json');
  });

  it('puts image signatures first, whatever the name', () => {
    expect(detectFormat('chart.png', PNG)).toBe('image');
    expect(detectFormat('data.json', PNG)).toBe('image');
    expect(detectFormat(null, JPEG)).toBe('image');
    expect(detectFormat('x', GIF)).toBe('image');
    expect(detectFormat('x.webp', WEBP)).toBe('image');
  });

  it('calls non-text bytes binary even under a text extension', () => {
    expect(detectFormat('data.json', Buffer.from([0xff, 0xfe, 0x7b]))).toBe('binary');
    expect(detectFormat('a.txt', Buffer.from('a\0b', 'latin1'))).toBe('binary');
    expect(detectFormat(null, Buffer.from([0x80, 0x81]))).toBe('binary');
  });

  it('uses an image extension only when there is no content (a deleted file)', () => {
    expect(detectFormat('gone.png', Buffer.alloc(0))).toBe('image');
    expect(detectFormat('fake.png', text('not really a png'))).toBe('text');
  });

  it('sniffs JSON, XML and text when the path says nothing or is null', () => {
    expect(detectFormat(null, text('  {"a": [1, 2]}\n'))).toBe('json');
    expect(detectFormat(null, text('[1,2,3]'))).toBe('json');
    expect(detectFormat('out.dat', text('\ufeff{"bom": true}'))).toBe('json');
    expect(detectFormat(null, text('<?xml version="1.0"?><a/>'))).toBe('xml');
    expect(detectFormat(null, text('[INFO] started\n[INFO] done]'))).toBe('text');
    expect(detectFormat(null, text('{ "unterminated": '))).toBe('text');
    expect(detectFormat(null, text('42'))).toBe('text');
    expect(detectFormat(null, text('<html/>'))).toBe('text');
    expect(detectFormat(null, Buffer.alloc(0))).toBe('text');
    expect(detectFormat('Makefile', text('all:\n\ttrue\n'))).toBe('text');
  });
});
