/**
 * The store's SQLite layout (ctx.storage.sql), shared by every table of a partition:
 * - store_delta: one row (parts only above 1 MB) per insert call: the kept rows in arrival order,
 *   keyed by the table version that insert produced, so an insert is one INSERT statement;
 * - store_chunk: the compacted table, one encoded column per `col`, split into parts < 2 MB;
 * - store_version: a table's version when it has no deltas left (after compaction, clear or drop).
 *   A table's version is max(store_version, newest delta); it never goes back, so caches keyed on
 *   it stay valid across restarts.
 */
import { joinParts, splitParts } from './codec.ts';

/** The parts of ctx.storage.sql the store uses (a Node SQLite adapter satisfies it in unit tests). */
export interface StoreCursor extends Iterable<Record<string, unknown>> {
  raw(): IterableIterator<unknown[]>;
  toArray(): Record<string, unknown>[];
  one(): Record<string, unknown>;
}

export interface StoreSql {
  exec(query: string, ...bindings: unknown[]): StoreCursor;
  readonly databaseSize: number;
}

export interface StoreStorage {
  sql: StoreSql;
  transactionSync<T>(fn: () => T): T;
}

export function ensureStoreSchema(sql: StoreSql): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS store_version (tbl TEXT PRIMARY KEY, version INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS store_delta (
    tbl TEXT NOT NULL, seq INTEGER NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (tbl, seq, part))`);
  sql.exec(`CREATE TABLE IF NOT EXISTS store_chunk (
    tbl TEXT NOT NULL, col TEXT NOT NULL, part INTEGER NOT NULL, bytes BLOB NOT NULL,
    PRIMARY KEY (tbl, col, part))`);
}

export function readVersion(sql: StoreSql, tbl: string): number {
  const row = sql.exec(
    `SELECT max(coalesce((SELECT version FROM store_version WHERE tbl = ?), 0),
                coalesce((SELECT max(seq) FROM store_delta WHERE tbl = ?), 0)) AS v`,
    tbl, tbl,
  ).one();
  return Number(row.v);
}

export function writeVersion(sql: StoreSql, tbl: string, version: number): void {
  sql.exec(
    'INSERT INTO store_version (tbl, version) VALUES (?, ?) ON CONFLICT(tbl) DO UPDATE SET version = excluded.version',
    tbl, version,
  );
}

/** The delta's value(s); above 1 MB it is several parts, so callers wrap this in a transaction. */
export function writeDeltaRows(sql: StoreSql, tbl: string, seq: number, bytes: Uint8Array): void {
  const parts = splitParts(bytes);
  for (let i = 0; i < parts.length; i++) {
    sql.exec('INSERT INTO store_delta (tbl, seq, part, bytes) VALUES (?, ?, ?, ?)', tbl, seq, i, parts[i]);
  }
}

/** Every delta of the table in sequence order. */
export function readDeltas(sql: StoreSql, tbl: string): { seq: number; bytes: Uint8Array }[] {
  const out: { seq: number; bytes: Uint8Array }[] = [];
  let seq = -1;
  let parts: ArrayBuffer[] = [];
  for (const row of sql.exec('SELECT seq, bytes FROM store_delta WHERE tbl = ? ORDER BY seq, part', tbl).raw()) {
    const s = Number(row[0]);
    if (s !== seq && parts.length > 0) {
      out.push({ seq, bytes: joinParts(parts) });
      parts = [];
    }
    seq = s;
    parts.push(row[1] as ArrayBuffer);
  }
  if (parts.length > 0) out.push({ seq, bytes: joinParts(parts) });
  return out;
}

/** One delta's bytes, or null when it is not stored. */
export function readDelta(sql: StoreSql, tbl: string, seq: number): Uint8Array | null {
  const parts: ArrayBuffer[] = [];
  for (const row of sql.exec('SELECT bytes FROM store_delta WHERE tbl = ? AND seq = ? ORDER BY part', tbl, seq).raw()) {
    parts.push(row[0] as ArrayBuffer);
  }
  return parts.length === 0 ? null : joinParts(parts);
}

export function writeChunk(sql: StoreSql, tbl: string, col: string, bytes: Uint8Array): void {
  const parts = splitParts(bytes);
  for (let i = 0; i < parts.length; i++) {
    sql.exec('INSERT INTO store_chunk (tbl, col, part, bytes) VALUES (?, ?, ?, ?)', tbl, col, i, parts[i]);
  }
}

export function readChunk(sql: StoreSql, tbl: string, col: string): Uint8Array | null {
  const parts: ArrayBuffer[] = [];
  for (const row of sql.exec('SELECT bytes FROM store_chunk WHERE tbl = ? AND col = ? ORDER BY part', tbl, col).raw()) {
    parts.push(row[0] as ArrayBuffer);
  }
  return parts.length === 0 ? null : joinParts(parts);
}

export function deleteChunk(sql: StoreSql, tbl: string, col: string): void {
  sql.exec('DELETE FROM store_chunk WHERE tbl = ? AND col = ?', tbl, col);
}

export function deleteDeltas(sql: StoreSql, tbl: string): void {
  sql.exec('DELETE FROM store_delta WHERE tbl = ?', tbl);
}

/** Distinct `col` names with chunks in the table. */
export function chunkColumns(sql: StoreSql, tbl: string): string[] {
  return sql.exec('SELECT DISTINCT col FROM store_chunk WHERE tbl = ?', tbl).toArray().map((r) => String(r.col));
}

export function deleteTableData(sql: StoreSql, tbl: string): void {
  sql.exec('DELETE FROM store_chunk WHERE tbl = ?', tbl);
  sql.exec('DELETE FROM store_delta WHERE tbl = ?', tbl);
}

export function countChunks(sql: StoreSql, tbl: string): number {
  return Number(sql.exec('SELECT count(*) AS n FROM store_chunk WHERE tbl = ?', tbl).one().n);
}

/** Tables with any stored state in this partition. */
export function tableNames(sql: StoreSql): string[] {
  return sql.exec('SELECT tbl FROM store_version UNION SELECT tbl FROM store_delta ORDER BY 1').toArray().map((r) => String(r.tbl));
}
