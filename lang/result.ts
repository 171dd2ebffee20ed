/**
 * The result tree of event queries (pyql.md §7, data-model.md §5): tally on the hot path, compact
 * partial trees that cross RPC/HTTP and merge, and rendering to the JSON result shape.
 *
 * Hot path design (no allocation per tally in the steady state): children live in a Map keyed
 * by the tally key, with a last-child shortcut; all node aggregates sit in one Float64Array pool;
 * distinct keys are per person "generations": `count person` needs only the generation number,
 * numeric keys (row offsets) that arrive in increasing order need one comparison plus an append
 * to a per-person log, and only out-of-order or string keys reach a per-node Set, cleared lazily.
 */
import { DbError } from './errors.ts';
import type { Key, Value } from './runtime/values.ts';
import { keyCompare, renderTree, resolveSort, tidy } from './render.ts';
import type { Cell, RenderNode, RenderOptions, ResultJson } from './render.ts';

export type { Cell, CountNode, NodeJson, RenderOptions, ResultJson } from './render.ts';
export { keyCompare, renderCounts } from './render.ts';

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
/** Out-of-order numeric distinct keys are checked against a chain this short before a Set is built. */
const SHORT_CHAIN = 16;
/** Entries of the per-person key log; past this, nodes fall back to Sets (memory stays bounded). */
const LOG_CAP = 1 << 20;

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

const CHECK_NONE = 0;
const CHECK_PERSON = 1;
const CHECK_KEY = 2;

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

/**
 * Every node owns `size` consecutive slots of the tree's Float64Array pool, starting at `off`
 * (one contiguous pool instead of an array per node: one pointer less to chase per update).
 * Slots of a node (SA = segments * aggs, A = aggs; slot j = segment * A + aggregator):
 * [0, SA) primary aggregate, [SA, 2SA) contribution counts, [2SA, 2SA+A) generation the node last
 * saw per aggregator; then only what the aggregators need: keyed aggregators 3 slots each (Set
 * generation, largest numeric key logged, head of the node's chain in the person's key log), sum
 * and avg one low part per segment, value one stamp per segment. A `count person` tree needs 3
 * slots per node.
 *
 * Sums are double-doubles (hi + lo, accumulated with TwoSum): for realistic inputs they are exact,
 * so the rendered sum does not depend on how rows were split over partitions or merged.
 */
class TreeNode {
  children: Map<Key, TreeNode> | null = null;
  /** The child found last: consecutive rows often tally the same key, and `===` beats hashing. */
  lastKey: Key = null;
  lastChild: TreeNode | null = null;
  readonly off: number;
  seen: (Set<string | number> | undefined)[] | null = null;
  vals: Key[] | null;

  constructor(off: number, valueSlots: number) {
    this.off = off;
    this.vals = valueSlots > 0 ? new Array<Key>(valueSlots).fill(null) : null;
  }
}

export class ResultTree {
  readonly aggs: AggSpec[];
  readonly segmentCount: number;
  private readonly A: number;
  private readonly SA: number;
  private readonly kinds: Int8Array;
  /** Per aggregator: CHECK_NONE (`all`), CHECK_PERSON (`count person`) or CHECK_KEY. */
  private readonly check: Uint8Array;
  private readonly size: number;
  private readonly hasValue: boolean;
  private readonly genOff: number;
  /** Every aggregator is a distinct `count person`: tally takes the short path. */
  private readonly personOnly: boolean;
  /** Per aggregator: slot offset of [Set generation, largest key, chain head], or -1. */
  private readonly keyOff: Int32Array;
  /** Per aggregator: slot offset of the per-segment low parts (sum/avg), or -1. */
  private readonly loOff: Int32Array;
  /** Per aggregator: slot offset of the per-segment value stamps (value), or -1. */
  private readonly stOff: Int32Array;
  private readonly root: TreeNode;
  private gen = 1;
  private pool: Float64Array;
  private used = 0;
  /**
   * The current person's logged distinct keys, shared by all nodes: entry e is (key, previous entry
   * of the same node and aggregator). Appending is sequential and needs no per-node buffers.
   */
  private log = new Float64Array(2048);
  private logUsed = 0;

