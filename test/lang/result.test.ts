import { describe, expect, it } from 'vitest';
import { DbError } from '../../lang/errors.ts';
import { ResultTree, emptyPartial, mergePartials, render } from '../../lang/result.ts';
import { renderCounts } from '../../lang/render.ts';
import type { AggSpec, PartialTree } from '../../lang/result.ts';
import type { Key, Value } from '../../lang/runtime/values.ts';

const person: AggSpec = { kind: 'count', alias: 'person', source: { type: 'person' }, all: false };
const col = (kind: AggSpec['kind'], name: string, alias = name, all = false): AggSpec => ({
  kind,
  alias,
  source: { type: 'column', name },
  all,
});

/** Mimics compiled code: the distinct key of a column aggregator is (with-value, stamp). */
function row(tree: ResultTree, keys: Key[], pid: string, vals: Value[], stamp: number, segment = 0) {
  const values: Value[] = [];
  const distinct: (string | number)[] = [];
  tree.aggs.forEach((a, i) => {
    if (a.source.type === 'person') {
      values.push(pid);
      distinct.push(pid);
    } else {
      const v = vals[i - (tree.aggs[0]!.source.type === 'person' ? 1 : 0)] ?? null;
      values.push(v);
      distinct.push(`${String(v)}\u0000${stamp}`);
    }
  });
  tree.tally(keys, keys.length, segment, values, distinct, stamp);
}

describe('ResultTree distinct-key semantics', () => {
  it('pyql.md §7 example: root node [1, 2, 2, 6]', () => {
    const aggs: AggSpec[] = [
      person,
      col('count', 'page'),
      col('count', 'referral_source'),
      { kind: 'var', alias: 'ref', source: { type: 'variable', name: 'ref' }, all: false },
    ];
    const t = new ResultTree(aggs);
    t.beginPerson();
    const rows = [
      { stamp: 1000, page: 'home page', src: 'google', words: ['a', 'b', 'c'] },
      { stamp: 2000, page: 'home page', src: 'bing', words: ['d', 'e', 'f'] },
    ];
    for (const r of rows) {
      for (const w of r.words) row(t, ['p1', r.page, r.src, w], 'p1', [r.page, r.src, w], r.stamp);
    }
    const out = render(t.toPartial());
    expect(out._).toHaveLength(1);
    expect(out._[0]!.g).toBe('p1');
    expect(out._[0]!.c).toEqual([1, 2, 2, 6]);
    expect(out._[0]!._![0]!.c).toEqual([1, 2, 2, 6]);
    const google = out._[0]!._![0]!._!.find((n) => n.g === 'google')!;
    expect(google.c).toEqual([1, 1, 1, 3]);
  });

  it('count person counts people, not rows; a new person counts again', () => {
    const t = new ResultTree([person]);
    for (const p of ['a', 'b']) {
      t.beginPerson();
      for (let s = 0; s < 5; s++) row(t, ['x'], p, [], s);
    }
    expect(render(t.toPartial())).toEqual({ _: [{ g: 'x', c: [2] }] });
  });

  it('count-person-only trees (the default aggregate) in compare mode', () => {
    const t = new ResultTree([person], 2);
    for (const [pid, seg] of [['a', 0], ['b', 0], ['a', 1]] as const) {
      t.beginPerson();
      for (let s = 0; s < 3; s++) t.tally(['x', s % 2 === 0 ? 'even' : 'odd'], 2, seg, [pid], [pid], s);
    }
    t.beginPerson();
    t.tally(['x'], 1, 1, [null], ['c'], 1);
    expect(render(t.toPartial())).toEqual({
      _: [{ g: 'x', c: [2], c2: [1], _: [{ g: 'even', c: [2], c2: [1] }, { g: 'odd', c: [2], c2: [1] }] }],
    });
  });

  it('`all` removes the distinct check', () => {
    const t = new ResultTree([person, col('count', 'page', 'pages', true)]);
    t.beginPerson();
    for (let i = 0; i < 3; i++) row(t, ['x'], 'a', ['home'], 7);
    expect(render(t.toPartial())._[0]!.c).toEqual([1, 3]);
  });

  it('the same (value, stamp) counts once, other stamps count again, None is skipped', () => {
    const t = new ResultTree([col('sum', 'price'), col('count', 'price', 'n')]);
    t.beginPerson();
    row(t, ['x'], 'a', [5, 5], 1);
    row(t, ['x'], 'a', [5, 5], 1);
    row(t, ['x'], 'a', [5, 5], 2);
    row(t, ['x'], 'a', [null, null], 3);
    row(t, ['x'], 'a', [7, 7], 1);
    expect(render(t.toPartial())._[0]!.c).toEqual([17, 3]);
  });

  it('descent stops at the first None key', () => {
    const t = new ResultTree([person]);
    t.beginPerson();
    row(t, ['a', null, 'c'], 'p', [], 1);
    expect(render(t.toPartial())).toEqual({ _: [{ g: 'a', c: [1] }] });
  });

  it('keys keep their JSON type and depth is limited to 16', () => {
    const t = new ResultTree([person]);
    t.beginPerson();
    row(t, [1, true, 2.5, 'x'], 'p', [], 1);
    const out = render(t.toPartial());
    expect(out._[0]!.g).toBe(1);
    expect(out._[0]!._![0]!.g).toBe(true);
    expect(out._[0]!._![0]!._![0]!.g).toBe(2.5);
    expect(() => t.tally(new Array<Key>(17).fill('k'), 17, 0, ['p'], ['p'], 1)).toThrow(DbError);
  });

  it('min, max, avg and value within one person', () => {
    const t = new ResultTree([col('min', 'p'), col('max', 'p', 'mx'), col('avg', 'p', 'av'), col('value', 'p', 'v')]);
    t.beginPerson();
    for (const [v, s] of [[3, 1], [9, 2], [1, 3], [5, 4]] as const) row(t, ['x'], 'a', [v, v, v, v], s);
    expect(render(t.toPartial())._[0]!.c).toEqual([1, 9, 4.5, 5]);
  });

  it('an empty tree renders {"_":[]}', () => {
    const t = new ResultTree([person]);
    expect(t.isEmpty()).toBe(true);
    expect(render(t.toPartial())).toEqual({ _: [] });
    expect(JSON.stringify(render(emptyPartial([person])))).toBe('{"_":[]}');
  });
});

