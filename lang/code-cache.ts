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
