/**
 * Every table's store in one partition, created on first use from the schema the router passes,
 * plus whole-partition figures for the `stats` RPC.
 */
import type { TableSchema } from '../../lang/schema.ts';
import { decodedColumns } from './cache.ts';
import { deleteTableData, ensureStoreSchema, readVersion, tableNames, writeVersion, type StoreStorage } from './sql.ts';
import { ColumnarTable, type TableStats } from './table.ts';

export interface PartitionStats {
  tables: TableStats[];
  rows: number;
  people: number;
  chunks: number;
  deltas: number;
  /** ctx.storage.sql.databaseSize: the whole partition database. */
  sqliteBytes: number;
  /** Estimated bytes of in-memory structures of this partition. */
  residentBytes: number;
  /** Decoded-column cache in use across the isolate (shared by every partition in it). */
  isolateCacheBytes: number;
}

export class PartitionStore {
  private readonly storage: StoreStorage;
  private readonly tables = new Map<string, ColumnarTable>();

  constructor(storage: StoreStorage) {
    this.storage = storage;
    ensureStoreSchema(storage.sql);
  }

  /** The table's store, with `schema` as its current schema. */
  table(schema: TableSchema): ColumnarTable {
    let t = this.tables.get(schema.name);
    if (t === undefined) {
      t = new ColumnarTable(this.storage, schema);
      this.tables.set(schema.name, t);
    } else {
      t.setSchema(schema);
    }
    return t;
  }

  /** Loaded tables with enough pending deltas to compact. */
  compactionDue(): ColumnarTable[] {
    return [...this.tables.values()].filter((t) => t.needsCompaction());
  }

  /** Remove a table's rows and storage; its version keeps increasing if it is created again. */
  dropTable(name: string): void {
    const t = this.tables.get(name);
    if (t !== undefined) {
      t.clear();
      this.tables.delete(name);
      return;
    }
    const sql = this.storage.sql;
    const version = readVersion(sql, name);
    this.storage.transactionSync(() => {
      deleteTableData(sql, name);
      writeVersion(sql, name, version + 1);
    });
  }

  stats(): PartitionStats {
    const tables: TableStats[] = [];
    for (const name of tableNames(this.storage.sql)) {
      const t = this.tables.get(name) ?? new ColumnarTable(this.storage, { name, columns: [], zOrder: [] });
      const s = t.stats();
      if (!this.tables.has(name)) s.residentBytes = 0;
      tables.push(s);
    }
    let rows = 0;
    let people = 0;
    let chunks = 0;
    let deltas = 0;
    let residentBytes = 0;
    for (const s of tables) {
      rows += s.rows;
      people += s.people;
      chunks += s.chunks;
      deltas += s.deltas;
      residentBytes += s.residentBytes;
    }
    return {
      tables, rows, people, chunks, deltas, residentBytes,
      sqliteBytes: this.storage.sql.databaseSize,
      isolateCacheBytes: decodedColumns.usedBytes,
    };
  }
}
