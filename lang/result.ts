/**
 * The result tree of event queries (pyql.md §7, data-model.md §5): tally on the hot path, compact
 * partial trees that cross RPC/HTTP and merge, and rendering to the JSON result shape.
 *
 * Hot path design: children live in a Map keyed by the tally key; every aggregate sits in one
 * Float64Array per node; the per-person distinct-key check first compares with the first key seen
 * in this person's generation (the common `count person` case never touches a Set) and only then
 * falls back to a per-node Set that is cleared lazily when a new person reaches the node.
 */
import { DbError } from './errors.ts';
import { cmpStr } from './runtime/values.ts';
import type { Key, Value } from './runtime/values.ts';
import { renderTree, resolveSort, tidy } from './render.ts';
import type { Cell, RenderNode, RenderOptions, ResultJson } from './render.ts';

export type { Cell, CountNode, NodeJson, RenderOptions, ResultJson } from './render.ts';
export { renderCounts } from './render.ts';

export type AggKind = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'value' | 'var';
export interface AggSpec {
  kind: AggKind;
  alias: string;
  source: { type: 'person' } | { type: 'column'; name: string } | { type: 'variable'; name: string };
  /** distinct-key column (default: the source column itself) */
  withColumn?: string;
  /** `all` removes the distinct check */
  all: boolean;
}

export const MAX_TALLY_DEPTH = 16;
/** Out-of-order numeric distinct keys are checked against a log this short before a Set is built. */
const SHORT_LOG = 16;

/** A partial tree: plain JSON, compact, mergeable across partitions and nodes. */
export interface PartialTree {
  v: 1;
  aggs: AggSpec[];
  segs: number;
  _: PartialNode[];
}
/**
 * One node. Slot j = segment * aggCount + agg. `a[j]`: count (count/var), sum (sum/avg; high part),
 * min/max (null when none), value (null when none). `l[j]`: low part of sums, present when a sum or
 * avg exists. `n[j]`: contributions, present when an avg exists. `t[j]`: stamp of the value, present
 * when a value aggregator exists.
 */
export interface PartialNode {
  k: Key;
  a: Cell[];
  l?: number[];
  n?: number[];
  t?: number[];
  _?: PartialNode[];
}

const K_COUNT = 0;
const K_SUM = 1;
const K_MIN = 2;
const K_MAX = 3;
const K_AVG = 4;
const K_VALUE = 5;

function kindCode(k: AggKind): number {
  switch (k) {
    case 'count': case 'var': return K_COUNT;
    case 'sum': return K_SUM;
    case 'min': return K_MIN;
    case 'max': return K_MAX;
    case 'avg': return K_AVG;
    case 'value': return K_VALUE;
  }
}

/** Total order over keys (None < bool < number < str), used for value ties and key sorting. */
export function keyCompare(a: Key, b: Key): number {
  const ra = keyRank(a);
  const rb = keyRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string') return cmpStr(a, b as string);
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === 'boolean') return (a ? 1 : 0) - (b ? 1 : 0);
  return 0;
}
function keyRank(k: Key): number {
  if (k === null) return 0;
  switch (typeof k) {
    case 'boolean': return 1;
    case 'number': return 2;
    default: return 3;
  }
}

/**
 * Layout of `f` (SA = segments * aggs, A = aggs): [0, SA) primary aggregate, [SA, 2SA) contribution
 * counts, [2SA, 3SA) low part of sums, [3SA, 3SA+A) generation of `first`, [3SA+A, 3SA+2A)
 * generation of the Set, [3SA+2A, 3SA+3A) largest numeric key logged, [3SA+3A, 3SA+4A) log length,
 * then (value aggregators only) [3SA+4A, 4SA+4A) value stamps.
 *
 * Sums are double-doubles (hi + lo, accumulated with TwoSum): for realistic inputs they are exact,
 * so the rendered sum does not depend on how rows were split over partitions or merged.
 */
class TreeNode {
  children: Map<Key, TreeNode> | null = null;
  /** The child found last: consecutive rows often tally the same key, and `===` beats hashing. */
  lastKey: Key = null;
  lastChild: TreeNode | null = null;
  readonly f: Float64Array;
  readonly first: (string | number)[];
  seen: (Set<string | number> | undefined)[] | null = null;
  logs: (Float64Array | undefined)[] | null = null;
  vals: Key[] | null;

  constructor(size: number, aggs: number, valueSlots: number) {
    this.f = new Float64Array(size);
    // Strings from the start keep the array's element kind stable (the generation guards the content).
    this.first = new Array<string | number>(aggs).fill('');
    this.vals = valueSlots > 0 ? new Array<Key>(valueSlots).fill(null) : null;
  }
}

