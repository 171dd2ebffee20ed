/**
 * `tally(k1, ..., kn)` (pyql.md §7): evaluates the keys into a reused buffer, computes each
 * aggregator's value and distinct key for the current row, and hands them to the ResultTree.
 *
 * Distinct keys without allocation: a column aggregator's key is (with-value, row stamp). Rows with
 * equal stamps are adjacent, so the pair is identified exactly by the first row of the person that
 * has the same stamp and the same with-value; that row's offset is the key.
 */
import type { Expr } from './ast.ts';
import { ACTION_SLOT, EXIT_SIGNAL, type Frame } from './frame.ts';
import type { ColumnAccess, Ev, ExprCompiler } from './compile-expr.ts';
import type { Resolution } from './check.ts';
import { MAX_TALLY_DEPTH, type AggSpec, type ResultTree } from './result.ts';
import { CodeCache, CodedPaths } from './code-cache.ts';
import { DbError } from './errors.ts';
import { pyStr, type Key, type Value } from './runtime/values.ts';

type AggFn = (f: Frame) => void;

/** Offset (from the person's first row) of the first row sharing row r's stamp and with-value. */
function canonicalRow(f: Frame, r: number, same: ColumnAccess['same']): number {
  const st = f.stamp;
  const s = st[r];
  if (r === f.start || st[r - 1] !== s) return r - f.start;
  let best = r;
  for (let q = r - 1; q >= f.start && st[q] === s; q--) if (same(f, q, r)) best = q;
  return best - f.start;
}

