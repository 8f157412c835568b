import { describe, expect, it } from 'vitest';
import { ParityError } from '../errors.ts';
import { compareCsv } from './csv.ts';

function csvDiff(legacy: string, candidate: string, options = {}) {
  const d = compareCsv(legacy, candidate, options);
  if (!d || d.kind !== 'csv') throw new Error(`expected a csv difference, got ${JSON.stringify(d)}`);
  return d;
}

describe('compareCsv', () => {
  it('ignores quoting and line terminators', () => {
    expect(compareCsv('id,name\r\n1,"Ann"\r\n', 'id,name\n1,Ann\n')).toBeNull();
    expect(compareCsv('', '')).toBeNull();
  });

  it('compares by position without a key', () => {
    const d = csvDiff('id,amount\n1,10.50\n2,3\n3,4\n', 'id,amount\n1,10.5\n2,3\n');
    expect(d.changes).toEqual([
      { row: '#3', kind: 'removed', legacy: '3,4' },
      { row: '#1', column: 'amount', kind: 'changed', legacy: '10.50', candidate: '10.5' },
    ]);
    expect(d.summary).toBe('1 cell differs in 1 row, 1 row removed');
    expect(d.unified).toBe('- row #3: 3,4\n~ row #1, column amount: 10.50 → 10.5');
  });

  it('matches rows by key: added, removed and changed cells', () => {
    const legacy = 'id,name,amount\n7,Ann,10.50\n8,Bob,3\n9,Cy,1\n';
    const candidate = 'id,name,amount\n7,Ann,10.5\n9,Cy,2\n10,Di,5\n';
    const d = csvDiff(legacy, candidate, { key: 'id' });
    expect(d.changes).toEqual([
      { row: '8', kind: 'removed', legacy: '8,Bob,3' },
      { row: '10', kind: 'added', candidate: '10,Di,5' },
      { row: '7', column: 'amount', kind: 'changed', legacy: '10.50', candidate: '10.5' },
      { row: '9', column: 'amount', kind: 'changed', legacy: '1', candidate: '2' },
    ]);
    expect(d.summary).toBe('2 cells differ in 2 rows, 1 row added, 1 row removed');
    expect(d.unified.split('\n')).toEqual([
      '- row id=8: 8,Bob,3',
      '+ row id=10: 10,Di,5',
      '~ row id=7, column amount: 10.50 → 10.5',
      '~ row id=9, column amount: 1 → 2',
    ]);
  });

  it('reports a row order change separately from cell changes', () => {
    const d = csvDiff('id,v\n1,a\n2,b\n3,c\n4,d\n', 'id,v\n1,a\n3,c\n4,d\n2,x\n', { key: 'id' });
    expect(d.changes).toEqual([
      { row: '2', column: 'v', kind: 'changed', legacy: 'b', candidate: 'x' },
      { row: '2', kind: 'order', legacy: '2', candidate: '4' },
    ]);
    expect(d.summary).toBe('1 cell differs in 1 row, 1 row moved');
    expect(d.unified.split('\n')[1]).toBe('↕ row id=2: position 2 → 4');
    // Same rows, only the order differs: still a difference.
    const onlyOrder = csvDiff('id,v\n1,a\n2,b\n', 'id,v\n2,b\n1,a\n', { key: 'id' });
    expect(onlyOrder.changes.map((c) => c.kind)).toEqual(['order']);
    expect(onlyOrder.summary).toBe('1 row moved');
  });

  it('matches duplicate key values by occurrence', () => {
    const d = csvDiff('id,v\n1,a\n1,b\n', 'id,v\n1,a\n1,c\n', { key: 'id' });
    expect(d.changes).toEqual([{ row: '1 (#2)', column: 'v', kind: 'changed', legacy: 'b', candidate: 'c' }]);
  });

  it('reports header differences and compares the common columns by name', () => {
    const d = csvDiff('id,name,amount\n1,Ann,5\n', 'id,amount,note\n1,6,x\n', { key: 'id' });
    expect(d.changes).toEqual([
      { row: 'header', column: 'name', kind: 'header', legacy: 'name' },
      { row: 'header', column: 'note', kind: 'header', candidate: 'note' },
      { row: '1', column: 'amount', kind: 'changed', legacy: '5', candidate: '6' },
    ]);
    expect(d.summary).toBe('header differs, 1 cell differs in 1 row');
    expect(d.unified.split('\n').slice(0, 2)).toEqual(['- header column name', '+ header column note']);
  });

  it('reports reordered columns once, and equal cells stay equal', () => {
    const d = csvDiff('a,b\n1,2\n', 'b,a\n2,1\n');
    expect(d.changes).toEqual([{ row: 'header', kind: 'header', legacy: 'a,b', candidate: 'b,a' }]);
    expect(d.unified).toBe('~ header: a,b → b,a');
  });

  it('compares by position when a header has duplicate names', () => {
    const d = csvDiff('x,x\n1,2\n', 'x,y\n1,3\n');
    expect(d.changes).toEqual([
      { row: 'header', column: '#2', kind: 'header', legacy: 'x', candidate: 'y' },
      { row: '#1', column: 'x', kind: 'changed', legacy: '2', candidate: '3' },
    ]);
  });

  it('falls back to positions when the candidate lacks the key column', () => {
    const d = csvDiff('id,v\n1,a\n', 'key,v\n1,b\n', { key: 'id' });
    expect(d.summary).toBe('header differs, 1 cell differs in 1 row; key column id missing in candidate: rows compared by position');
    expect(d.changes.at(-1)).toEqual({ row: '#1', column: 'v', kind: 'changed', legacy: 'a', candidate: 'b' });
  });

  it('throws CONFIG_INVALID when the key is not in the legacy header', () => {
    try {
      compareCsv('id,v\n1,a\n', 'id,v\n1,b\n', { key: 'ID' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ParityError);
      expect((error as ParityError).code).toBe('CONFIG_INVALID');
      expect((error as ParityError).message).toContain('"ID"');
    }
  });

  it('applies numeric tolerances per column, inclusive at the edge', () => {
    const legacy = 'id,amount,qty\n1,10.00,1\n2,5.5,2\n';
    const candidate = 'id,amount,qty\n1,10.01,1.01\n2,5.52,2\n';
    const d = csvDiff(legacy, candidate, { key: 'id', tolerances: [{ column: 'amount', absolute: 0.01 }] });
    expect(d.changes).toEqual([
      { row: '1', column: 'qty', kind: 'changed', legacy: '1', candidate: '1.01' },
      { row: '2', column: 'amount', kind: 'changed', legacy: '5.5', candidate: '5.52' },
    ]);
    // Relative, and a tolerance never makes a non-number equal.
    expect(compareCsv('v\n200\n', 'v\n202\n', { tolerances: [{ column: 'v', relative: 0.01 }] })).toBeNull();
    expect(compareCsv('v\nn/a\n', 'v\nN/A\n', { tolerances: [{ column: 'v', absolute: 1 }] })).not.toBeNull();
    // A JSON-only tolerance does not apply to CSV.
    expect(compareCsv('v\n1\n', 'v\n1.5\n', { tolerances: [{ path: '$.v', absolute: 1 }] })).not.toBeNull();
  });

  it('tells a missing cell from an empty one, and shows both', () => {
    const d = csvDiff('a,b\n1,\n', 'a,b\n1\n');
    expect(d.changes).toEqual([{ row: '#1', column: 'b', kind: 'changed', legacy: '' }]);
    expect(d.unified).toBe('~ row #1, column b: "" → (missing)');
  });

  it('reports a byte-order mark on one side only', () => {
    const d = csvDiff('\uFEFFid,v\n1,a\n', 'id,v\n1,a\n', { key: 'id' });
    expect(d.changes).toEqual([{ row: 'header', kind: 'header', legacy: 'byte-order mark', candidate: 'none' }]);
  });

  it('handles an empty side', () => {
    const d = csvDiff('', 'id\n1\n');
    expect(d.changes).toEqual([
      { row: 'header', column: 'id', kind: 'header', candidate: 'id' },
      { row: '#1', kind: 'added', candidate: '1' },
    ]);
  });
});
