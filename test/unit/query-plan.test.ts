import { describe, expect, it } from 'vitest';
import { planSegment } from '../../shards/query/index-plan.ts';
import type { TableSchema } from '../../lang/schema.ts';
import { compile } from '../../lang/index.ts';

const schema: TableSchema = {
  name: 't',
  zOrder: [],
  columns: [
    { name: 'product_group', type: 'text', isSet: true, id: 1 },
    { name: 'product_name', type: 'text', isSet: false, id: 2 },
    { name: 'price', type: 'double', isSet: false, id: 3 },
    { name: 'ok', type: 'bool', isSet: false, id: 4 },
  ],
};

function tests(script: string): ((k: string | number | boolean) => boolean)[] | null {
  const p = planSegment(script, schema);
  if (p === null) return null;
  if (p.kind !== 'values') throw new Error('expected a values plan');
  return p.tests.map((t) => t.test);
}

describe('planSegment', () => {
  it('recognises the column-only shapes', () => {
    const a = planSegment("# home\nmatch where product_group in ['basement', 'garage']:\n    tally\n", schema);
    expect(a?.kind).toBe('values');
    const t = tests("match where product_group in ['basement', 'garage']:\n    tally")!;
    expect([t[0]('garage'), t[0]('kitchen')]).toEqual([true, false]);
    expect(tests("match where product_group == 'restaurant':\n  tally()")![0]('restaurant')).toBe(true);
    expect(tests("match where 'outdoor' in product_group:\n  tally")![0]('outdoor')).toBe(true);
    const sub = tests("match where 'rod' in product_name:\n  tally")![0];
    expect([sub('fly rod'), sub('rug')]).toEqual([true, false]);
    const cmp = tests('match where price >= 50:\n  tally')![0];
    expect([cmp(50), cmp(49.99)]).toEqual([true, false]);
    expect(tests('match where price < -1.5:\n  tally')![0](-2)).toBe(true);
    const or = tests("match where (action == 'purchase' or price > 100):\n  tally")!;
    expect(or.length).toBe(2);
    expect(tests('match where ok == True:\n  tally')![0](true)).toBe(true);
    const range = tests('match where price >= 10 and price < 20 or price == 99:\n  tally')!;
    expect(range.length).toBe(2);
    expect([range[0](10), range[0](19.5), range[0](20), range[0](9)]).toEqual([true, true, false, false]);
    expect(planSegment("union('a', 'b')", schema)).toEqual({ kind: 'math', op: 'union', names: ['a', 'b'] });
    expect(planSegment("compliment('a')", schema)).toEqual({ kind: 'math', op: 'complement', names: ['a'] });
  });
  it('declines everything else', () => {
    for (const s of [
      "match where product_group != 'x':\n  tally",
      "match where product_name == 'a' and price > 3:\n  tally",
      "match where product_group == 'a' and product_group == 'b':\n  tally",
      "match where not product_name == 'a':\n  tally",
      "match where product_name not in ['a']:\n  tally",
      "match where product_name is not None:\n  tally",
      "match where product_group > 'a':\n  tally",
      "match where product_name > 'a':\n  tally",
      "match where ok == 1:\n  tally",
      "match where price == True:\n  tally",
      "match where unknown_col == 1:\n  tally",
      "match 2 where price > 1:\n  tally",
      "match where price > 1:\n  tally\n  tally",
      "match where price > 1:\n  x = 1",
      "match where price > 1:\ntally",
      "reverse_match where price > 1:\n  tally",
      "match where price > 1:\n  if price > 2:\n    tally",
      "match where price in [1, [2]]:\n  tally",
      "union('a')",
      "population(x)",
      'tally',
    ]) expect(planSegment(s, schema), s).toBeNull();
  });
});

describe('accepted scripts are valid PyQL', () => {
  it('compiles every script the planner answers (the router skips compiling them)', () => {
    for (const script of [
      "# home\nmatch where product_group in ['basement', 'garage']:\n    tally\n",
      "match where product_group == 'restaurant':\n  tally()",
      "match where 'outdoor' in product_group:\n  tally",
      "match where 'rod' in product_name:\n  tally",
      'match where price >= 50:\n  tally',
      'match where price < -1.5:\n  tally',
      'match where price = 2.5e3:\n  tally',
      "match where (action == 'purchase' or price > 100):\n  tally",
      "match where product_name is 'x':\n  tally",
      'match where ok == True:\n  tally',
      "match where product_name == 'it\\'s':\n  tally",
      'match where price >= 10 and price < 20 or price == 99:\n  tally',
    ]) {
      expect(planSegment(script, schema), script).not.toBeNull();
      expect(() => compile(script, schema, { mode: 'segment' }), script).not.toThrow();
    }
  });
});
