/**
 * The shard engine over in-memory partitions: index-answered segments equal per-person script runs,
 * and merged results are identical for 1, 5 and 24 partitions.
 */
import { describe, expect, it } from 'vitest';
import { mergePartials, render, emptyPartial, type PartialTree } from '../../lang/result.ts';
import { renderCounts } from '../../lang/render.ts';
import { compile } from '../../lang/index.ts';
import { IndexCache } from '../../shards/index/cache.ts';
import type { StoredSegment } from '../../shards/index/segments.ts';
import { runQuery, type RowSource, type ShardQueryDeps } from '../../shards/query/engine.ts';
import { mergeColumnPartials, parseColumnQuery } from '../../shards/query/column.ts';
import { histogramNode, mergeHistogramPartials } from '../../shards/query/histogram.ts';
import type { QueryRequest, QueryStep, SegmentDef, StepResult } from '../../shards/query/types.ts';
import { buildBlock, schemaOf } from '../fixtures/rows.ts';
import { mulberry32 } from '../../scripts/prng.ts';

const schema = schemaOf({ product_group: 'text[]', product_name: 'text', price: 'double', cart_size: 'int', ok: 'bool' }, ['purchase'], 't', 1);

interface Row { stamp: number; action: string; group: string[]; name: string | null; price: number | null; cart: number | null; ok: boolean | null }

const GROUPS = ['basement', 'garage', 'kitchen', 'outdoor', 'angling', 'restaurant', 'bedroom'];
const NAMES = ['fly rod', 'shag rug', 'panini press', 'grommet', 'gilded spoon', 'espresso machine', 'double spinner'];
const ACTIONS = ['purchase', 'cart_item', 'view'];

function dataset(people: number, seed: number): { id: string; rows: Row[] }[] {
  const r = mulberry32(seed);
  const out: { id: string; rows: Row[] }[] = [];
  for (let p = 0; p < people; p++) {
    const rows: Row[] = [];
    let stamp = 1_483_228_800_000 + Math.floor(r() * 1e9);
    const n = 1 + Math.floor(r() * 20);
    for (let i = 0; i < n; i++) {
      stamp += Math.floor(r() * 4 * 3_600_000);
      rows.push({
        stamp,
        action: ACTIONS[Math.floor(r() * ACTIONS.length)],
        group: r() < 0.7 ? GROUPS.filter(() => r() < 0.25) : [],
        name: r() < 0.8 ? NAMES[Math.floor(r() * NAMES.length)] : null,
        price: r() < 0.8 ? Math.round(r() * 70000) / 100 : null,
        cart: r() < 0.6 ? Math.floor(r() * 6) : null,
        ok: r() < 0.5 ? r() < 0.5 : null,
      });
    }
    out.push({ id: `p${p}`, rows });
  }
  return out;
}

function source(people: { id: string; rows: Row[] }[]): RowSource {
  const { block, slices } = buildBlock(schema, people.map((p) => ({
    id: p.id,
    rows: p.rows.map((r) => ({
      stamp: r.stamp, action: r.action, product_group: r.group, product_name: r.name, price: r.price, cart_size: r.cart, ok: r.ok,
    })),
  })));
  const start = Int32Array.from(slices, (s) => s.start);
  const end = Int32Array.from(slices, (s) => s.end);
  return { version: 1, read: () => ({ block, people: { ids: people.map((p) => p.id), start, end } }) };
}

function deps(noIndexPlans = false): ShardQueryDeps {
  const store = new Map<string, StoredSegment>();
  return {
    indexes: new IndexCache(),
    segments: { get: (t, n) => store.get(`${t}/${n}`) ?? null, put: (t, s) => void store.set(`${t}/${s.name}`, s) },
    programs: new Map(),
    noIndexPlans,
  };
}

const SEGMENTS: SegmentDef[] = [
  ["home", "match where product_group in ['basement', 'garage', 'kitchen', 'bedroom']:\n    tally()"],
  ['outdoor', "match where 'outdoor' in product_group:\n    tally()"],
  ['commercial', "match where product_group == 'restaurant':\n    tally()"],
  ['rods', "match where 'rod' in product_name or product_name == 'grommet':\n    tally()"],
  ['pricey', 'match where price >= 500:\n    tally()'],
  ['cheap', 'match where (price < 10.5 or cart_size <= 0):\n    tally()'],
  ['okay', 'match where ok == True:\n    tally()'],
  ['midrange', 'match where price >= 100 and price < 200 or cart_size == 5:\n    tally()'],
  ['buyers', "match where action in ['purchase']:\n    tally()"],
  ['both', "intersection('home', 'outdoor')"],
  ['either', "union('home', 'pricey')"],
  ['rest', "complement('home')"],
  ['diff', "difference('outdoor', 'commercial')"],
  ['same', "population('rods')"],
  ['seq', "match where action == 'view':\n    match where action == 'purchase':\n        tally()"],
].map(([name, script]) => ({ name, script, ttl: 0, useCached: false, refresh: null }));

const NOW = 1_500_000_000_000;
const req = (steps: QueryStep[]): QueryRequest => ({ steps, now: NOW, sessionTime: 1_800_000, segmentDefs: SEGMENTS });

