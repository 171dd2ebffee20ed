/**
 * Snapshot sets in R2. Key layout (one set per snapshot id):
 *
 *   snapshots/<id>/tables/<table>/p<NNNN>.parquet   one Parquet file per table and partition (NNNN = partition, 4 digits)
 *   snapshots/<id>/manifest.json                    written last: a set without it is incomplete and never restored
 *
 * `<id>` is the UTC start time `YYYYMMDDTHHMMSSmmmZ` plus a random suffix, so ids sort by time.
 * The manifest records everything needed to rebuild a deployment whose Durable Objects are empty:
 * partition count, every table schema (column ids, z-order), the sentinel's whole storage (cluster
 * config, segment definitions, triggers), and the file of every table × partition.
 */
import type { TableSchema } from '../../lang/schema.ts';
import type { StorageDump } from './storage-dump.ts';

export const SNAPSHOT_PREFIX = 'snapshots/';
export const MANIFEST_FORMAT = 'edgeset-snapshot/1';

export interface PartitionFile {
  partition: number;
  key: string;
  rows: number;
  bytes: number;
  /** 0 = single put, else multipart parts. */
  parts: number;
}

export interface ManifestTable {
  schema: TableSchema;
  files: PartitionFile[];
}

export interface SnapshotManifest {
  format: typeof MANIFEST_FORMAT;
  id: string;
  /** ISO time the snapshot started. */
  createdAt: string;
  /** Milliseconds the whole set took to write. */
  tookMs: number;
  /** What triggered it: an admin request or the cron schedule. */
  trigger: 'admin' | 'cron';
  /** `cluster`: every table plus the config; `table`: one table's rows only (see cluster.ts). */
  scope: 'cluster' | 'table';
  partitions: number;
  tables: ManifestTable[];
  /** The sentinel's complete storage (cluster scope only): restoring it restores config, segments and triggers. */
  sentinel: StorageDump | null;
}

export function newSnapshotId(now: Date, random: () => number = Math.random): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('.', '');
  const suffix = Math.floor(random() * 0x10000).toString(16).padStart(4, '0');
  return `${stamp}-${suffix}`;
}

const ID_PATTERN = /^\d{8}T\d{9}Z-[0-9a-f]{4}$/;

export function isSnapshotId(id: string): boolean {
  return ID_PATTERN.test(id);
}

export function manifestKey(id: string): string {
  return `${SNAPSHOT_PREFIX}${id}/manifest.json`;
}

export function partitionFileKey(id: string, table: string, partition: number): string {
  return `${SNAPSHOT_PREFIX}${id}/tables/${table}/p${String(partition).padStart(4, '0')}.parquet`;
}

/** The snapshot id of a `snapshots/<id>/` prefix, or null for anything else. */
export function idFromPrefix(prefix: string): string | null {
  const m = /^snapshots\/([^/]+)\/$/.exec(prefix);
  return m && isSnapshotId(m[1]) ? m[1] : null;
}
