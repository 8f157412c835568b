import { describe, expect, it } from 'vitest';
import { sortCsvRows } from './csv-rows.ts';

describe('sortCsvRows', () => {
  it('sorts data rows and keeps the header first', () => {
    expect(sortCsvRows('name,qty\npear,2\napple,5\nfig,1\n')).toBe('name,qty\napple,5\nfig,1\npear,2\n');
  });

  it('makes two orderings of the same rows equal', () => {
    expect(sortCsvRows('h\nb\na\nc\n')).toBe(sortCsvRows('h\nc\nb\na\n'));
  });

  it('orders by parsed fields, so quoting does not change the order, and keeps the source text', () => {
    expect(sortCsvRows('k,v\n"b",1\na,2\n"a",1\n')).toBe('k,v\n"a",1\na,2\n"b",1\n');
  });

  it('keeps multi-line quoted fields inside their row', () => {
    expect(sortCsvRows('k,v\nz,"two\nlines"\na,x\n')).toBe('k,v\na,x\nz,"two\nlines"\n');
  });

  it('keeps CRLF terminators and the absence of a final newline', () => {
    expect(sortCsvRows('h\r\nb\r\na')).toBe('h\r\na\r\nb');
  });

  it('leaves a header-only or single-row text unchanged', () => {
    expect(sortCsvRows('h\n')).toBe('h\n');
    expect(sortCsvRows('h\nrow\n')).toBe('h\nrow\n');
    expect(sortCsvRows('')).toBe('');
  });
});