export function makeTally(cx: ExprCompiler, res: Resolution): (args: Expr[]) => Ev {
  const n = res.aggs.length;
  // Starts as a double array: numeric contributions (NaN = None, which the tree skips for
  // sum/avg/min/max) are then stored without boxing until some aggregator stores null or a string.
  const values = new Array<Value>(n).fill(NaN);
  const distinct = new Array<string | number>(n).fill(0);
  const aggFns = res.aggs.map((spec, i) => aggFn(cx, res, spec, i, values, distinct));
  // With only distinct `count person` aggregators, tallying the same path again for the same
  // person changes nothing, so a call site can skip a repeat of its previous key path.
  const personOnly = res.aggs.every((a) => a.kind === 'count' && a.source.type === 'person' && !a.all);

  return (args) => {
    if (res.mode === 'segment') {
      return (f) => {
        f.member = true;
        throw EXIT_SIGNAL;
      };
    }
    const k = args.length;
    if (k === 0) return () => null;
    const keyFns = args.map((a) => cx.expr(a));
    const keys = new Array<Key>(k).fill(null);
    const computeAggs = combine(aggFns);
    // Keys that are text columns (or action) read straight from the block go by dictionary code.
    const textSlots = args.map((a) => cx.textColumn(a));
    const coded = k <= MAX_TALLY_DEPTH && textSlots.some((t) => t !== null);
    if (k === 1 && !coded) {
      const k0 = keyFns[0]!;
      let lastRun = -1;
      let lastKey: Value = null;
      return (f) => {
        const tree = f.result;
        if (tree === null) return null;
        const v = k0(f);
        if (v === null) return null;
        if (personOnly) {
          if (lastRun === f.runSeq && lastKey === v && typeof v !== 'object') return null;
          lastRun = f.runSeq;
          lastKey = v;
        }
        computeAggs(f);
        if (v instanceof Set) {
          for (const el of v) {
            keys[0] = el;
            tree.tally(keys, 1, f.segment, values, distinct, f.stamp[f.row]!);
          }
          return null;
        }
        keys[0] = v as Key;
        tree.tally(keys, 1, f.segment, values, distinct, f.stamp[f.row]!);
        return null;
      };
    }
    /** Key per position, or for a coded position its dictionary code until `decode` runs. */
    const raw = new Array<Value>(k).fill(null);
    /** A set-valued key (a set column) tallies each element in turn; an empty set acts as None. */
    const expand = (f: Frame, tree: ResultTree, level: number, depth: number): void => {
      if (level === depth) {
        tree.tally(keys, depth, f.segment, values, distinct, f.stamp[f.row]!);
        return;
      }
      const v = raw[level]!;
      if (!(v instanceof Set)) {
        keys[level] = v as Key;
        expand(f, tree, level + 1, depth);
      } else if (v.size === 0) {
        if (level > 0) tree.tally(keys, level, f.segment, values, distinct, f.stamp[f.row]!);
      } else {
        for (const el of v) {
          keys[level] = el;
          expand(f, tree, level + 1, depth);
        }
      }
    };
    const last = new Array<Value>(k).fill(null);
    let lastRun = -1;
    let lastDepth = 0;
    /** True when this call repeats the site's previous key path for the same person and run. */
    const repeat = (f: Frame, depth: number, sets: boolean): boolean => {
      let same = !sets && lastRun === f.runSeq && lastDepth === depth;
      for (let d = 0; d < depth; d++) {
        if (last[d] !== raw[d]) same = false;
        last[d] = raw[d]!;
      }
      lastRun = f.runSeq;
      lastDepth = depth;
      return same;
    };
    if (!coded) {
      return (f) => {
        const tree = f.result;
        if (tree === null) return null;
        let depth = 0;
        let sets = false;
        for (; depth < k; depth++) {
          const v = keyFns[depth]!(f);
          if (v === null) break;
          if (v instanceof Set) sets = true;
          raw[depth] = v;
          keys[depth] = v as Key;
        }
        if (depth === 0) return null;
        if (personOnly && repeat(f, depth, sets)) return null;
        computeAggs(f);
        if (sets) expand(f, tree, 0, depth);
        else tree.tally(keys, depth, f.segment, values, distinct, f.stamp[f.row]!);
        return null;
      };
    }
    const slotOf = Int32Array.from(textSlots, (t) => (t === null ? 0 : t));
    const isCoded = Uint8Array.from(textSlots, (t) => (t === null ? 0 : 1));
    const caches = textSlots.map(() => new CodeCache());
    const path = new Int32Array(k);
    const dictOf = (f: Frame, d: number): readonly string[] => {
      const slot = slotOf[d]!;
      return slot === ACTION_SLOT ? f.actionDict : f.dicts[slot]!;
    };
    if (k === 1) {
      // One text-column key (`tally(country)`): no path to walk.
      const slot = slotOf[0]!;
      const cache = caches[0]!;
      let lastRun = -1;
      let lastCode = -1;
      return (f) => {
        const tree = f.result;
        if (tree === null) return null;
        const c = (slot === ACTION_SLOT ? f.actionCodes : f.codes[slot]!)[f.row]!;
        if (c < 0) return null;
        if (personOnly) {
          if (lastRun === f.runSeq && lastCode === c) return null;
          lastRun = f.runSeq;
          lastCode = c;
        }
        computeAggs(f);
        path[0] = cache.child(tree, 0, dictOf(f, 0), c);
        tree.addPath(path, 1, f.segment, values, distinct, f.stamp[f.row]!);
        return null;
      };
    }
    // Written out again rather than shared with the uncoded closure: each closure keeps its own JIT feedback (lang/NOTES.md).
    const general: Ev = (f) => {
      const tree = f.result;
      if (tree === null) return null;
      let depth = 0;
      let sets = false;
      for (; depth < k; depth++) {
        if (isCoded[depth] === 1) {
          const slot = slotOf[depth]!;
          const c = (slot === ACTION_SLOT ? f.actionCodes : f.codes[slot]!)[f.row]!;
          if (c < 0) break;
          raw[depth] = c;
        } else {
          const v = keyFns[depth]!(f);
          if (v === null) break;
          if (v instanceof Set) sets = true;
          raw[depth] = v;
        }
      }
      if (depth === 0) return null;
      if (personOnly && repeat(f, depth, sets)) return null;
      computeAggs(f);
      const segment = f.segment;
      const stamp = f.stamp[f.row]!;
      if (sets) {
        for (let d = 0; d < depth; d++) if (isCoded[d] === 1) raw[d] = dictOf(f, d)[raw[d] as number]!;
        expand(f, tree, 0, depth);
        return null;
      }
      // The same walk as ResultTree.tally, with coded keys found through the call site's caches.
      let node = 0;
      let d = 0;
      for (; d < depth; d++) {
        const v = raw[d]!;
        if (isCoded[d] === 1) {
          node = caches[d]!.child(tree, node, dictOf(f, d), v as number);
        } else {
          if (v !== v) break;
          if (typeof v === 'object') {
            tree.addPath(path, d, segment, values, distinct, stamp);
            throw new DbError('run_time', 'bad_tally_key', 'tally keys must be str, int, float or bool');
          }
          node = tree.child(node, v);
        }
        path[d] = node;
      }
      tree.addPath(path, d, segment, values, distinct, stamp);
      return null;
    };
    if (!textSlots.every((t) => t !== null)) return general;
    // Every key a text column (`tally(action, category)`): whole paths by their codes.
    const paths = new CodedPaths(k);
    const lens = paths.lens;
    const at = new Int32Array(k);
    const codes = new Int32Array(k);
    const dicts = new Array<readonly string[]>(k);
    /** The key columns' codes in the bound block. */
    const cols = new Array<Int32Array>(k);
    /**
     * Reads the row's codes into `at` (prefix index per level) and `codes`; returns the depth (0:
     * the first key is None), or -1 when the general closure must take the row (no usable tables,
     * or a code newer than the binding).
     */
    const locate = (f: Frame, tree: ResultTree): number => {
      if (!paths.boundTo(tree, f.block)) {
        for (let d = 0; d < k; d++) {
          dicts[d] = dictOf(f, d);
          cols[d] = slotOf[d] === ACTION_SLOT ? f.actionCodes : f.codes[slotOf[d]!]!;
        }
        paths.bind(tree, f.block, dicts);
      }
      if (!paths.usable) return -1;
      const row = f.row;
      let depth = 0;
      let i = 0;
      for (; depth < k; depth++) {
        const c = cols[depth]![row]!;
        if (c < 0) break;
        if (c >= lens[depth]!) return -1;
        i = i * lens[depth]! + c;
        at[depth] = i;
        codes[depth] = c;
      }
      return depth;
    };
    if (personOnly) {
      // Separate closures for the two shapes, each with its own JIT feedback (lang/NOTES.md).
      return (f) => {
        const tree = f.result;
        if (tree === null) return null;
        const depth = locate(f, tree);
        if (depth <= 0) return depth === 0 ? null : general(f);
        const i = at[depth - 1]!;
        if (paths.seen(depth - 1, i, f.runSeq)) return null;
        let leaf = paths.known(depth - 1, i);
        for (let d = 0, node = 0; leaf === 0 && d < depth; d++) {
          node = paths.node(tree, d, at[d]!, node, dicts[d]!, codes[d]!);
          if (d === depth - 1) leaf = node;
        }
        tree.addPersonLeaf(leaf, f.segment);
        return null;
      };
    }
    return (f) => {
      const tree = f.result;
      if (tree === null) return null;
      const depth = locate(f, tree);
      if (depth <= 0) return depth === 0 ? null : general(f);
      computeAggs(f);
      let node = 0;
      for (let d = 0; d < depth; d++) node = path[d] = paths.node(tree, d, at[d]!, node, dicts[d]!, codes[d]!);
      tree.addPath(path, depth, f.segment, values, distinct, f.stamp[f.row]!);
      return null;
    };
  };
}