/** Deterministic pseudo-random people spread over partitions. */
function people(n: number) {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const countries = ['de', 'US', 'fr', 'uk', 'es'];
  const products = ['hat', 'shoe', 'Bag', 'coat'];
  return Array.from({ length: n }, (_, i) => ({
    id: `p${i}`,
    rows: Array.from({ length: 1 + Math.floor(rnd() * 6) }, (_, r) => ({
      stamp: 1000 + r * 10 + Math.floor(rnd() * 3),
      country: countries[Math.floor(rnd() * countries.length)]!,
      product: products[Math.floor(rnd() * products.length)]!,
      price: Math.round(rnd() * 10000) / 100,
      label: `l${Math.floor(rnd() * 50)}`,
    })),
  }));
}

describe('partials merge like one tree', () => {
  const aggs: AggSpec[] = [
    person,
    col('sum', 'price'),
    col('min', 'price', 'lo'),
    col('max', 'price', 'hi'),
    col('avg', 'price', 'mean'),
    col('value', 'label'),
    col('count', 'product', 'items'),
  ];
  const data = people(300);
  const feed = (t: ResultTree, ps: typeof data) => {
    for (const p of ps) {
      t.beginPerson();
      for (const r of p.rows) row(t, [r.country, r.product], p.id, [r.price, r.price, r.price, r.price, r.label, r.product], r.stamp);
    }
  };
  const whole = new ResultTree(aggs);
  feed(whole, data);
  const expected = render(whole.toPartial());

  for (const parts of [2, 3, 7, 24]) {
    it(`${parts} partitions, merged in two different orders`, () => {
      const partials: PartialTree[] = [];
      for (let k = 0; k < parts; k++) {
        const t = new ResultTree(aggs);
        feed(t, data.filter((_, i) => i % parts === k));
        partials.push(JSON.parse(JSON.stringify(t.toPartial())) as PartialTree);
      }
      const forward = partials.reduce((a, b) => mergePartials(a, b));
      const backward = partials.reduceRight((a, b) => mergePartials(a, b), emptyPartial(aggs));
      expect(render(forward)).toEqual(expected);
      expect(render(backward)).toEqual(expected);
    });
  }

  it('min/max merge take the true min and max; avg is total sum / total count', () => {
    const a = new ResultTree([col('min', 'p'), col('max', 'p', 'mx'), col('avg', 'p', 'av')]);
    const b = new ResultTree([col('min', 'p'), col('max', 'p', 'mx'), col('avg', 'p', 'av')]);
    a.beginPerson();
    row(a, ['x'], 'a', [10, 10, 10], 1);
    row(a, ['x'], 'a', [20, 20, 20], 2);
    b.beginPerson();
    row(b, ['x'], 'b', [3, 3, 3], 1);
    expect(render(mergePartials(a.toPartial(), b.toPartial()))._[0]!.c).toEqual([3, 20, 11]);
    expect(render(mergePartials(b.toPartial(), a.toPartial()))._[0]!.c).toEqual([3, 20, 11]);
  });

  it('value merge: latest stamp wins, ties go to the larger value, in any order', () => {
    const mk = (v: string, stamp: number) => {
      const t = new ResultTree([col('value', 'label')]);
      t.beginPerson();
      row(t, ['x'], 'a', [v], stamp);
      return t.toPartial();
    };
    const parts = [mk('b', 5), mk('z', 3), mk('c', 5)];
    for (const order of [[0, 1, 2], [2, 1, 0], [1, 2, 0]]) {
      const merged = order.map((i) => parts[i]!).reduce((a, b) => mergePartials(a, b));
      expect(render(merged)._[0]!.c).toEqual(['c']);
    }
  });

  it('refuses to merge partials of different queries', () => {
    expect(() => mergePartials(emptyPartial([person]), emptyPartial([col('sum', 'x')]))).toThrow(DbError);
  });
});

