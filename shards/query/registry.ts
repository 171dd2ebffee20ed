/**
 * The segment registry kept by the sentinel (its SQLite): every `@segment` definition ever computed
 * per table, so `segments=` can name it, shards can recompute it when their copy is stale, and the
 * scheduled refresher knows which ones are due. The sentinel exposes these through thin RPC methods.
 */
import { execRecreating, type QuerySql } from '../index/query-sql.ts';
import type { SegmentDef } from './types.ts';

export interface DueSegments {
  table: string;
  names: string[];
}

const registries = new WeakMap<QuerySql, SegmentRegistry>();

export class SegmentRegistry {
  private readonly sql: QuerySql;

  /** One registry per storage, so its table is created once and not on every call. */
  static of(sql: QuerySql): SegmentRegistry {
    let r = registries.get(sql);
    if (r === undefined) registries.set(sql, (r = new SegmentRegistry(sql)));
    return r;
  }

  constructor(sql: QuerySql) {
    this.sql = sql;
    this.create();
  }

  private create(): void {
    this.sql.exec(`CREATE TABLE IF NOT EXISTS q_segment_defs (
      tbl TEXT NOT NULL, name TEXT NOT NULL, script TEXT NOT NULL, ttl REAL NOT NULL, use_cached INTEGER NOT NULL,
      refresh REAL, last_refresh REAL NOT NULL, PRIMARY KEY (tbl, name))`);
  }

  private exec(query: string, ...bindings: unknown[]): Record<string, unknown>[] {
    return execRecreating(this.sql, () => this.create(), query, ...bindings);
  }

  list(table: string): SegmentDef[] {
    const rows = this.exec('SELECT name, script, ttl, use_cached, refresh FROM q_segment_defs WHERE tbl = ? ORDER BY name', table) as { name: string; script: string; ttl: number; use_cached: number; refresh: number | null }[];
    return rows.map((r) => ({ name: r.name, script: r.script, ttl: r.ttl, useCached: r.use_cached === 1, refresh: r.refresh }));
  }

  /**
   * Records definitions that were just computed at `now` (a changed one replaces the old one). An
   * unchanged definition that is not yet due for a refresh is left alone, so repeating a segment
   * query writes nothing. True when a definition is new or changed (not just its refresh clock).
   */
  put(table: string, defs: SegmentDef[], now: number): boolean {
    let redefined = false;
    for (const d of defs) {
      const old = this.exec('SELECT script, ttl, use_cached, refresh, last_refresh FROM q_segment_defs WHERE tbl = ? AND name = ?', table, d.name) as { script: string; ttl: number; use_cached: number; refresh: number | null; last_refresh: number }[];
      const same = old.length === 1 && old[0].script === d.script && old[0].ttl === d.ttl && old[0].use_cached === (d.useCached ? 1 : 0) && old[0].refresh === d.refresh;
      if (same && (d.refresh === null || now - old[0].last_refresh < d.refresh)) continue;
      if (!same) redefined = true;
      this.exec(
        'INSERT OR REPLACE INTO q_segment_defs (tbl, name, script, ttl, use_cached, refresh, last_refresh) VALUES (?, ?, ?, ?, ?, ?, ?)',
        table,
        d.name,
        d.script,
        d.ttl,
        d.useCached ? 1 : 0,
        d.refresh,
        now,
      );
    }
    return redefined;
  }

  /** Segments whose refresh interval has elapsed at `now`, grouped by table. */
  due(now: number): DueSegments[] {
    const rows = this.exec('SELECT tbl, name FROM q_segment_defs WHERE refresh IS NOT NULL AND last_refresh + refresh <= ? ORDER BY tbl, name', now) as { tbl: string; name: string }[];
    const out: DueSegments[] = [];
    for (const r of rows) {
      const last = out[out.length - 1];
      if (last !== undefined && last.table === r.tbl) last.names.push(r.name);
      else out.push({ table: r.tbl, names: [r.name] });
    }
    return out;
  }

  dropTable(table: string): void {
    this.exec('DELETE FROM q_segment_defs WHERE tbl = ?', table);
  }
}