  constructor(aggs: AggSpec[], segmentCount = 1) {
    if (!Number.isInteger(segmentCount) || segmentCount < 1) throw new RangeError('segmentCount must be a positive integer');
    this.aggs = aggs;
    this.segmentCount = segmentCount;
    this.A = aggs.length;
    this.SA = aggs.length * segmentCount;
    this.kinds = Int8Array.from(aggs, (a) => kindCode(a.kind));
    this.check = Uint8Array.from(aggs, (a) => (a.all ? CHECK_NONE : a.source.type === 'person' ? CHECK_PERSON : CHECK_KEY));
    this.hasValue = aggs.some((a) => a.kind === 'value');
    this.genOff = 2 * this.SA;
    this.personOnly = this.check.every((c, i) => c === CHECK_PERSON && this.kinds[i] === K_COUNT);
    let next = this.genOff + this.A;
    const take = (n: number): number => {
      const at = next;
      next += n;
      return at;
    };
    this.keyOff = Int32Array.from(aggs, (_, i) => (this.check[i] === CHECK_KEY ? take(3) : -1));
    this.loOff = Int32Array.from(aggs, (a) => (a.kind === 'sum' || a.kind === 'avg' ? take(segmentCount) : -1));
    this.stOff = Int32Array.from(aggs, (a) => (a.kind === 'value' ? take(segmentCount) : -1));
    this.size = next;
    this.pool = new Float64Array(this.size * 64);
    this.root = this.newNode();
  }

  private newNode(): TreeNode {
    const off = this.used;
    this.used += this.size;
    if (this.used > this.pool.length) {
      const grown = new Float64Array(this.pool.length * 2);
      grown.set(this.pool);
      this.pool = grown;
    }
    return new TreeNode(off, this.hasValue ? this.SA : 0);
  }

