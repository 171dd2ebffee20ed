/** data-model.md §10: the README sample scripts over the highstreet rows give the documented answers. */
import { describe, expect, it } from 'vitest';
import { render } from '../../lang/result.ts';
import { compile } from '../../lang/index.ts';
import { runScript } from './run-script.ts';
import { buildBlock, schemaOfDefinition, type PersonInput, type RowInput, type Scalar } from '../fixtures/rows.ts';
import { HIGHSTREET_TABLE, readHighstreetEvents } from '../fixtures/highstreet.ts';

const schema = schemaOfDefinition('highstreet', HIGHSTREET_TABLE);

/** Expands complex events (nested `_` arrays) into one row per leaf path, sharing one event id. */
function expand(attrs: Record<string, unknown>, inherited: Record<string, unknown>): Record<string, unknown>[] {
  const own = { ...inherited };
  let nested: Record<string, unknown>[] | null = null;
  for (const [k, v] of Object.entries(attrs)) {
    if (k === '_' && Array.isArray(v)) nested = v as Record<string, unknown>[];
    else own[k] = v;
  }
  if (!nested || nested.length === 0) return [own];
  return nested.flatMap((sub) => expand(sub, own));
}

function loadPeople(): PersonInput[] {
  const byPerson = new Map<string, RowInput[]>();
  readHighstreetEvents().forEach((e, i) => {
    const id = e.person.toLowerCase();
    const rows = byPerson.get(id) ?? [];
    for (const attrs of expand(e._, {})) {
      const row: RowInput = { stamp: e.stamp, action: e.action, event: i };
      for (const [k, v] of Object.entries(attrs)) row[k] = v as Scalar | Scalar[];
      rows.push(row);
    }
    byPerson.set(id, rows);
  });
  return [...byPerson].map(([id, rows]) => ({ id, rows }));
}

const people = loadPeople();