export class ResultTree {
  readonly aggs: AggSpec[];
  readonly segmentCount: number;
  private readonly A: number;
  private readonly SA: number;
  private readonly kinds: Int8Array;
  private readonly all: Uint8Array;
  private readonly size: number;
  private readonly hasValue: boolean;
  private readonly root: TreeNode;
  private gen = 1;

  constructor(aggs: AggSpec[], segmentCount = 1) {
    if (!Number.isInteger(segmentCount) || segmentCount < 1) throw new RangeError('segmentCount must be a positive integer');
    this.aggs = aggs;
    this.segmentCount = segmentCount;
    this.A = aggs.length;
    this.SA = aggs.length * segmentCount;
    this.kinds = Int8Array.from(aggs, (a) => kindCode(a.kind));
    this.all = Uint8Array.from(aggs, (a) => (a.all ? 1 : 0));
    this.hasValue = aggs.some((a) => a.kind === 'value');
    this.size = 3 * this.SA + 4 * this.A + (this.hasValue ? this.SA : 0);
    this.root = this.newNode();
  }

  private newNode(): TreeNode {
    return new TreeNode(this.size, this.A, this.hasValue ? this.SA : 0);
  }

  /** Starts a new person (or a new run of the same person for another segment): distinct keys reset. */
  beginPerson(): void {
    this.gen++;
  }

  /** True when nothing has been tallied. */
  isEmpty(): boolean {
    return this.root.children === null;
  }

  /**
   * Adds the current row at /k1, /k1/k2, ... /k1..k_depth (stopping at the first None key).
   * `values[i]`/`distinct[i]`: aggregator i's value and distinct key for this row.
   */
  tally(
    keys: readonly Key[],
    depth: number,
    segment: number,
    values: readonly Value[],
    distinct: readonly (string | number)[],
    stamp: number,
  ): void {
    if (depth > MAX_TALLY_DEPTH) {
      throw new DbError('run_time', 'tally_depth', `tally takes at most ${MAX_TALLY_DEPTH} keys, got ${depth}`);
    }
    const base = segment * this.A;
    let parent = this.root;
    for (let d = 0; d < depth; d++) {
      const k = keys[d]!;
      if (k === null || k !== k) break;
      if (typeof k === 'object') throw new DbError('run_time', 'bad_tally_key', 'tally keys must be str, int, float or bool');
      let node: TreeNode | null | undefined = parent.lastChild;
      if (parent.lastKey !== k || node === null) {
        let map = parent.children;
        if (map === null) map = parent.children = new Map();
        node = map.get(k);
        if (node === undefined) {
          node = this.newNode();
          map.set(k, node);
        }
        parent.lastKey = k;
        parent.lastChild = node;
      }
      this.update(node, base, values, distinct, stamp);
      parent = node;
    }
  }

  private update(node: TreeNode, base: number, values: readonly Value[], distinct: readonly (string | number)[], stamp: number): void {
    const f = node.f;
    const A = this.A;
    const SA = this.SA;
    const gen = this.gen;
    const kinds = this.kinds;
    const all = this.all;
    const first = node.first;
    for (let i = 0; i < A; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const kind = kinds[i]!;
      let x = 0;
      if (kind !== K_COUNT) {
        if (typeof v === 'number') x = v;
        else if (typeof v === 'boolean') x = v ? 1 : 0;
        else if (kind !== K_VALUE || typeof v !== 'string') continue;
        if (x !== x) continue;
      }
      if (all[i] === 0) {
        const dk = distinct[i]!;
        const gi = 3 * SA + i;
        if (f[gi] !== gen) {
          f[gi] = gen;
          first[i] = dk;
          f[gi + 2 * A] = typeof dk === 'number' ? dk : Infinity;
          f[gi + 3 * A] = 0;
        } else if (first[i] === dk) {
          continue;
        } else if (typeof dk === 'number' && dk > f[gi + 2 * A]!) {
          // The common case: a numeric key above every key logged so far is new.
          f[gi + 2 * A] = dk;
          this.logPush(node, i, dk);
        } else if (!this.laterSighting(node, i, dk)) {
          continue;
        }
      }
      const j = base + i;
      switch (kind) {
        case K_COUNT:
          f[j]! += 1;
          break;
        case K_SUM:
        case K_AVG: {
          const hi = f[j]!;
          const s = hi + x;
          const bb = s - hi;
          f[2 * SA + j]! += hi - (s - bb) + (x - bb);
          f[j] = s;
          break;
        }
        case K_MIN:
          if (f[SA + j] === 0 || x < f[j]!) f[j] = x;
          break;
        case K_MAX:
          if (f[SA + j] === 0 || x > f[j]!) f[j] = x;
          break;
        case K_VALUE: {
          const key = v as Key;
          const vals = node.vals!;
          const si = 3 * SA + 4 * A + j;
          if (f[SA + j] === 0 || stamp > f[si]! || (stamp === f[si] && keyCompare(key, vals[j]!) > 0)) {
            vals[j] = key;
            f[si] = stamp;
          }
          break;
        }
      }
      f[SA + j]! += 1;
    }
  }

