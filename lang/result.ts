/**
 * The result tree of event queries (pyql.md §7, data-model.md §5): tally on the hot path, compact
 * partial trees that cross RPC/HTTP and merge, and rendering to the JSON result shape.
 *
 * Hot path design (no allocation per tally in the steady state): nodes are numbers, children live
 * in a Map per node keyed by the tally key, with a last-child shortcut; all node aggregates sit in
 * one Float64Array pool; distinct keys are per person "generations": `count person` needs only the
 * generation number, numeric keys (row offsets) that arrive in increasing order need one comparison
 * (the previous largest key joins a per-person log), and only out-of-order or string keys reach a
 * per-node Set, cleared lazily.
 */
import { DbError } from './errors.ts';
import type { Key, Value } from './runtime/values.ts';
import { keyCompare, renderTree, resolveSort, tidy } from './render.ts';
import type { Cell, RenderNode, RenderOptions, ResultJson } from './render.ts';

export type { NodeJson, ResultJson } from './render.ts';

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

/** A finite number: the only distinct keys the chain of logged keys handles (others use a Set). */
function finite(dk: string | number): dk is number {
  return typeof dk === 'number' && dk - dk === 0;
}

/**
 * Nodes are integers (the root is 0), not objects: a node's aggregates are `size` consecutive
 * slots of one Float64Array pool starting at node * size, and its key, children and last-child
 * shortcut sit in arrays indexed by node. Compiled call sites hold on to node numbers (see
 * `child`/`addPath`), so a cached lookup costs no hashing and no object load.
 *
 * Slots of a node (SA = segments * aggs, A = aggs; slot j = segment * A + aggregator):
 * [0, SA) primary aggregate, [SA, SA+A) generation the node last saw per aggregator; then only
 * what the aggregators need: contribution counts per segment for min/max/avg/value (and sum when
 * an avg exists, so partials carry them), keyed aggregators 2 slots (largest numeric key of this
 * generation, head of the node's chain in the person's key log), sum and avg one low part per
 * segment, value one stamp per segment. A `count` aggregator's contributions are its count. A
 * `count person` tree needs 2 slots per node.
 *
 * Sums are double-doubles (hi + lo, accumulated with TwoSum): for realistic inputs they are exact,
 * so the rendered sum does not depend on how rows were split over partitions or merged.
 */
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
  private readonly hasAvg: boolean;
  private readonly hasSum: boolean;
  private readonly genOff: number;
  /** Every aggregator is a distinct `count person`: updates take the short path. */
  private readonly personOnly: boolean;
  /** Per aggregator: slot offset of the per-segment contribution counts, or -1 (count: the count itself). */
  private readonly nOff: Int32Array;
  /** Per aggregator: slot offset of [largest key, chain head], or -1. */
  private readonly keyOff: Int32Array;
  /** Per aggregator: slot offset of the per-segment low parts (sum/avg), or -1. */
  private readonly loOff: Int32Array;
  /** Per aggregator: slot offset of the per-segment value stamps (value), or -1. */
  private readonly stOff: Int32Array;
  private gen = 1;
  private pool: Float64Array;
  private nodes = 1;
  private kids: (Map<Key, number> | null)[] = [null];
  /** Per node, the child found last: consecutive rows often tally the same key, and `===` beats hashing. */
  private lastKey: Key[] = [null];
  private lastKid = new Int32Array(64);
  /** Per node, its parent (the root's is 0): lets `addPersonLeaf` walk a path up from its last node. */
  private parentOf = new Int32Array(64);
  /** `tally`'s path of nodes. */
  private readonly path = new Int32Array(MAX_TALLY_DEPTH);
  /** `value` aggregates (keys, not numbers): node * SA + j. */
  private vals: Key[] = [];
  /** Keys of (node * A + aggregator) that left the chain for a Set this generation. */
  private readonly sets = new Map<number, Set<string | number>>();
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
    this.hasAvg = aggs.some((a) => a.kind === 'avg');
    this.hasSum = this.hasAvg || aggs.some((a) => a.kind === 'sum');
    this.genOff = this.SA;
    this.personOnly = this.check.every((c, i) => c === CHECK_PERSON && this.kinds[i] === K_COUNT);
    let next = this.genOff + this.A;
    const take = (n: number): number => {
      const at = next;
      next += n;
      return at;
    };
    const needsN = (k: number): boolean => k !== K_COUNT && (k !== K_SUM || this.hasAvg);
    this.nOff = Int32Array.from(this.kinds, (k) => (needsN(k) ? take(segmentCount) : -1));
    this.keyOff = Int32Array.from(aggs, (_, i) => (this.check[i] === CHECK_KEY ? take(2) : -1));
    this.loOff = Int32Array.from(aggs, (a) => (a.kind === 'sum' || a.kind === 'avg' ? take(segmentCount) : -1));
    this.stOff = Int32Array.from(aggs, (a) => (a.kind === 'value' ? take(segmentCount) : -1));
    this.size = next;
    this.pool = new Float64Array(this.size * 64);
    if (this.hasValue) this.vals = new Array<Key>(this.SA).fill(null);
  }

  /** Starts a new person (or a new run of the same person for another segment): distinct keys reset. */
  beginPerson(): void {
    this.gen++;
    this.logUsed = 0;
  }

  /** True when nothing has been tallied. */
  isEmpty(): boolean {
    return this.kids[0] === null;
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
    const path = this.path;
    let node = 0;
    let d = 0;
    for (; d < depth; d++) {
      const k = keys[d]!;
      if (k === null || k !== k) break;
      if (typeof k === 'object') {
        this.addPath(path, d, segment, values, distinct, stamp);
        throw new DbError('run_time', 'bad_tally_key', 'tally keys must be str, int, float or bool');
      }
      node = path[d] = this.child(node, k);
    }
    this.addPath(path, d, segment, values, distinct, stamp);
  }

  /**
   * The child of `parent` (0 = the root) under a valid key (str, number other than NaN, bool),
   * created when new. For compiled call sites that cache node numbers; `addPath` then updates them.
   */
  child(parent: number, k: Key): number {
    if (this.lastKey[parent] === k) return this.lastKid[parent]!;
    let map = this.kids[parent]!;
    if (map === null) map = this.kids[parent] = new Map();
    let c = map.get(k);
    if (c === undefined) {
      c = this.newNode();
      this.parentOf[c] = parent;
      map.set(k, c);
    }
    this.lastKey[parent] = k;
    this.lastKid[parent] = c;
    return c;
  }

  private newNode(): number {
    const n = this.nodes++;
    if (this.nodes * this.size > this.pool.length) {
      const grown = new Float64Array(this.pool.length * 2);
      grown.set(this.pool);
      this.pool = grown;
    }
    if (n >= this.lastKid.length) {
      const grown = new Int32Array(this.lastKid.length * 2);
      grown.set(this.lastKid);
      this.lastKid = grown;
      const parents = new Int32Array(grown.length);
      parents.set(this.parentOf);
      this.parentOf = parents;
    }
    this.kids.push(null);
    this.lastKey.push(null);
    if (this.hasValue) for (let j = 0; j < this.SA; j++) this.vals.push(null);
    return n;
  }

  /**
   * `addPath` for a call site whose aggregators are all distinct `count person` (so every value is
   * 1 and the tree is person-only), given the path's last node: the current person joins each node
   * from `leaf` up to the root's child that it has not joined yet. Stops at the first node already
   * joined: every update marks a whole path, so that node's ancestors are joined too.
   */
  addPersonLeaf(leaf: number, segment: number): void {
    const f = this.pool;
    const size = this.size;
    const gen = this.gen;
    const A = this.A;
    const base = segment * A;
    const up = this.parentOf;
    for (let i = 0; i < A; i++) {
      const g = this.genOff + i;
      for (let n = leaf; n !== 0; n = up[n]!) {
        const o = n * size;
        if (f[o + g] === gen) break;
        f[o + g] = gen;
        f[o + base + i]! += 1;
      }
    }
  }

  /**
   * Adds the current row to the nodes `path[0..depth)` (a node and its descendants, as `child`
   * returned them; see `tally` for the other arguments). Aggregator-major: each value is read and
   * checked once, then applied to every node of the path.
   */
  addPath(
    path: Int32Array,
    depth: number,
    segment: number,
    values: readonly Value[],
    distinct: readonly (string | number)[],
    stamp: number,
  ): void {
    const f = this.pool;
    const size = this.size;
    const A = this.A;
    const gen = this.gen;
    const base = segment * A;
    if (this.personOnly) {
      // The `count person`-only tree (the default aggregate): a generation check per aggregator.
      for (let i = 0; i < A; i++) {
        if (values[i] === null) continue;
        const g = this.genOff + i;
        for (let d = 0; d < depth; d++) {
          const o = path[d]! * size;
          if (f[o + g] === gen) continue;
          f[o + g] = gen;
          f[o + base + i]! += 1;
        }
      }
      return;
    }
    for (let i = 0; i < A; i++) {
      const v = values[i];
      if (v === null || v === undefined) continue;
      const kind = this.kinds[i]!;
      const mode = this.check[i]!;
      const g = this.genOff + i;
      const j = base + i;
      if (mode === CHECK_PERSON && kind === K_COUNT) {
        // `count person`: a generation check per node, as in a `count person`-only tree.
        for (let d = 0; d < depth; d++) {
          const o = path[d]! * size;
          if (f[o + g] === gen) continue;
          f[o + g] = gen;
          f[o + j]! += 1;
        }
        continue;
      }
      let x = 0;
      if (kind !== K_COUNT) {
        if (typeof v === 'number') x = v;
        else if (typeof v === 'boolean') x = v ? 1 : 0;
        else if (kind !== K_VALUE || typeof v !== 'string') continue;
        if (x !== x) continue;
      }
      const dk = mode === CHECK_KEY ? distinct[i]! : 0;
      const numeric = typeof dk === 'number' && dk - dk === 0; // finite(dk), spelled out for the JIT
      const kOff = this.keyOff[i]!;
      const counted = this.nOff[i]! >= 0;
      const nOff = this.nOff[i]! + segment;
      for (let d = 0; d < depth; d++) {
        const node = path[d]!;
        const o = node * size;
        if (mode === CHECK_PERSON) {
          // The key is the person itself: one contribution per generation.
          if (f[o + g] === gen) continue;
          f[o + g] = gen;
        } else if (mode === CHECK_KEY) {
          const ko = o + kOff;
          if (f[o + g] !== gen) {
            // First key of the generation: it becomes the largest, the chain is empty.
            f[o + g] = gen;
            f[ko + 1] = -1;
            if (numeric) f[ko] = dk as number;
            else this.toSetMode(node, ko, i, false).add(dk);
          } else if (numeric && dk > f[ko]!) {
            // The common case: a numeric key above every key so far is new; the old largest joins the chain.
            const e = this.logUsed;
            const log = this.log;
            if (2 * e + 2 <= log.length) {
              // logPush inlined: the hottest line of a tally with a column aggregator.
              log[2 * e] = f[ko]!;
              log[2 * e + 1] = f[ko + 1]!;
              f[ko + 1] = e;
              this.logUsed = e + 1;
              f[ko] = dk as number;
            } else if (this.logPush(ko, f[ko]!)) {
              f[ko] = dk as number;
            } else {
              this.toSetMode(node, ko, i, true).add(dk);
            }
          } else if (!this.laterSighting(node, ko, i, dk)) {
            continue;
          }
        }
        switch (kind) {
          case K_COUNT:
            f[o + j]! += 1;
            continue;
          case K_SUM:
          case K_AVG: {
            const hi = f[o + j]!;
            const s = hi + x;
            const bb = s - hi;
            f[o + this.loOff[i]! + segment]! += hi - (s - bb) + (x - bb);
            f[o + j] = s;
            break;
          }
          case K_MIN:
            if (f[o + nOff] === 0 || x < f[o + j]!) f[o + j] = x;
            break;
          case K_MAX:
            if (f[o + nOff] === 0 || x > f[o + j]!) f[o + j] = x;
            break;
          case K_VALUE: {
            const key = v as Key;
            const vj = node * this.SA + j;
            const si = o + this.stOff[i]! + segment;
            if (f[o + nOff] === 0 || stamp > f[si]! || (stamp === f[si] && keyCompare(key, this.vals[vj]!) > 0)) {
              this.vals[vj] = key;
              f[si] = stamp;
            }
            break;
          }
        }
        if (counted) f[o + nOff]! += 1;
      }
    }
  }

  /**
   * A later key of the person at a node that is not above the largest numeric key: equal to it,
   * found in the node's chain (up to SHORT_CHAIN entries) or, failing that, in a Set that takes
   * over for the rest of the generation (string and non-finite keys always use the Set).
   */
  private laterSighting(node: number, ko: number, i: number, dk: string | number): boolean {
    const f = this.pool;
    if (f[ko] !== Infinity) {
      if (finite(dk)) {
        if (dk === f[ko]) return false;
        const log = this.log;
        let steps = 0;
        let e = f[ko + 1]!;
        for (; e >= 0 && steps <= SHORT_CHAIN; e = log[2 * e + 1]!, steps++) if (log[2 * e] === dk) return false;
        if (e < 0 && this.logPush(ko, dk)) return true;
      }
      this.toSetMode(node, ko, i, true);
    }
    const s = this.sets.get(node * this.A + i)!;
    if (s.has(dk)) return false;
    s.add(dk);
    return true;
  }

  /**
   * Moves a node's keys of this generation (the largest, when it is one, and the chain) into its
   * Set, which it returns; the largest key becomes Infinity, which sends later keys to the Set.
   */
  private toSetMode(node: number, ko: number, i: number, withLargest: boolean): Set<string | number> {
    const f = this.pool;
    const id = node * this.A + i;
    let s = this.sets.get(id);
    if (s === undefined) this.sets.set(id, (s = new Set()));
    s.clear();
    if (withLargest) s.add(f[ko]!);
    const log = this.log;
    for (let e = f[ko + 1]!; e >= 0; e = log[2 * e + 1]!) s.add(log[2 * e]!);
    f[ko] = Infinity;
    return s;
  }

  /** Appends a key to the chain of (node, aggregator) at slot `ko`; false when the log is full. */
  private logPush(ko: number, dk: number): boolean {
    const e = this.logUsed;
    if (2 * e + 2 > this.log.length) {
      if (e >= LOG_CAP) return false;
      const grown = new Float64Array(this.log.length * 2);
      grown.set(this.log);
      this.log = grown;
    }
    this.log[2 * e] = dk;
    this.log[2 * e + 1] = this.pool[ko + 1]!;
    this.pool[ko + 1] = e;
    this.logUsed = e + 1;
    return true;
  }

  toPartial(): PartialTree {
    return { v: 1, aggs: this.aggs, segs: this.segmentCount, _: this.partialChildren(0) };
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

  /** Contributions per slot j (a count's contributions are the count itself). */
  private contributions(o: number): number[] {
    const out = new Array<number>(this.SA);
    for (let j = 0; j < this.SA; j++) {
      const at = this.nOff[j % this.A]!;
      out[j] = at < 0 ? this.pool[o + j]! : this.pool[o + at + Math.floor(j / this.A)]!;
    }
    return out;
  }

  private partialChildren(node: number): PartialNode[] {
    const out: PartialNode[] = [];
    const map = this.kids[node]!;
    if (map === null) return out;
    const SA = this.SA;
    const A = this.A;
    const f = this.pool;
    for (const [k, child] of map) {
      const o = child * this.size;
      const a: Cell[] = new Array<Cell>(SA);
      for (let j = 0; j < SA; j++) {
        const i = j % A;
        const kind = this.kinds[i]!;
        const has = kind === K_COUNT || f[o + this.nOff[i]! + Math.floor(j / A)]! > 0;
        if (kind === K_MIN || kind === K_MAX) a[j] = has ? f[o + j]! : null;
        else if (kind === K_VALUE) a[j] = has ? this.vals[child * SA + j]! : null;
        else a[j] = f[o + j]!;
      }
      const p: PartialNode = { k, a };
      if (this.hasSum) p.l = this.perSlot(o, this.loOff);
      if (this.hasAvg) p.n = this.contributions(o);
      if (this.hasValue) p.t = this.perSlot(o, this.stOff);
      if (this.kids[child] !== null) p._ = this.partialChildren(child);
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
