/** @section splitting for segment and batch bodies, and durations. */
import { describe, expect, it } from 'vitest';
import { splitSections, parseDuration, compile } from '../../lang/index.ts';
import { DbError } from '../../lang/errors.ts';
import { schemaOf } from '../fixtures/rows.ts';

const body = [
  '# segments first',
  '@segment products_home ttl=300s use_cached refresh=5m:',
  "    match where product_group in ['basement', 'garage']:",
  '        tally',
  '',
  '@segment everyone',
  '    tally()',
  '@use products_home, everyone',
  '@column product_name',
  '@histogram customer_value bucket=250&min=0',
  '    return SUM total where total != None',
].join('\n');

describe('splitSections', () => {
  const sections = splitSections(body);
  it('finds every section with its kind, name and params', () => {
    expect(sections.map((s) => [s.kind, s.name])).toEqual([
      ['segment', 'products_home'],
      ['segment', 'everyone'],
      ['use', 'products_home, everyone'],
      ['column', 'product_name'],
      ['histogram', 'customer_value'],
    ]);
    expect(sections[0]!.params).toEqual({ ttl: '300s', use_cached: 'true', refresh: '5m' });
    expect(sections[1]!.params).toEqual({});
    expect(sections[2]!.names).toEqual(['products_home', 'everyone']);
    expect(sections[4]!.params).toEqual({ bucket: '250', min: '0' });
  });
  it('dedents bodies so they compile alone, and keeps line offsets', () => {
    expect(sections[0]!.body).toBe("match where product_group in ['basement', 'garage']:\n    tally");
    expect(sections[0]!.line).toBe(2);
    expect(sections[4]!.body).toBe('return SUM total where total != None');
    const schema = schemaOf({ product_group: 'text[]', total: 'double' });
    expect(() => compile(sections[0]!.body, schema, { mode: 'segment' })).not.toThrow();
  });
  it('shifts compile error lines by the section offset', () => {
    const s = splitSections('@segment a\n    x = 1\n    y = nope')[0]!;
    try {
      compile(s.body, schemaOf({}), { mode: 'segment', lineOffset: s.lineOffset });
      throw new Error('no error');
    } catch (e) {
      expect((e as DbError).body).toMatchObject({ class: 'parse', line: 3 });
    }
  });
  it('rejects unknown sections and stray text', () => {
    expect(() => splitSections('@bogus x')).toThrowError(/unknown section/);
    expect(() => splitSections('x = 1\n@segment a\n    tally')).toThrowError(/before the first/);
    expect(() => splitSections('@column c\n    x = 1')).toThrowError(/takes no script/);
  });
});

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['1d', 86_400_000],
    ['x', null],
  ])('%s → %s', (t, ms) => expect(parseDuration(t)).toBe(ms));
});
