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

export class SegmentStore {
  private readonly sql: QuerySql;

  constructor(sql: QuerySql) {
    this.sql = sql;
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

  /** Read from SQLite every time (one row): a restore or another writer can never leave it stale. */
  get(table: string, name: string): StoredSegment | null {
    const rows = this.exec('SELECT definition, computed_at, version, people, bits FROM q_segments WHERE tbl = ? AND name = ?', table, name) as {
      definition: string;
      computed_at: number;
      version: string;
      people: number;
      bits: ArrayBuffer;
    }[];
    if (rows.length === 0) return null;
    const r = rows[0];
    return { name, definition: r.definition, computedAt: r.computed_at, version: r.version, bits: PeopleBitmap.fromBytes(r.people, r.bits) };
  }

  put(table: string, seg: StoredSegment): void {
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
    const rows = this.exec('SELECT name, size, computed_at FROM q_segments WHERE tbl = ? ORDER BY name', table) as {
      name: string;
      size: number;
      computed_at: number;
    }[];
    return rows.map((r) => ({ name: r.name, size: r.size, computedAt: r.computed_at }));
  }

  dropTable(table: string): void {
    this.exec('DELETE FROM q_segments WHERE tbl = ?', table);
  }
}