/** One closure computing every aggregator, unrolled for the usual one or two. */
function combine(fns: AggFn[]): AggFn {
  if (fns.length === 1) return fns[0]!;
  if (fns.length === 2) {
    const [a, b] = fns as [AggFn, AggFn];
    return (f) => {
      a(f);
      b(f);
    };
  }
  return (f) => {
    for (let i = 0; i < fns.length; i++) fns[i]!(f);
  };
}

function aggFn(cx: ExprCompiler, res: Resolution, spec: AggSpec, i: number, values: Value[], distinct: (string | number)[]): AggFn {
  const src = spec.source;
  if (src.type === 'person') {
    return (f) => {
      values[i] = 1;
      distinct[i] = f.person;
    };
  }
  if (src.type === 'variable') {
    const slot = res.vars.get(src.name)!;
    return (f) => {
      const v = f.slots[slot]!;
      values[i] = v === null ? null : 1;
      distinct[i] = `${typeof v}:${pyStr(v)}@${f.stamp[f.row]}`;
    };
  }
  const col = cx.cols.access(src.name);
  const withCol = spec.withColumn ? cx.cols.access(spec.withColumn) : col;
  const same = withCol.same;
  const read = col.read;
  const none = cx.cols.isNone(src.name);
  const isSet = col.def?.isSet === true;
  // Sessions count as themselves: `count session` counts distinct sessions (pyql.md §9 dataset B).
  const key: (f: Frame) => number =
    src.name === 'session' && !spec.withColumn ? (f) => f.session[f.row - f.start]! : (f) => canonicalRow(f, f.row, same);
  switch (spec.kind) {
    case 'count':
      return (f) => {
        values[i] = none(f) ? null : 1;
        distinct[i] = key(f);
      };
    case 'value':
      return (f) => {
        const v = read(f);
        values[i] = v !== null && typeof v === 'object' ? null : v;
        distinct[i] = key(f);
      };
    default: {
      const slot = cx.cols.slots.get(src.name);
      if (slot !== undefined && !isSet && col.def!.type !== 'text') {
        // Numeric column: the raw float, NaN for None.
        return (f) => {
          values[i] = f.nums[slot]![f.row]!;
          distinct[i] = key(f);
        };
      }
      return (f) => {
        const v = read(f);
        values[i] = typeof v === 'number' ? v : typeof v === 'boolean' ? (v ? 1 : 0) : null;
        distinct[i] = key(f);
      };
    }
  }
}