describe('highstreet sample (data-model.md §10)', () => {
  it('README script gives the documented day-of-week tree', () => {
    const script = [
      'aggregate:',
      '    count person',
      '    count product_name as purchased',
      '    sum product_price as total_spent with product_name',
      "match where 'outdoor' in product_group:",
      '    tally(get_day_of_week(event_time()), product_name)',
    ].join('\n');
    const { result } = runScript(script, schema, people);
    const tree = render(result.toPartial(), { sort: 'g', order: 'asc' });
    const day = (g: number) => tree._.find((n) => n.g === g)!;
    expect(tree._.map((n) => n.g)).toEqual([2, 5, 7]);
    expect(day(2).c[0]).toBe(1);
    expect(day(2).c[1]).toBe(3);
    expect(day(2).c[2]).toBeCloseTo(155.93, 9);
    expect(day(5).c).toEqual([1, 1, 99.95]);
    expect(day(7).c[1]).toBe(3);
    expect(day(7).c[2]).toBeCloseTo(145.93, 9);
    const kids = (g: number) => Object.fromEntries(day(g)._!.map((n) => [n.g, n.c]));
    expect(Object.keys(kids(2)).sort()).toEqual(['deluxe spinner', 'fly rod', 'triple hook jigger']);
    for (const c of Object.values(kids(2))) expect((c as unknown[]).slice(0, 2)).toEqual([1, 1]);
    expect(kids(5)).toEqual({ 'fly rod': [1, 1, 99.95] });
    expect(kids(7)).toEqual({ 'gilded spoon': [1, 1, 27.99], 'fly rod': [1, 1, 99.95], 'double spinner': [1, 1, 17.99] });
  });

  it('histogram script returns each person\'s total (750, 250 and 0 buckets)', () => {
    const program = compile('return SUM total where total != None', schema, { mode: 'histogram' });
    const { slices } = buildBlock(schema, people);
    const ctx = { now: 0, sessionTime: 1_800_000, budget: { remaining: 1e6 } };
    const buckets = slices.map((s) => Math.floor((program.run(s, ctx).value as number) / 250) * 250).sort((a, b) => a - b);
    expect(buckets).toEqual([0, 250, 750]);
  });

  it.each([
    ['products_home', "match where product_group in ['basement', 'garage', 'kitchen', 'bedroom', 'bathroom']:\n    tally()", 2],
    ['products_outdoor', "match where product_group in ['outdoor', 'angling']:\n    tally()", 2],
    ['products_commercial', "match where product_group == 'restaurant':\n    tally()", 2],
    ['products_yard', "match where product_group in ['basement', 'garage']:\n    tally()", 1],
  ])('segment %s has %i people', (_name, script, want) => {
    const program = compile(script, schema, { mode: 'segment' });
    const { slices } = buildBlock(schema, people);
    const ctx = { now: 0, sessionTime: 1_800_000, budget: { remaining: 1e6 } };
    expect(slices.filter((s) => program.run(s, ctx).member).length).toBe(want);
  });

  it('OpenSet samples/pyql/simple.pyql (`is` on a set column) gives the README tree', () => {
    const script = [
      'aggregate: # define our output columns',
      '    count person',
      '    count product_name as purchased',
      '    sum product_price as total_spent with product_name',
      '',
      "match where product_group is 'outdoor':",
      '    tally(get_day_of_week(event_time()), product_name)',
    ].join('\n');
    const tree = render(runScript(script, schema, people).result.toPartial(), { sort: 'g', order: 'asc' });
    expect(tree._.map((n) => [n.g, n.c[0], n.c[1]])).toEqual([[2, 1, 3], [5, 1, 1], [7, 1, 3]]);
  });

  it('OpenSet samples/pyql/total_shipper.pyql', () => {
    const script = 'aggregate:\n    count person\n    count shipper\n    sum shipping\n    sum total\n\nmatch:\n    tally(\'all\', shipper)\n';
    const tree = render(runScript(script, schema, people).result.toPartial());
    const all = tree._[0]!;
    expect(all.g).toBe('all');
    expect(all.c.slice(0, 2)).toEqual([3, 6]);
    expect(all.c[2]).toBeCloseTo(49.38, 9);
    expect(all.c[3]).toBeCloseTo(1338.5, 9);
    const kids = Object.fromEntries(all._!.map((n) => [n.g, n.c]));
    expect(kids['fedex']!.slice(0, 2)).toEqual([2, 3]);
    expect(kids['fedex']![3]).toBeCloseTo(318.66, 9);
    expect(kids['ground']!.slice(0, 2)).toEqual([3, 3]);
    expect(kids['ground']![3]).toBeCloseTo(1019.84, 9);
  });

  it('OpenSet samples/pyql/tags_and_products.pyql tallies each tag of a set column', () => {
    const script = "aggregate:\n    count person\n    count product_name as purchased\n\nmatch where product_group is 'outdoor':\n    tally(product_tags, product_name)\n";
    const tree = render(runScript(script, schema, people).result.toPartial());
    expect(tree._.length).toBeGreaterThan(1);
    for (const n of tree._) expect(typeof n.g).toBe('string');
  });

  it('OpenSet samples/pyql/purchased_after.pyql (sort: section, `is`, header continuation)', () => {
    const script = [
      'aggregate: # define our output columns',
      '    count person',
      '    count product_name as purchased',
      '    sum product_price as total_revenue with product_name',
      '',
      'sort:',
      '    person # sort using person aggregate',
      '',
      "match where action is 'purchase': # match one",
      '    first_matching_product = product_name',
      '    iter_next()',
      "    match 1 where action is 'purchase' and",
      '            product_name is not first_matching_product:',
      '        tally(first_matching_product, product_name)',
    ].join('\n');
    const run = runScript(script, schema, people);
    expect(run.program.sort).toBe('person');
    // purchase rows carry no product_name, so every tally stops at the None first key.
    expect(render(run.result.toPartial())).toEqual({ _: [] });
  });

  it('z-order puts purchase before cart_item at equal stamps', () => {
    const { debug } = runScript("debug(action)\niter_next()\ndebug(action)", schema, people.filter((p) => p.id === 'tommy'));
    expect(debug).toEqual(['purchase', 'cart_item']);
  });
});
