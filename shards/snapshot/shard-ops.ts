/**
 * The snapshot RPCs of a PartitionShard, over its PartitionStore and the R2 bucket: write each
 * table's rows to R2, rebuild tables from R2, hand out export slices. Errors the user can cause
 * come back as Outcome values; R2 or storage faults throw.
 */
import { DbError } from '../../lang/errors.ts';
import type { Outcome } from '../../lang/errors.ts';
import type { TableSchema } from '../../lang/schema.ts';
import type { PartitionStore } from '../store/partition-store.ts';
import { tableNames } from '../store/sql.ts';
import type { StoreSql } from '../store/sql.ts';
import type { PartitionRestoreJob, PartitionSnapshotJob } from './cluster.ts';
import type { RowSource } from './parquet-encode.ts';
import { readPartitionFile, slicePeople, writePartitionFile } from './partition-io.ts';
import type { RowSlice, WrittenFile } from './partition-io.ts';
import { r2AsyncBuffer } from './r2-buffer.ts';

async function attempt<T>(fn: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (e) {
    if (e instanceof DbError) return { ok: false, error: e.body };
    throw e;
  }
}

/** Every row of a table with every column decoded, plus event hashes. */
function fullSource(store: PartitionStore, schema: TableSchema): RowSource {
  const table = store.table(schema);
  const { block, people } = table.read(schema.columns.map((c) => c.name));
  return { block, people, hashes: table.eventHashes() };
}

export function snapshotTables(store: PartitionStore, bucket: R2Bucket, job: PartitionSnapshotJob): Promise<Outcome<WrittenFile[]>> {
  return attempt(async () => {
    const out: WrittenFile[] = [];
    for (const { schema, key } of job.tables) {
      // Read once: the encoder works from this frozen view even if inserts land meanwhile.
      const source = fullSource(store, schema);
      out.push(await writePartitionFile(source, schema, bucket, key, { partBytes: job.partBytes, rowGroupRows: job.rowGroupRows }));
    }
    return out;
  });
}

/** Rows per appended batch during a restore; compaction runs whenever the store asks for it. */
const RESTORE_BATCH_ROWS = 16_384;

export function restoreTables(store: PartitionStore, sql: StoreSql, bucket: R2Bucket, job: PartitionRestoreJob): Promise<Outcome<{ rows: number }>> {
  return attempt(async () => {
    if (job.dropOthers) {
      const keep = new Set(job.tables.map((t) => t.schema.name));
      for (const name of tableNames(sql)) if (!keep.has(name)) store.dropTable(name);
    }
    let rows = 0;
    for (const { schema, key } of job.tables) {
      const table = store.table(schema);
      table.clear();
      if (key === null) continue;
      const head = await bucket.head(key);
      if (!head) throw new DbError('config', 'bad_snapshot', `snapshot file ${key} is missing from R2`);
      rows += await readPartitionFile(r2AsyncBuffer(bucket, key, head.size), schema, (batch) => {
        table.appendBatch(batch);
        if (table.needsCompaction()) table.compact();
      }, RESTORE_BATCH_ROWS);
      table.compact();
    }
    return { rows };
  });
}

export function exportSlice(store: PartitionStore, schema: TableSchema, firstPerson: number, maxRows: number): Promise<Outcome<RowSlice>> {
  return attempt(async () => {
    const { block, people } = store.table(schema).read(schema.columns.map((c) => c.name));
    return slicePeople({ block, people, hashes: null }, firstPerson, maxRows);
  });
}
