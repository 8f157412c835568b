import { describe, expect, it } from 'vitest';
import { numberUuids } from './uuids.ts';

const A = '6f9619ff-8b86-d011-b42d-00c04fc964ff';
const B = '7e57d004-2b97-4e7a-b45f-5387367791cd';
const C = '01890a5d-ac96-774b-bcce-b302099a8057'; // version 7

describe('numberUuids', () => {
  it('numbers UUIDs by first occurrence and reuses the number for the same id', () => {
    expect(numberUuids(`${A} ${B} ${A} ${C}`)).toBe('<uuid_1> <uuid_2> <uuid_1> <uuid_3>');
  });

  it('treats upper and lower case as the same id', () => {
    expect(numberUuids(`${A.toUpperCase()} ${A}`)).toBe('<uuid_1> <uuid_1>');
  });

  it('numbers per call, so two runs with different ids in the same pattern compare equal', () => {
    expect(numberUuids(`req ${A} parent ${A}`)).toBe(numberUuids(`req ${B} parent ${B}`));
    expect(numberUuids(`req ${A} parent ${A}`)).not.toBe(numberUuids(`req ${A} parent ${B}`));
  });

  it('finds UUIDs glued to other text and accepts the nil UUID', () => {
    expect(numberUuids(`order_${A}.json urn:uuid:00000000-0000-0000-0000-000000000000`)).toBe(
      'order_<uuid_1>.json urn:uuid:<uuid_2>',
    );
  });

  it('leaves near-misses alone', () => {
    const text = `${A}0 g${A.slice(1)} 6f9619ff8b86d011b42d00c04fc964ff 6f9619ff-8b86-d011-b42d-00c04fc964f`;
    expect(numberUuids(text)).toBe(text);
  });
});
