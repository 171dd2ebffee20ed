/**
 * Child node numbers of a ResultTree cached by dictionary code, for one tally key position of one
 * call site whose key is a text column read straight from the RowBlock. A lookup is two typed-array
 * loads instead of hashing the key string in the parent's Map. The cache belongs to one tree and
 * one dictionary; either changing (a new query, a new block) starts it afresh.
 */
import type { ResultTree } from './result.ts';

/** Cached entries per key position at most (4 bytes each); parents past it use the tree's Map. */
const CACHE_CAP = 1 << 20;

export class CodeCache {
  private tree: ResultTree | null = null;
  private dict: readonly string[] | null = null;
  private len = 0;
  /** Parent node → its row of `table` + 1; 0: no row yet, -1: over the cap, not cached. */
  private rowOf = new Int32Array(0);
  /** row * len + code → child node + 1; 0: not looked up yet. */
  private table = new Int32Array(0);
  private rows = 0;

  /** The child of `parent` under `dict[code]` (code ≥ 0), created in the tree when new. */
  child(tree: ResultTree, parent: number, dict: readonly string[], code: number): number {
    if (tree !== this.tree || dict !== this.dict) this.bind(tree, dict);
    if (code < this.len) {
      let row = parent < this.rowOf.length ? this.rowOf[parent]! : 0;
      if (row === 0) row = this.newRow(parent);
      if (row > 0) {
        const at = (row - 1) * this.len + code;
        const c = this.table[at]!;
        if (c !== 0) return c - 1;
        const n = tree.child(parent, dict[code]!);
        this.table[at] = n + 1;
        return n;
      }
    }
    return tree.child(parent, dict[code]!);
  }

  private bind(tree: ResultTree, dict: readonly string[]): void {
    this.tree = tree;
    this.dict = dict;
    this.len = dict.length;
    this.rowOf = new Int32Array(16);
    this.table = new Int32Array(0);
    this.rows = 0;
  }

  private newRow(parent: number): number {
    if (parent >= this.rowOf.length) {
      const grown = new Int32Array(Math.max(parent + 1, this.rowOf.length * 2));
      grown.set(this.rowOf);
      this.rowOf = grown;
    }
    if ((this.rows + 1) * this.len > CACHE_CAP) return (this.rowOf[parent] = -1);
    const need = (this.rows + 1) * this.len;
    if (need > this.table.length) {
      const grown = new Int32Array(Math.min(CACHE_CAP, Math.max(need, this.table.length * 2)));
      grown.set(this.table);
      this.table = grown;
    }
    return (this.rowOf[parent] = ++this.rows);
  }
}

/** Nodes of a path level at most (prefixes of codes); past it the call site uses per-position CodeCaches. */
const PATH_CAP = 1 << 16;

/**
 * Whole tally paths whose keys are all text columns of one RowBlock: the node of every path prefix
 * by its codes in mixed radix (prefix index = index of the shorter prefix * dictionary length +
 * code), so a row's path is one index computation and a typed-array load per level, with no parent
 * lookups. `mark` remembers which prefixes the call site tallied in the current run: with only
 * distinct `count person` aggregators, tallying one again changes nothing. Bound to one tree and
 * one block (both changing start it afresh); `usable` is false when a level would exceed PATH_CAP.
 */
export class CodedPaths {
  private tree: ResultTree | null = null;
  private block: object | null = null;
  usable = false;
  /** Dictionary length per level when bound (codes at or past it are newer: not cached). */
  readonly lens: Int32Array;
  /** Per level: prefix index → node; 0 (the root): not looked up yet. */
  private nodes: Int32Array[] = [];
  /** Per level: prefix index → `run` of the call site's last tally of it. */
  private marks: Int32Array[] = [];
  private run = 0;
  private lastSeq = -1;

  constructor(levels: number) {
    this.lens = new Int32Array(levels);
  }

  /** True when bound to this tree and block; otherwise call `bind`. */
  boundTo(tree: ResultTree, block: object | null): boolean {
    return tree === this.tree && block === this.block;
  }

  bind(tree: ResultTree, block: object | null, dicts: readonly (readonly string[])[]): void {
    this.tree = tree;
    this.block = block;
    this.nodes = [];
    this.marks = [];
    this.run = 0;
    this.lastSeq = -1;
    let size = 1;
    this.usable = true;
    for (let d = 0; d < dicts.length; d++) {
      this.lens[d] = dicts[d]!.length;
      size *= dicts[d]!.length;
      if (size > PATH_CAP || size === 0) {
        this.usable = false;
        return;
      }
      this.nodes.push(new Int32Array(size));
      this.marks.push(new Int32Array(size));
    }
  }

  /**
   * True when the call site already tallied prefix `at` of `level` in run `seq` (Frame.runSeq);
   * otherwise marks it and returns false.
   */
  seen(level: number, at: number, seq: number): boolean {
    if (seq !== this.lastSeq) {
      this.lastSeq = seq;
      if (++this.run === 0x7fffffff) {
        for (const m of this.marks) m.fill(0);
        this.run = 1;
      }
    }
    const m = this.marks[level]!;
    if (m[at] === this.run) return true;
    m[at] = this.run;
    return false;
  }

  /** The node of prefix `at` of `level` when looked up before, else 0 (the root, never a child). */
  known(level: number, at: number): number {
    return this.nodes[level]![at]!;
  }

  /** The node of prefix `at` of `level`, whose last key is `dict[code]` under `parent`; created when new. */
  node(tree: ResultTree, level: number, at: number, parent: number, dict: readonly string[], code: number): number {
    const t = this.nodes[level]!;
    const c = t[at]!;
    if (c !== 0) return c;
    const n = tree.child(parent, dict[code]!);
    t[at] = n;
    return n;
  }
}
