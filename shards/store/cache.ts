/**
 * One byte budget for decoded user columns across every table of every shard in this isolate
 * (Durable Objects of one class may share an isolate and its 128 MB). Least recently used columns
 * are dropped first; they are decoded again from SQLite when next read.
 */

export interface CacheEntry {
  bytes: number;
  /** Forget the decoded data (called on eviction). */
  evict(): void;
}

export class DecodedBudget {
  private readonly limit: number;
  private used = 0;
  /** Insertion order = recency order (touch re-inserts). */
  private readonly entries = new Set<CacheEntry>();

  constructor(limitBytes: number) {
    this.limit = limitBytes;
  }

  get usedBytes(): number {
    return this.used;
  }

  add(entry: CacheEntry): void {
    this.entries.add(entry);
    this.used += entry.bytes;
    this.trim(entry);
  }

  touch(entry: CacheEntry): void {
    if (!this.entries.delete(entry)) return;
    this.entries.add(entry);
  }

  remove(entry: CacheEntry): void {
    if (this.entries.delete(entry)) this.used -= entry.bytes;
  }

  /** Evicts oldest entries until under the limit, never `keep` (the one just added). */
  private trim(keep: CacheEntry): void {
    for (const e of this.entries) {
      if (this.used <= this.limit) return;
      if (e === keep) continue;
      this.entries.delete(e);
      this.used -= e.bytes;
      e.evict();
    }
  }
}

/** Shared by all stores in the isolate. */
export const decodedColumns = new DecodedBudget(40 * 1024 * 1024);
