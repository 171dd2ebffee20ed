/**
 * Histogram query: the script returns one number per person (per `each_value` with foreach); the
 * shard counts people per (bucketed) value, the router adds shard partials, clips at `max=`, fills
 * empty buckets and renders `name / [each_value /] value` nodes sorted by key.
 */
import { DbError } from '../../lang/errors.ts';
import type { PersonSlice, RowBlock } from '../../lang/columns.ts';
import type { Program, RunContext } from '../../lang/index.ts';
import { renderCounts, type CountNode, type ResultJson } from '../../lang/render.ts';
import { tidy } from '../../lang/render.ts';
import type { PeopleBitmap } from '../index/bitmap.ts';
import type { IndexKey, ValueIndex } from '../index/values.ts';
import { bucketOf } from '../../lang/runtime/bucket.ts';

export interface HistogramGroup {
  /** The each_value of a foreach group; null without foreach. */
  each: IndexKey | null;
  /** People counted in this group, per segment. */
  c: number[];
  /** Measured (bucketed) value → people per segment. */
  values: { g: number; c: number[] }[];
}

export interface HistogramPartial {
  /** People with at least one counted value, per segment. */
  root: number[];
  groups: HistogramGroup[];
}

export interface HistogramOptions {
  bucket: number | null;
  min: number | null;
  max: number | null;
  order?: 'asc' | 'desc';
  trim?: number;
}

interface Directory {
  ids: (string | number)[];
  start: Int32Array;
  end: Int32Array;
}

/**
 * Runs `program` per person (per each_value of `each` for the people having it) and counts.
 * `segments[s]` null = everyone.
 */
export function histogramPartial(
  program: Program,
  block: RowBlock,
  people: Directory,
  segments: (PeopleBitmap | null)[],
  each: ValueIndex | null,
  ctx: RunContext,
  bucket: number | null,
): { result: HistogramPartial; rows: number } {
  const S = segments.length;
  const n = people.ids.length;
  const slice: PersonSlice = { block, start: 0, end: 0, id: '' };
  const counted: Uint8Array[] = segments.map(() => new Uint8Array(n));
  let rows = 0;
  const measure = (p: number): number | null => {
    slice.start = people.start[p];
    slice.end = people.end[p];
    slice.id = people.ids[p];
    rows += slice.end - slice.start;
    const v = program.run(slice, ctx).value;
    if (v === null) return null;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v !== 'number') {
      throw new DbError('run_time', 'bad_histogram_value', `histogram scripts must return a number or None, got ${typeof v === 'string' ? 'a string' : 'a container'} for person '${slice.id}'`, { person: slice.id });
    }
    if (v !== v) return null;
    return bucket === null ? tidy(v) : bucketOf(v, bucket);
  };
  const groupOver = (eachValue: IndexKey | null, candidates: ArrayLike<number> | null): HistogramGroup => {
    const byValue = new Map<number, number[]>();
    const c = new Array<number>(S).fill(0);
    ctx.eachValue = eachValue;
    // The measurement does not depend on the segment, so run once per person and count it in
    // every segment the person belongs to.
    const total = candidates === null ? n : candidates.length;
    for (let i = 0; i < total; i++) {
      const p = candidates === null ? i : candidates[i];
      let inAny = false;
      for (let s = 0; s < S; s++) if (segments[s] === null || segments[s]!.has(p)) { inAny = true; break; }
      if (!inAny) continue;
      const v = measure(p);
      if (v === null) continue;
      let row = byValue.get(v);
      if (row === undefined) byValue.set(v, (row = new Array<number>(S).fill(0)));
      for (let s = 0; s < S; s++) {
        if (segments[s] !== null && !segments[s]!.has(p)) continue;
        row[s]++;
        c[s]++;
        counted[s][p] = 1;
      }
    }
    return { each: eachValue, c, values: [...byValue].map(([g, cc]) => ({ g, c: cc })) };
  };
  const groups: HistogramGroup[] = [];
  if (each === null) groups.push(groupOver(null, null));
  else for (let k = 0; k < each.keys.length; k++) groups.push(groupOver(each.keys[k], each.postingAt(k)));
  const root = counted.map((m) => {
    let x = 0;
    for (let i = 0; i < m.length; i++) x += m[i];
    return x;
  });
  return { result: { root, groups: groups.filter((g) => g.c.some((x) => x > 0)) }, rows };
}

