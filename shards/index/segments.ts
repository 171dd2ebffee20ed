/**
 * Computed segments of one partition, kept in the shard's SQLite: per (table, segment) the people
 * bitmap over the table's person ordinals, the definition it was computed from, when, and at which
 * table version (ordinals are only meaningful for the version they were computed at).
 */
import { PeopleBitmap } from './bitmap.ts';
import { execRecreating, type QuerySql } from './query-sql.ts';

export interface StoredSegment {
  name: string;
  /** The segment's script as written in its section (the cache is invalid when it changes). */
  definition: string;
  /** Epoch ms of the computation. */
  computedAt: number;
  /** TableStore.version at computation time. */
  version: string;
  bits: PeopleBitmap;
}

export interface SegmentSummary {
  name: string;
  size: number;
  computedAt: number;
}

/** Runs `write` later, off the request that computed the segment (the shard passes a timer). */
export type DeferWrite = (write: () => void) => void;

export class SegmentStore {
  private readonly sql: QuerySql;
  private readonly defer: DeferWrite | null;
  /**
   * Segments read or computed by this shard instance, by table and name (null = none stored). Only
   * this store writes `q_segments`, so the copy stays exact; the shard's storage outlives it.
   */
  private readonly memo = new Map<string, StoredSegment | null>();
  /** Computed but not yet written, by the same key. */
  private readonly pending = new Map<string, { table: string; seg: StoredSegment }>();

  /**
   * Without `defer` every computed segment is written before `put` returns. With it the write
   * happens after the query has answered, so the query does not wait for a commit: a stored bitmap
   * is a cache of its definition (kept in the sentinel), so one lost before its write is recomputed.
   */
  constructor(sql: QuerySql, defer: DeferWrite | null = null) {
    this.sql = sql;
    this.defer = defer;
    this.create();
  }

  private create(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS q_segments (
      tbl TEXT NOT NULL, name TEXT NOT NULL, definition TEXT NOT NULL, computed_at REAL NOT NULL,
      version TEXT NOT NULL, people INTEGER NOT NULL, size INTEGER NOT NULL, bits BLOB NOT NULL,
      PRIMARY KEY (tbl, name))`);
  }

  private exec(query: string, ...bindings: unknown[]): Record<string, unknown>[] {
    return execRecreating(this.sql, () => this.create(), query, ...bindings);
  }

  get(table: string, name: string): StoredSegment | null {
    const key = table + '\0' + name;
    const hit = this.memo.get(key);
    if (hit !== undefined) return hit;
    const rows = this.exec('SELECT definition, computed_at, version, people, bits FROM q_segments WHERE tbl = ? AND name = ?', table, name) as {
      definition: string;
      computed_at: number;
      version: string;
      people: number;
      bits: ArrayBuffer;
    }[];
    const r = rows[0];
    const seg = r === undefined ? null : { name, definition: r.definition, computedAt: r.computed_at, version: r.version, bits: PeopleBitmap.fromBytes(r.people, r.bits) };
    this.memo.set(key, seg);
    return seg;
  }

  put(table: string, seg: StoredSegment): void {
    const key = table + '\0' + seg.name;
    this.memo.set(key, seg);
    if (this.defer === null) {
      this.write(table, seg);
      return;
    }
    const first = this.pending.size === 0;
    this.pending.set(key, { table, seg });
    if (first) this.defer(() => this.flush());
  }

  /** Writes every computed segment not yet written. */
  flush(): void {
    for (const { table, seg } of this.pending.values()) this.write(table, seg);
    this.pending.clear();
  }

  private write(table: string, seg: StoredSegment): void {
    this.exec(
      'INSERT OR REPLACE INTO q_segments (tbl, name, definition, computed_at, version, people, size, bits) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      table,
      seg.name,
      seg.definition,
      seg.computedAt,
      seg.version,
      seg.bits.size,
      seg.bits.count(),
      seg.bits.toBytes(),
    );
  }

  list(table: string): SegmentSummary[] {
    this.flush();
    const rows = this.exec('SELECT name, size, computed_at FROM q_segments WHERE tbl = ? ORDER BY name', table) as {
      name: string;
      size: number;
      computed_at: number;
    }[];
    return rows.map((r) => ({ name: r.name, size: r.size, computedAt: r.computed_at }));
  }

  dropTable(table: string): void {
    for (const [key, p] of this.pending) if (p.table === table) this.pending.delete(key);
    for (const key of this.memo.keys()) if (key.startsWith(table + '\0')) this.memo.delete(key);
    this.exec('DELETE FROM q_segments WHERE tbl = ?', table);
  }
}