  /**
   * Second and later distinct keys of a person at a node. Numeric keys (row offsets from the
   * compiler) mostly arrive in increasing order: a key above the largest one logged is new, and
   * a short log answers the rest. Otherwise a Set, rebuilt lazily once per generation.
   */
  private laterSighting(node: TreeNode, i: number, dk: string | number): boolean {
    const f = node.f;
    const A = this.A;
    const gen = this.gen;
    const sg = 3 * this.SA + A + i;
    const mi = sg + A;
    const li = mi + A;
    if (f[sg] !== gen) {
      if (typeof dk === 'number' && f[mi] !== Infinity) {
        if (dk > f[mi]!) {
          f[mi] = dk;
          this.logPush(node, i, dk);
          return true;
        }
        const len = f[li]!;
        if (len <= SHORT_LOG) {
          const log = node.logs?.[i];
          for (let k = 0; k < len; k++) if (log![k] === dk) return false;
          this.logPush(node, i, dk);
          return true;
        }
      }
      let seen = node.seen;
      if (seen === null) seen = node.seen = new Array<Set<string | number> | undefined>(A).fill(undefined);
      let s = seen[i];
      if (s === undefined) s = seen[i] = new Set();
      s.clear();
      s.add(node.first[i]!);
      const log = node.logs?.[i];
      for (let k = 0, len = f[li]!; k < len; k++) s.add(log![k]!);
      f[sg] = gen;
      f[mi] = Infinity; // from now on every key of this generation goes through the Set
    }
    const s = node.seen![i]!;
    if (s.has(dk)) return false;
    s.add(dk);
    return true;
  }

  private logPush(node: TreeNode, i: number, dk: number): void {
    const li = 3 * this.SA + 3 * this.A + i;
    const len = node.f[li]!;
    let logs = node.logs;
    if (logs === null) logs = node.logs = new Array<Float64Array | undefined>(this.A).fill(undefined);
    let log = logs[i];
    if (log === undefined || len === log.length) {
      const grown = new Float64Array(Math.max(8, len * 2));
      if (log !== undefined) grown.set(log);
      log = logs[i] = grown;
    }
    log[len] = dk;
    node.f[li] = len + 1;
  }

  toPartial(): PartialTree {
    return { v: 1, aggs: this.aggs, segs: this.segmentCount, _: this.partialChildren(this.root) };
  }