export function mergeHistogramPartials(parts: HistogramPartial[]): HistogramPartial {
  const S = parts.length > 0 ? parts[0].root.length : 0;
  const root = new Array<number>(S).fill(0);
  const groups = new Map<IndexKey | null, { c: number[]; values: Map<number, number[]> }>();
  for (const part of parts) {
    for (let s = 0; s < S; s++) root[s] += part.root[s];
    for (const g of part.groups) {
      let m = groups.get(g.each);
      if (m === undefined) groups.set(g.each, (m = { c: new Array<number>(S).fill(0), values: new Map() }));
      for (let s = 0; s < S; s++) m.c[s] += g.c[s];
      for (const v of g.values) {
        const row = m.values.get(v.g);
        if (row === undefined) m.values.set(v.g, v.c.slice());
        else for (let s = 0; s < S; s++) row[s] += v.c[s];
      }
    }
  }
  return {
    root,
    groups: [...groups].map(([each, m]) => ({ each, c: m.c, values: [...m.values].map(([g, c]) => ({ g, c })) })),
  };
}

/** Clips at max, fills empty buckets, and renders the root node named `name`. */
export function histogramNode(p: HistogramPartial, name: string, opts: HistogramOptions): CountNode {
  const S = p.root.length;
  const leaves = (g: HistogramGroup): CountNode[] => {
    const byValue = new Map<number, number[]>();
    const clip = opts.max === null ? null : opts.bucket === null ? opts.max : bucketOf(opts.max, opts.bucket);
    for (const v of g.values) {
      const key = clip !== null && v.g >= clip ? clip : v.g;
      const row = byValue.get(key);
      if (row === undefined) byValue.set(key, v.c.slice());
      else for (let s = 0; s < S; s++) row[s] += v.c[s];
    }
    if (opts.bucket !== null && (byValue.size > 0 || (opts.min !== null && opts.max !== null))) {
      const keys = [...byValue.keys()];
      const lo = opts.min !== null ? bucketOf(opts.min, opts.bucket) : Math.min(...keys);
      const hi = clip !== null ? clip : Math.max(...keys);
      const steps = Math.floor((hi - lo) / opts.bucket + 1e-9);
      if (steps > MAX_FILL) throw new DbError('query', 'bad_parameter', `bucket=${opts.bucket} from ${lo} to ${hi} would make ${steps + 1} buckets (at most ${MAX_FILL + 1})`);
      for (let i = 0; i <= steps; i++) {
        const k = bucketOf(lo + i * opts.bucket, opts.bucket);
        if (!byValue.has(k)) byValue.set(k, new Array<number>(S).fill(0));
      }
    }
    return [...byValue].map(([g, c]) => ({ g, c }));
  };
  const foreach = p.groups.length > 0 && p.groups[0].each !== null;
  const children: CountNode[] = foreach
    ? p.groups.map((g) => ({ g: g.each as IndexKey, c: g.c, _: leaves(g) }))
    : p.groups.length > 0
      ? leaves(p.groups[0])
      : opts.bucket !== null && opts.min !== null && opts.max !== null
        ? leaves({ each: null, c: new Array<number>(S).fill(0), values: [] })
        : [];
  return { g: name, c: p.root, _: children };
}

const MAX_FILL = 100_000;

export function renderHistogramResult(p: HistogramPartial, name: string, opts: HistogramOptions): ResultJson {
  return renderCounts([histogramNode(p, name, opts)], { sort: 'g', order: opts.order ?? 'desc', trim: opts.trim });
}