describe('render: sort, order, trim, compare mode', () => {
  const aggs: AggSpec[] = [person, col('sum', 'price')];
  const t = new ResultTree(aggs);
  const add = (pid: string, keys: Key[], price: number, stamp: number) => {
    t.beginPerson();
    row(t, keys, pid, [price], stamp);
  };
  add('a', ['b', 'x'], 10, 1);
  add('b', ['b', 'y'], 1, 1);
  add('c', ['B2', 'y'], 100, 1);
  add('d', [10, 'z'], 5, 1);
  add('e', [9, 'z'], 5, 1);
  add('f', ['a'], 1, 1);
  const p = t.toPartial();

  it('default: first aggregator desc, ties by g ascending (numbers numerically, strings case-insensitively)', () => {
    const out = render(p);
    expect(out._.map((n) => n.g)).toEqual(['b', 9, 10, 'a', 'B2']);
    expect(out._[0]).toEqual({ g: 'b', c: [2, 11], _: [{ g: 'x', c: [1, 10] }, { g: 'y', c: [1, 1] }] });
  });

  it('sort by alias, order asc', () => {
    expect(render(p, { sort: 'price' })._.map((n) => n.g)).toEqual(['B2', 'b', 9, 10, 'a']);
    expect(render(p, { sort: 'price', order: 'asc' })._.map((n) => n.g)).toEqual(['a', 9, 10, 'b', 'B2']);
    expect(render(p, { sort: 'people' })._.map((n) => n.g)).toEqual(['b', 9, 10, 'a', 'B2']);
  });

  it('sort by g / key', () => {
    expect(render(p, { sort: 'g', order: 'asc' })._.map((n) => n.g)).toEqual([9, 10, 'a', 'b', 'B2']);
    expect(render(p, { sort: 'key' })._.map((n) => n.g)).toEqual(['B2', 'b', 'a', 10, 9]);
  });

  it('trim keeps the first N children of every array; parents keep totals', () => {
    const out = render(p, { trim: 1 });
    expect(out).toEqual({ _: [{ g: 'b', c: [2, 11], _: [{ g: 'x', c: [1, 10] }] }] });
  });

  it('unknown sort alias is a query error', () => {
    try {
      render(p, { sort: 'nope' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DbError);
      expect((e as DbError).body.message).toBe('bad_sort');
      expect((e as DbError).body.class).toBe('query');
    }
  });

  it('compare mode: c and c2 on every node, 0 for counts/sums and null for min/max/avg/value when missing', () => {
    const aggs2: AggSpec[] = [person, col('sum', 'price'), col('min', 'price', 'lo'), col('avg', 'price', 'av'), col('value', 'price', 'v')];
    const tree = new ResultTree(aggs2, 2);
    tree.beginPerson();
    row(tree, ['only0'], 'a', [4, 4, 4, 4], 1, 0);
    tree.beginPerson();
    row(tree, ['both'], 'a', [2, 2, 2, 2], 1, 0);
    tree.beginPerson();
    row(tree, ['both'], 'a', [6, 6, 6, 6], 1, 1);
    const out = render(JSON.parse(JSON.stringify(tree.toPartial())) as PartialTree);
    expect(out._).toEqual([
      { g: 'both', c: [1, 2, 2, 2, 2], c2: [1, 6, 6, 6, 6] },
      { g: 'only0', c: [1, 4, 4, 4, 4], c2: [0, 0, null, null, null] },
    ]);
  });

  it('sums of decimals render without binary noise', () => {
    const tree = new ResultTree([col('sum', 'price')]);
    tree.beginPerson();
    for (const [v, s] of [[0.1, 1], [0.2, 2]] as const) row(tree, ['x'], 'a', [v], s);
    expect(render(tree.toPartial())._[0]!.c).toEqual([0.3]);
  });
});

describe('renderCounts (column and segment endpoints)', () => {
  it('segments sorted by count, ties by name', () => {
    expect(renderCounts([{ g: 'b', c: [2] }, { g: 'a', c: [2] }, { g: 'c', c: [5] }])).toEqual({
      _: [{ g: 'c', c: [5] }, { g: 'a', c: [2] }, { g: 'b', c: [2] }],
    });
  });
  it('column root with values, trim and compare mode', () => {
    const out = renderCounts([{ g: 'product_name', c: [3, 1], _: [{ g: 'fly rod', c: [2, 0] }, { g: 'shag rug', c: [1, 1] }] }], { trim: 1 });
    expect(out).toEqual({ _: [{ g: 'product_name', c: [3], c2: [1], _: [{ g: 'fly rod', c: [2], c2: [0] }] }] });
    expect(renderCounts([{ g: 'x', c: [1] }], { sort: 'g' })._[0]!.g).toBe('x');
    expect(() => renderCounts([], { sort: 'price' })).toThrow(DbError);
  });
});

describe('distinct-key bookkeeping matches a naive model', () => {
  /** Reference: per (person, node path, aggregator) a Set of distinct keys. */
  function naive(events: { person: number; keys: string[]; dk: (string | number)[]; v: number[] }[], aggs: AggSpec[]) {
    const seen = new Set<string>();
    const sums = new Map<string, number[]>();
    for (const e of events) {
      for (let d = 1; d <= e.keys.length; d++) {
        const path = e.keys.slice(0, d).join('/');
        const acc = sums.get(path) ?? new Array<number>(aggs.length).fill(0);
        sums.set(path, acc);
        aggs.forEach((a, i) => {
          const id = `${e.person}|${path}|${i}|${typeof e.dk[i]}:${e.dk[i]}`;
          if (!a.all && seen.has(id)) return;
          seen.add(id);
          acc[i]! += a.kind === 'count' ? 1 : e.v[i]!;
        });
      }
    }
    return sums;
  }

  it('random orders of numeric and string keys, with repeats, out of order and long runs', () => {
    let seed = 7;
    const rnd = (n: number) => Math.floor(((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648) * n);
    const aggs: AggSpec[] = [person, col('sum', 'x'), col('count', 'y'), col('sum', 'z', 'zall', true)];
    for (let trial = 0; trial < 40; trial++) {
      const events: { person: number; keys: string[]; dk: (string | number)[]; v: number[] }[] = [];
      const tree = new ResultTree(aggs);
      const people = 1 + rnd(4);
      for (let p = 0; p < people; p++) {
        tree.beginPerson();
        const n = rnd(80);
        let mono = 0;
        for (let r = 0; r < n; r++) {
          const style = rnd(4);
          // mostly increasing numeric keys, sometimes repeats/backwards, sometimes strings
          const num = style === 0 ? rnd(mono + 1) : (mono += rnd(3));
          const dk1: string | number = rnd(10) === 0 ? `s${rnd(5)}` : num;
          const dk2: string | number = rnd(3) === 0 ? rnd(30) : num;
          const e = { person: p, keys: [`a${rnd(3)}`, `b${rnd(2)}`].slice(0, 1 + rnd(2)), dk: [`p${p}`, dk1, dk2, r], v: [1, 1 + rnd(9), 1, 2] };
          events.push(e);
          tree.tally(e.keys, e.keys.length, 0, e.v, e.dk, r);
        }
      }
      const expected = naive(events, aggs);
      const walk = (nodes: ReturnType<typeof render>['_'], prefix: string) => {
        for (const n of nodes) {
          const path = prefix === '' ? String(n.g) : `${prefix}/${String(n.g)}`;
          expect(n.c, path).toEqual(expected.get(path));
          if (n._) walk(n._, path);
        }
      };
      const out = render(tree.toPartial());
      walk(out._, '');
      const count = (nodes: ReturnType<typeof render>['_']): number => nodes.reduce((s, n) => s + 1 + count(n._ ?? []), 0);
      expect(count(out._)).toBe(expected.size);
    }
  });
});

describe('memory bound of the per-person key log', () => {
  it('past the log cap, keys move to a Set and stay exact', () => {
    const tree = new ResultTree([col('count', 'x')]);
    tree.beginPerson();
    const values = [1];
    const distinct = [0];
    const n = (1 << 20) + 10;
    for (let r = 0; r < n; r++) {
      distinct[0] = r;
      tree.tally(['k'], 1, 0, values, distinct, r);
    }
    for (const r of [0, 5, n - 1]) {
      distinct[0] = r;
      tree.tally(['k'], 1, 0, values, distinct, r);
    }
    distinct[0] = n;
    tree.tally(['k'], 1, 0, values, distinct, n);
    expect(render(tree.toPartial())._[0]!.c).toEqual([n + 1]);
  });
});