  /** Starts a new person (or a new run of the same person for another segment): distinct keys reset. */
  beginPerson(): void {
    this.gen++;
    this.logUsed = 0;
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
      if (this.personOnly) this.countPeople(node.off + base, node.off + this.genOff, values);
      else this.update(node, segment, base, values, distinct, stamp);
      parent = node;
    }
  }

  /** The `count person`-only tree (the default aggregate): a generation check per aggregator. */
  private countPeople(j: number, g: number, values: readonly Value[]): void {
    const f = this.pool;
    const gen = this.gen;
    for (let i = 0; i < this.A; i++) {
      if (f[g + i] === gen || values[i] === null) continue;
      f[g + i] = gen;
      f[j + i]! += 1;
      f[j + this.SA + i]! += 1;
    }
  }

  private update(node: TreeNode, segment: number, base: number, values: readonly Value[], distinct: readonly (string | number)[], stamp: number): void {
    const f = this.pool;
    const o = node.off;
    const A = this.A;
    const SA = this.SA;
    const gen = this.gen;
    const kinds = this.kinds;
    const check = this.check;
    const genOff = this.genOff;
    const keyOff = this.keyOff;
    const loOff = this.loOff;
    const stOff = this.stOff;
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
      const mode = check[i]!;
      if (mode === CHECK_PERSON) {
        // The key is the person itself: one contribution per generation.
        const gi = o + genOff + i;
        if (f[gi] === gen) continue;
        f[gi] = gen;
      } else if (mode === CHECK_KEY) {
        const dk = distinct[i]!;
        const gi = o + genOff + i;
        const ko = o + keyOff[i]!;
        if (f[gi] !== gen) {
          f[gi] = gen;
          f[ko + 2] = -1;
          if (typeof dk === 'number') {
            f[ko + 1] = dk;
            this.logPush(node, i, dk);
          } else {
            this.toSetMode(node, i).add(dk);
          }
        } else if (typeof dk === 'number' && dk > f[ko + 1]!) {
          // The common case: a numeric key above every key logged so far is new.
          f[ko + 1] = dk;
          this.logPush(node, i, dk);
        } else if (!this.laterSighting(node, i, dk)) {
          continue;
        }
      }
      const j = o + base + i;
      switch (kind) {
        case K_COUNT:
          f[j]! += 1;
          break;
        case K_SUM:
        case K_AVG: {
          const hi = f[j]!;
          const s = hi + x;
          const bb = s - hi;
          f[o + loOff[i]! + segment]! += hi - (s - bb) + (x - bb);
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
          const si = o + stOff[i]! + segment;
          if (f[SA + j] === 0 || stamp > f[si]! || (stamp === f[si] && keyCompare(key, vals[j - o]!) > 0)) {
            vals[j - o] = key;
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
   * compiler) mostly arrive in increasing order, so a key above the largest one logged is new
   * (handled inline in `update`); otherwise a short chain of logged keys answers, and failing that
   * a Set, rebuilt lazily once per generation.
   */
  private laterSighting(node: TreeNode, i: number, dk: string | number): boolean {
    const f = this.pool;
    const ko = node.off + this.keyOff[i]!;
    if (f[ko] !== this.gen) {
      if (typeof dk === 'number') {
        const log = this.log;
        let steps = 0;
        let e = f[ko + 2]!;
        for (; e >= 0 && steps <= SHORT_CHAIN; e = log[2 * e + 1]!, steps++) if (log[2 * e] === dk) return false;
        if (e < 0) {
          if (dk > f[ko + 1]!) f[ko + 1] = dk;
          this.logPush(node, i, dk);
          return true;
        }
      }
      this.toSetMode(node, i);
    }
    const s = node.seen![i]!;
    if (s.has(dk)) return false;
    s.add(dk);
    return true;
  }

  /** Moves a node's keys of this generation (its chain) into its Set, which it returns. */
  private toSetMode(node: TreeNode, i: number): Set<string | number> {
    const f = this.pool;
    const ko = node.off + this.keyOff[i]!;
    let seen = node.seen;
    if (seen === null) seen = node.seen = new Array<Set<string | number> | undefined>(this.A).fill(undefined);
    let s = seen[i];
    if (s === undefined) s = seen[i] = new Set();
    s.clear();
    const log = this.log;
    for (let e = f[ko + 2]!; e >= 0; e = log[2 * e + 1]!) s.add(log[2 * e]!);
    f[ko] = this.gen;
    f[ko + 1] = Infinity; // every later key of this generation goes through the Set
    return s;
  }

  /** Appends a key to the chain of (node, aggregator). */
  private logPush(node: TreeNode, i: number, dk: number): void {
    const e = this.logUsed;
    if (2 * e + 2 > this.log.length) {
      if (e >= LOG_CAP) {
        this.toSetMode(node, i).add(dk);
        return;
      }
      const grown = new Float64Array(this.log.length * 2);
      grown.set(this.log);
      this.log = grown;
    }
    const hi = node.off + this.keyOff[i]! + 2;
    this.log[2 * e] = dk;
    this.log[2 * e + 1] = this.pool[hi]!;
    this.pool[hi] = e;
    this.logUsed = e + 1;
  }

  toPartial(): PartialTree {
    return { v: 1, aggs: this.aggs, segs: this.segmentCount, _: this.partialChildren(this.root) };
  }

  /** Per-segment slots of some aggregators spread to one entry per slot j (0 for the others). */
  private perSlot(o: number, off: Int32Array): number[] {
    const out = new Array<number>(this.SA);
    for (let j = 0; j < this.SA; j++) {
      const at = off[j % this.A]!;
      out[j] = at < 0 ? 0 : this.pool[o + at + Math.floor(j / this.A)]!;
    }
    return out;
  }

  private partialChildren(node: TreeNode): PartialNode[] {
    const out: PartialNode[] = [];
    if (node.children === null) return out;
    const SA = this.SA;
    const A = this.A;
    const hasAvg = this.kinds.includes(K_AVG);
    const hasSum = hasAvg || this.kinds.includes(K_SUM);
    const f = this.pool;
    for (const [k, child] of node.children) {
      const o = child.off;
      const a: Cell[] = new Array<Cell>(SA);
      for (let j = 0; j < SA; j++) {
        const kind = this.kinds[j % A]!;
        const has = f[o + SA + j]! > 0;
        if (kind === K_MIN || kind === K_MAX) a[j] = has ? f[o + j]! : null;
        else if (kind === K_VALUE) a[j] = has ? child.vals![j]! : null;
        else a[j] = f[o + j]!;
      }
      const p: PartialNode = { k, a };
      if (hasSum) p.l = this.perSlot(o, this.loOff);
      if (hasAvg) p.n = Array.from(f.subarray(o + SA, o + 2 * SA));
      if (this.hasValue) p.t = this.perSlot(o, this.stOff);
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