describe('segments from indexes', () => {
  it('give exactly the people the scripts select', () => {
    const src = source(dataset(400, 7));
    const step: QueryStep = { kind: 'segments', sections: SEGMENTS, force: false };
    const fast = runQuery(deps(false), schema, src, req([step])).results[0] as Extract<StepResult, { kind: 'segments' }>;
    const slow = runQuery(deps(true), schema, src, req([step])).results[0] as Extract<StepResult, { kind: 'segments' }>;
    expect(fast.counts).toEqual(slow.counts);
    expect(fast.counts.every((c) => c > 0)).toBe(true);
    // the column-only ones really skipped the scan
    const onlyPlans = runQuery(deps(false), schema, src, req([{ kind: 'segments', sections: SEGMENTS.slice(0, 14), force: false }]));
    expect(onlyPlans.rowsScanned).toBe(0);
    // and memberships (not just counts) agree: use each segment in an event query
    for (const d of SEGMENTS) {
      const ev: QueryStep = { kind: 'event', script: 'tally(person)', params: {}, segments: [d.name] };
      const a = runQuery(deps(false), schema, src, req([ev])).results[0] as Extract<StepResult, { kind: 'event' }>;
      const b = runQuery(deps(true), schema, src, req([ev])).results[0] as Extract<StepResult, { kind: 'event' }>;
      expect(render(a.partial), d.name).toEqual(render(b.partial));
    }
  });
});

/** Runs the steps over `k` partitions (people split by index mod k) and renders like the router. */
function answer(k: number, people: { id: string; rows: Row[] }[], steps: QueryStep[]): unknown[] {
  const parts = Array.from({ length: k }, (_, i) => people.filter((_, j) => (j * 2654435761) % k === i));
  const results = parts.map((p) => runQuery(deps(), schema, source(p), req(steps)).results);
  return steps.map((s, i) => {
    const rs = results.map((r) => r[i]);
    if (s.kind === 'event') {
      const aggs = compile(s.script, schema, { mode: 'event' }).aggs;
      let m: PartialTree = emptyPartial(aggs, s.segments.length);
      for (const r of rs) m = mergePartials(m, (r as Extract<StepResult, { kind: 'event' }>).partial);
      return render(m);
    }
    if (s.kind === 'column') {
      const m = mergeColumnPartials(rs.map((r) => (r as Extract<StepResult, { kind: 'column' }>).partial));
      return renderCounts([{ g: s.column, c: m.root, _: m.rows }]);
    }
    if (s.kind === 'histogram') {
      const m = mergeHistogramPartials(rs.map((r) => (r as Extract<StepResult, { kind: 'histogram' }>).partial));
      return renderCounts([histogramNode(m, 'h', { bucket: s.bucket, min: 0, max: 600 })], { sort: 'g' });
    }
    return rs.map((r) => (r as Extract<StepResult, { kind: 'segments' }>).counts).reduce((a, b) => a.map((x, j) => x + b[j]));
  });
}

describe('partition-count invariance', () => {
  it('gives identical results for 1, 5 and 24 partitions', () => {
    const people = dataset(300, 42);
    const col = (name: string, q: string) => parseColumnQuery(schema.columns.find((c) => c.name === name)!, new URLSearchParams(q));
    const steps: QueryStep[] = [
      { kind: 'segments', sections: SEGMENTS, force: false },
      { kind: 'event', params: {}, segments: ['*'], script: `aggregate:
    count person
    count product_name as names
    sum price as spent
    min price as lo
    max price as hi
    avg price as mean
    value product_name as last
match where action == 'purchase':
    tally(get_day_of_week(event_time()), product_name)
` },
      { kind: 'event', params: {}, segments: ['home', 'outdoor', '*'], script: `match where action == 'view':
    match where action == 'purchase':
        tally(action, bucket(price, 100))
` },
      { kind: 'column', column: 'product_name', query: col('product_name', ''), segments: ['*', 'seq'] },
      { kind: 'column', column: 'price', query: col('price', 'bucket=50&gte=20'), segments: ['*'] },
      { kind: 'column', column: 'product_group', query: col('product_group', 'rx=.*a.*'), segments: ['both'] },
      { kind: 'histogram', script: 'return SUM price', params: {}, foreach: null, bucket: 50, segments: ['*'] },
    ];
    const one = answer(1, people, steps);
    expect(answer(5, people, steps)).toEqual(one);
    expect(answer(24, people, steps)).toEqual(one);
    expect(JSON.stringify(one).length).toBeGreaterThan(1000);
  });
});

describe('segment caching', () => {
  it('reuses a use_cached segment within its ttl even after new people arrive, and recomputes after', () => {
    const people = dataset(200, 3);
    const d = deps();
    const def: SegmentDef = { name: 'pricey', script: 'match where price >= 500:\n    tally()', ttl: 60_000, useCached: true, refresh: null };
    const step: QueryStep = { kind: 'segments', sections: [def], force: false };
    const at = (now: number, src: RowSource) => runQuery(d, schema, src, { steps: [step], now, sessionTime: 1_800_000, segmentDefs: [def] }).results[0] as Extract<StepResult, { kind: 'segments' }>;
    const first = at(NOW, source(people.slice(0, 100)));
    expect(first.reused).toEqual([false]);
    const grown = { ...source(people), version: 2 };
    const cached = at(NOW + 1000, grown);
    expect(cached).toEqual({ kind: 'segments', counts: first.counts, reused: [true] });
    const later = at(NOW + 61_000, grown);
    expect(later.reused).toEqual([false]);
    expect(later.counts[0]).toBeGreaterThan(first.counts[0]);
    // a changed definition is never reused
    const changed = { ...def, script: 'match where price >= 600:\n    tally()' };
    const r = runQuery(d, schema, grown, { steps: [{ kind: 'segments', sections: [changed], force: false }], now: NOW + 61_500, sessionTime: 1, segmentDefs: [changed] });
    expect((r.results[0] as Extract<StepResult, { kind: 'segments' }>).reused).toEqual([false]);
  });
});
