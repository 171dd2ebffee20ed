/**
 * Tally keys that are text columns go by dictionary code through per-call-site caches
 * (lang/code-cache.ts). The results must equal those of the same keys computed as values.
 */
import { describe, expect, it } from 'vitest';
import { compile } from '../../lang/index.ts';
import { ResultTree, render } from '../../lang/result.ts';
import { CodeCache, CodedPaths } from '../../lang/code-cache.ts';
import { buildBlock, schemaOf, type PersonInput } from '../fixtures/rows.ts';

const schema = schemaOf({ page: 'text', src: 'text', price: 'double', tags: 'text[]' });
const T0 = 1_600_000_000_000;

function people(seed: number, n: number): PersonInput[] {
  let s = seed;
  const rnd = (k: number) => Math.floor(((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * k);
  const pick = <T>(xs: T[]): T => xs[rnd(xs.length)]!;
  return Array.from({ length: n }, (_, p) => ({
    id: `p${seed}_${p}`,
    rows: Array.from({ length: 1 + rnd(12) }, (_, r) => ({
      stamp: T0 + r * 1000 + (rnd(4) === 0 ? 0 : rnd(500)),
      action: pick(['view', 'buy', 'cart']),
      page: pick(['home', 'cart', 'misc', null, 'x']),
      src: pick(['google', 'bing', null]),
      price: pick([1, 2.5, 7, null]),
      tags: pick([[], ['a'], ['a', 'b'], ['c']]),
    })),
  }));
}

const AGGS = 'aggregate:\n    count person\n    sum price\n    count page\n    min price as low\n    value src\n';
/** Each pair: keys as columns (coded path) and the same keys computed (`+ ''` keeps str/None). */
const PAIRS: [string, string][] = [
  ['tally(page)', "tally(page + '')"],
  ['tally(page, src)', "tally(page + '', src + '')"],
  ['tally(action, page, src)', "tally(action + '', page + '', src + '')"],
  ['tally(page, len(src), src)', "tally(page + '', len(src), src + '')"],
  ['tally(src, tags, page)', "tally(src + '', tags, page + '')"],
  ["tally(page, src)\n    tally(src, page)\n    tally(page, 'k')", "tally(page + '', src + '')\n    tally(src + '', page + '')\n    tally(page + '', 'k')"],
];

describe('tally by dictionary code', () => {
  for (const [coded, plain] of PAIRS) {
    for (const aggs of ['', AGGS]) {
      it(`${coded.replace(/\n\s*/g, '; ')}${aggs ? ' [5 aggregators]' : ''}: same as computed keys, over blocks and trees`, () => {
        // Two blocks whose dictionaries code the same texts differently; each program object runs
        // two trees in turn (the second starts on the block the first ended with), so caches must
        // follow both the tree and the dictionary.
        const blocks = [buildBlock(schema, people(1, 30)), buildBlock(schema, people(2, 30))];
        const a = compile(`${aggs}match:\n    ${coded}`, schema, { mode: 'event' });
        const b = compile(`${aggs}match:\n    ${plain}`, schema, { mode: 'event' });
        for (let round = 0; round < 2; round++) {
          const ra = a.newResult(2);
          const rb = b.newResult(2);
          for (let i = 0; i < 3; i++) {
            const { slices } = blocks[i % 2]!;
            slices.forEach((s, n) => {
              const ctx = (result: ResultTree) => ({ result, segment: n % 2, now: 0, sessionTime: 1, budget: { remaining: 1e6 } });
              a.run(s, ctx(ra));
              b.run(s, ctx(rb));
            });
          }
          expect(render(ra.toPartial())).toEqual(render(rb.toPartial()));
          expect(ra.isEmpty()).toBe(false);
        }
      });
    }
  }
});

describe('tally by whole coded paths (every key a text column)', () => {
  const run = (slices: { block: unknown }[], tree: ResultTree, prog: ReturnType<typeof compile>) => {
    for (const s of slices) prog.run(s as Parameters<typeof prog.run>[0], { result: tree, now: 0, sessionTime: 1, budget: { remaining: 1e6 } });
  };
  /** The same 2-key tally by coded text-column keys (a) and by computed string keys (b), each with its tree. */
  const codedAndComputed = (aggs: string) => {
    const a = compile(`${aggs}match:\n    tally(page, src)`, schema, { mode: 'event' });
    const b = compile(`${aggs}match:\n    tally(page + '', src + '')`, schema, { mode: 'event' });
    const ra = a.newResult();
    const rb = b.newResult();
    return {
      runBoth(slices: { block: unknown }[]): void {
        run(slices, ra, a);
        run(slices, rb, b);
      },
      rendered: () => [render(ra.toPartial()), render(rb.toPartial())] as const,
    };
  };
  for (const aggs of ['', AGGS]) {
    it(`a code added to the block's dictionary after the paths were bound${aggs ? ' [5 aggregators]' : ''}`, () => {
      const { block, slices } = buildBlock(schema, people(3, 40));
      const t = codedAndComputed(aggs);
      t.runBoth(slices);
      const page = block.columns.get('page')!;
      if (page.kind !== 'text') throw new Error('page is a text column');
      page.dict.push('late');
      for (let r = 0; r < block.length; r += 3) page.codes[r] = page.dict.length - 1;
      t.runBoth(slices);
      const [out, expected] = t.rendered();
      expect(out).toEqual(expected);
      expect(out._.some((n) => n.g === 'late')).toBe(true);
    });
    it(`dictionaries too large for whole-path tables use the per-position caches${aggs ? ' [5 aggregators]' : ''}`, () => {
      const big = (seed: number): PersonInput[] =>
        Array.from({ length: 300 }, (_, p) => ({
          id: `b${seed}_${p}`,
          rows: Array.from({ length: 4 }, (_, r) => ({ stamp: T0 + r, action: 'view', page: `pg${(p * 7 + r) % 300}`, src: `s${(p * 13 + r * seed) % 300}`, price: r, tags: [] })),
        }));
      const t = codedAndComputed(aggs);
      t.runBoth(buildBlock(schema, big(5)).slices);
      const [out, expected] = t.rendered();
      expect(out).toEqual(expected);
    });
  }
});

describe('CodedPaths', () => {
  it('is unusable when a level exceeds its cap, and marks prefixes per run', () => {
    const tree = new ResultTree([{ kind: 'count', alias: 'person', source: { type: 'person' }, all: false }]);
    const dict = (n: number) => Array.from({ length: n }, (_, i) => `v${i}`);
    const paths = new CodedPaths(2);
    const block = {};
    paths.bind(tree, block, [dict(300), dict(300)]);
    expect(paths.usable).toBe(false);
    paths.bind(tree, block, [dict(3), dict(0)]);
    expect(paths.usable).toBe(false);
    paths.bind(tree, block, [dict(3), dict(4)]);
    expect(paths.usable).toBe(true);
    expect(paths.boundTo(tree, block)).toBe(true);
    expect(paths.boundTo(tree, {})).toBe(false);
    expect(paths.seen(1, 5, 10)).toBe(false);
    expect(paths.seen(1, 5, 10)).toBe(true);
    expect(paths.seen(0, 5, 10)).toBe(false);
    expect(paths.seen(1, 5, 11)).toBe(false);
    const n = paths.node(tree, 0, 1, 0, dict(3), 1);
    expect(n).toBe(tree.child(0, 'v1'));
    expect(paths.node(tree, 1, 1 * 4 + 2, n, dict(4), 2)).toBe(tree.child(n, 'v2'));
  });
});

describe('CodeCache', () => {
  it('gives the tree own child numbers, also past its memory cap', () => {
    const dict = Array.from({ length: 4096 }, (_, i) => `v${i}`);
    const tree = new ResultTree([{ kind: 'count', alias: 'person', source: { type: 'person' }, all: false }]);
    const top = new CodeCache();
    const second = new CodeCache();
    // 400 parents × 4096 codes exceeds the cap (2^20 entries): later parents use the tree's Map.
    const parents = Array.from({ length: 400 }, (_, i) => top.child(tree, 0, dict, i));
    for (let round = 0; round < 2; round++) {
      for (const [i, p] of parents.entries()) {
        expect(top.child(tree, 0, dict, i)).toBe(p);
        for (const code of [0, i, 4095]) expect(second.child(tree, p, dict, code)).toBe(tree.child(p, dict[code]!));
      }
    }
    // Another tree or dictionary starts afresh.
    const tree2 = new ResultTree(tree.aggs);
    tree2.child(0, 'first');
    expect(top.child(tree2, 0, dict, 7)).toBe(tree2.child(0, 'v7'));
    const other = dict.slice().reverse();
    expect(top.child(tree2, 0, other, 4095)).toBe(tree2.child(0, 'v0'));
  });
});