  private partialChildren(node: TreeNode): PartialNode[] {
    const out: PartialNode[] = [];
    if (node.children === null) return out;
    const SA = this.SA;
    const A = this.A;
    const hasAvg = this.kinds.includes(K_AVG);
    const hasSum = hasAvg || this.kinds.includes(K_SUM);
    for (const [k, child] of node.children) {
      const f = child.f;
      const a: Cell[] = new Array<Cell>(SA);
      for (let j = 0; j < SA; j++) {
        const kind = this.kinds[j % A]!;
        const has = f[SA + j]! > 0;
        if (kind === K_MIN || kind === K_MAX) a[j] = has ? f[j]! : null;
        else if (kind === K_VALUE) a[j] = has ? child.vals![j]! : null;
        else a[j] = f[j]!;
      }
      const p: PartialNode = { k, a };
      if (hasSum) p.l = Array.from(f.subarray(2 * SA, 3 * SA));
      if (hasAvg) p.n = Array.from(f.subarray(SA, 2 * SA));
      if (this.hasValue) p.t = Array.from(f.subarray(3 * SA + 4 * A, 4 * SA + 4 * A));
      if (child.children !== null) p._ = this.partialChildren(child);
      out.push(p);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// Merging partial trees

function sameAggs(a: AggSpec[], b: AggSpec[]): boolean {
  return a.length === b.length && a.every((x, i) => x.kind === b[i]!.kind && x.alias === b[i]!.alias);
}

/** An empty partial for the given aggregators (what a partition with no matching people returns). */
export function emptyPartial(aggs: AggSpec[], segs = 1): PartialTree {
  return { v: 1, aggs, segs, _: [] };
}

/**
 * Counts and sums add, min/max take the true min/max, avg keeps sum and count, value keeps the
 * contribution with the latest stamp (ties: the larger value) so the outcome does not depend on
 * merge order. Inputs are not modified.
 */
export function mergePartials(a: PartialTree, b: PartialTree): PartialTree {
  if (a.segs !== b.segs || !sameAggs(a.aggs, b.aggs)) {
    throw new DbError('internode', 'partial_mismatch', 'cannot merge partial results of different queries');
  }
  const kinds = Int8Array.from(a.aggs, (x) => kindCode(x.kind));
  return { v: 1, aggs: a.aggs, segs: a.segs, _: mergeNodeLists(a._, b._, kinds) };
}

function mergeNodeLists(x: PartialNode[], y: PartialNode[], kinds: Int8Array): PartialNode[] {
  if (x.length === 0) return y;
  if (y.length === 0) return x;
  const byKey = new Map<Key, PartialNode>();
  for (const n of x) byKey.set(n.k, n);
  for (const n of y) {
    const m = byKey.get(n.k);
    byKey.set(n.k, m === undefined ? n : mergeNode(m, n, kinds));
  }
  return [...byKey.values()];
}

function mergeNode(x: PartialNode, y: PartialNode, kinds: Int8Array): PartialNode {
  const A = kinds.length;
  const SA = x.a.length;
  const a: Cell[] = new Array<Cell>(SA);
  const l = x.l && y.l ? new Array<number>(SA).fill(0) : undefined;
  for (let j = 0; j < SA; j++) {
    const p = x.a[j]!;
    const q = y.a[j]!;
    const kind = kinds[j % A]!;
    if (kind === K_COUNT) a[j] = (p as number) + (q as number);
    else if (kind === K_SUM || kind === K_AVG) {
      const hi = p as number;
      const lo = q as number;
      const s = hi + lo;
      const bb = s - hi;
      a[j] = s;
      if (l) l[j] = hi - (s - bb) + (lo - bb) + x.l![j]! + y.l![j]!;
    }
    else if (p === null) a[j] = q;
    else if (q === null) a[j] = p;
    else if (kind === K_MIN) a[j] = Math.min(p as number, q as number);
    else if (kind === K_MAX) a[j] = Math.max(p as number, q as number);
    else {
      const tp = x.t![j]!;
      const tq = y.t![j]!;
      a[j] = tq > tp || (tq === tp && keyCompare(q, p) > 0) ? q : p;
    }
  }
  const out: PartialNode = { k: x.k, a };
  if (l) out.l = l;
  if (x.n && y.n) out.n = x.n.map((c, j) => c + y.n![j]!);
  if (x.t && y.t) {
    out.t = x.t.map((tp, j) => {
      const tq = y.t![j]!;
      if (x.a[j] === null) return tq;
      if (y.a[j] === null) return tp;
      return Math.max(tp, tq);
    });
  }
  const kids = mergeNodeLists(x._ ?? [], y._ ?? [], kinds);
  if (kids.length > 0) out._ = kids;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Rendering

/** Renders a (merged) partial tree to `{"_": [...]}` with sort/order/trim (data-model.md §5). */
export function render(p: PartialTree, opts: RenderOptions = {}): ResultJson {
  const by = resolveSort(p.aggs, opts.sort);
  const kinds = Int8Array.from(p.aggs, (x) => kindCode(x.kind));
  return { _: renderTree(toRenderNodes(p._, kinds, p.segs), by, opts) };
}

function toRenderNodes(nodes: PartialNode[], kinds: Int8Array, segs: number): RenderNode[] {
  const A = kinds.length;
  return nodes.map((n) => {
    const c: Cell[][] = [];
    for (let s = 0; s < segs; s++) {
      const row: Cell[] = new Array<Cell>(A);
      for (let i = 0; i < A; i++) {
        const j = s * A + i;
        const cell = n.a[j]!;
        const kind = kinds[i]!;
        if (kind === K_AVG) {
          const cnt = n.n ? n.n[j]! : 0;
          row[i] = cnt > 0 ? tidy(((cell as number) + (n.l ? n.l[j]! : 0)) / cnt) : null;
        } else if (kind === K_SUM) {
          row[i] = tidy((cell as number) + (n.l ? n.l[j]! : 0));
        } else if (typeof cell === 'number') {
          row[i] = tidy(cell);
        } else {
          row[i] = cell;
        }
      }
      c.push(row);
    }
    const r: RenderNode = { g: n.k, c };
    if (n._ && n._.length > 0) r._ = toRenderNodes(n._, kinds, segs);
    return r;
  });
}
