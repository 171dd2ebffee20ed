/** Running one Program over several RowBlocks: per-block dictionaries, absent columns, segments, budget. */
import { describe, expect, it } from 'vitest';
import { compile } from '../../lang/index.ts';
import { render } from '../../lang/result.ts';
import type { RowBlock } from '../../lang/columns.ts';
import { buildBlock, schemaOf } from '../fixtures/rows.ts';

const schema = schemaOf({ page: 'text', price: 'double', tags: 'text[]' });
const T0 = 1_600_000_000_000;

describe('one program, many blocks', () => {
  // Different insertion orders give the two blocks different dictionary codes for the same text.
  const a = buildBlock(schema, [{ id: 'a', rows: [{ stamp: T0, action: 'buy', page: 'cart', price: 1 }, { stamp: T0 + 1, action: 'view', page: 'home', price: 2 }] }]);
  const b = buildBlock(schema, [{ id: 'b', rows: [{ stamp: T0, action: 'view', page: 'home', price: 5 }, { stamp: T0 + 1, action: 'buy', page: 'misc', price: 7 }] }]);

  /** Runs `script` for person a, then b, then a again, into one result (so a counts twice). */
  const runAba = (script: string): ReturnType<typeof render> => {
    const p = compile(script, schema, { mode: 'event' });
    const result = p.newResult();
    const ctx = { result, now: 0, sessionTime: 1, budget: { remaining: 1000 } };
    for (const { slices } of [a, b, a]) p.run(slices[0]!, ctx);
    return render(result.toPartial());
  };

  it('text constants are resolved against each block dictionary', () => {
    // sum price: (a) 2 + (b) 5 + (a) 2.
    expect(runAba("aggregate:\n    count person\n    sum price\nmatch where page == 'home' and action != 'buy':\n    tally(page)"))
      .toEqual({ _: [{ g: 'home', c: [3, 9] }] });
  });

  it('repeated key paths of one person count once per run (count person only)', () => {
    expect(runAba("match:\n    tally('x')\n    tally('x', 'y')\n    tally('x', 'y')")).toEqual({ _: [{ g: 'x', c: [3], _: [{ g: 'y', c: [3] }] }] });
  });

  it('a column missing from a block reads as None (sets: empty)', () => {
    const bare: RowBlock = { ...b.block, columns: new Map() };
    const p = compile('debug(page)\ndebug(price)\ndebug(tags)\ndebug(page == None)', schema, { mode: 'event' });
    const log: unknown[] = [];
    p.run({ ...b.slices[0]!, block: bare }, { now: 0, sessionTime: 1, budget: { remaining: 100 }, debugLog: log as never[] });
    expect(log).toEqual([null, null, new Set(), true]);
  });

  it('compare mode tallies into the given segment column', () => {
    const p = compile('match:\n    tally(page)', schema, { mode: 'event' });
    const result = p.newResult(2);
    p.run(a.slices[0]!, { result, segment: 0, now: 0, sessionTime: 1, budget: { remaining: 100 } });
    p.run(b.slices[0]!, { result, segment: 1, now: 0, sessionTime: 1, budget: { remaining: 100 } });
    const tree = render(result.toPartial(), { sort: 'g', order: 'asc' });
    expect(tree._.map((n) => [n.g, n.c, n.c2])).toEqual([
      ['cart', [1], [0]],
      ['home', [1], [1]],
      ['misc', [0], [1]],
    ]);
  });

  it('the budget is shared across people and reported back', () => {
    const p = compile('match:\n    pass', schema, { mode: 'event' });
    const budget = { remaining: 5 };
    p.run(a.slices[0]!, { now: 0, sessionTime: 1, budget });
    expect(budget.remaining).toBe(3);
    p.run(b.slices[0]!, { now: 0, sessionTime: 1, budget });
    expect(budget.remaining).toBe(1);
    expect(() => p.run(a.slices[0]!, { now: 0, sessionTime: 1, budget })).toThrowError(/budget/);
  });

  it('run-time errors name the line, person and source', () => {
    const p = compile("x = 1\nmatch:\n    for v in x:\n        pass", schema, { mode: 'event' });
    try {
      p.run(b.slices[0]!, { now: 0, sessionTime: 1, budget: { remaining: 100 } });
      throw new Error('no error');
    } catch (e) {
      expect((e as { body: unknown }).body).toMatchObject({ class: 'run_time', line: 3, person: 'b', source: '    for v in x:' });
    }
  });
});
