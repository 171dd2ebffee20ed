/**
 * Cluster-wide snapshot, restore and listing, written against a small access interface so the
 * router supplies Durable Object stubs and R2 while the logic stays in one place.
 *
 * A snapshot has a scope:
 * - `cluster` (all tables): the manifest carries the sentinel's whole storage; restoring it replaces
 *   the cluster config (partition count, tables, segments, triggers) and then every table's rows.
 * - `table` (`?table=`): one table's rows only; restoring it replaces that table's rows in the
 *   current cluster (which must have the table) and leaves the config alone. Columns are matched by
 *   name against the current schema.
 */
import { DbError } from '../../lang/errors.ts';
import type { Outcome } from '../../lang/errors.ts';
import type { TableSchema } from '../../lang/schema.ts';
import { MANIFEST_FORMAT, SNAPSHOT_PREFIX, idFromPrefix, manifestKey, newSnapshotId, partitionFileKey } from './manifest.ts';
import type { ManifestTable, PartitionFile, SnapshotManifest } from './manifest.ts';
import type { StorageDump } from './storage-dump.ts';

/** Per-partition request: write these tables' rows to these keys. */
export interface PartitionSnapshotJob {
  tables: { schema: TableSchema; key: string }[];
  partBytes: number;
  rowGroupRows?: number;
}

/** Per-partition request: replace these tables' rows with these files (null key = leave empty). */
export interface PartitionRestoreJob {
  tables: { schema: TableSchema; key: string | null }[];
  /** Cluster restores also drop every other table the shard still holds. */
  dropOthers: boolean;
}

export interface ClusterAccess {
  bucket: Pick<R2Bucket, 'put' | 'get' | 'head' | 'list' | 'delete'>;
  /** Current partition count and table schemas; null when the cluster is not initialised. */
  config(): Promise<{ partitions: number; tables: TableSchema[] } | null>;
  dumpSentinel(): Promise<StorageDump>;
  loadSentinel(dump: StorageDump): Promise<void>;
  snapshotPartition(partition: number, job: PartitionSnapshotJob): Promise<Outcome<{ key: string; rows: number; bytes: number; parts: number }[]>>;
  restorePartition(partition: number, job: PartitionRestoreJob): Promise<Outcome<{ rows: number }>>;
}

export interface SnapshotOptions {
  table?: string;
  trigger: SnapshotManifest['trigger'];
  partBytes: number;
  rowGroupRows?: number;
  /** Partitions worked on at once (bounds memory: each holds one row group while encoding). */
  concurrency?: number;
  now?: Date;
}

async function inBatches<T>(count: number, concurrency: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      out[i] = await work(i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}

function unwrap<T>(partition: number, o: Outcome<T>): T {
  if (!o.ok) throw new DbError(o.error.class, o.error.message, `partition ${partition}: ${o.error.detail}`);
  return o.value;
}

export async function takeSnapshot(access: ClusterAccess, options: SnapshotOptions): Promise<SnapshotManifest> {
  const started = Date.now();
  const config = await access.config();
  if (!config) throw new DbError('config', 'not_initialized', 'the cluster is not initialised: nothing to snapshot');
  let tables = config.tables;
  if (options.table !== undefined) {
    tables = tables.filter((t) => t.name === options.table);
    if (!tables.length) throw new DbError('config', 'unknown_table', `table '${options.table}' does not exist`);
  }
  const now = options.now ?? new Date();
  const id = newSnapshotId(now);
  const sentinel = options.table === undefined ? await access.dumpSentinel() : null;
  const written = await inBatches(config.partitions, options.concurrency ?? 4, async (p) => {
    const job: PartitionSnapshotJob = {
      tables: tables.map((schema) => ({ schema, key: partitionFileKey(id, schema.name, p) })),
      partBytes: options.partBytes,
      rowGroupRows: options.rowGroupRows,
    };
    return unwrap(p, await access.snapshotPartition(p, job));
  });
  const manifestTables: ManifestTable[] = tables.map((schema, t) => ({
    schema,
    files: written.map((files, p): PartitionFile => ({ partition: p, ...files[t] })),
  }));
  const manifest: SnapshotManifest = {
    format: MANIFEST_FORMAT,
    id,
    scope: options.table === undefined ? 'cluster' : 'table',
    createdAt: now.toISOString(),
    tookMs: 0,
    trigger: options.trigger,
    partitions: config.partitions,
    tables: manifestTables,
    sentinel,
  };
  manifest.tookMs = Date.now() - started;
  // The manifest goes last: until it exists the set is incomplete and never restored.
  await access.bucket.put(manifestKey(id), JSON.stringify(manifest), { httpMetadata: { contentType: 'application/json' } });
  return manifest;
}

export interface SnapshotSummary {
  id: string;
  scope: SnapshotManifest['scope'];
  createdAt: string;
  trigger: SnapshotManifest['trigger'];
  partitions: number;
  tables: { name: string; rows: number; bytes: number }[];
  rows: number;
  bytes: number;
  tookMs: number;
}

export function summarize(m: SnapshotManifest): SnapshotSummary {
  const tables = m.tables.map((t) => ({
    name: t.schema.name,
    rows: t.files.reduce((a, f) => a + f.rows, 0),
    bytes: t.files.reduce((a, f) => a + f.bytes, 0),
  }));
  return {
    id: m.id,
    scope: m.scope,
    createdAt: m.createdAt,
    trigger: m.trigger,
    partitions: m.partitions,
    tables,
    rows: tables.reduce((a, t) => a + t.rows, 0),
    bytes: tables.reduce((a, t) => a + t.bytes, 0),
    tookMs: m.tookMs,
  };
}

/** Ids of every snapshot set under `snapshots/`, oldest first (complete or not). */
export async function snapshotIds(bucket: ClusterAccess['bucket']): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: SNAPSHOT_PREFIX, delimiter: '/', cursor });
    for (const prefix of page.delimitedPrefixes) {
      const id = idFromPrefix(prefix);
      if (id) ids.push(id);
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return ids.sort();
}

export async function readManifest(bucket: ClusterAccess['bucket'], id: string): Promise<SnapshotManifest | null> {
  const obj = await bucket.get(manifestKey(id));
  if (!obj) return null;
  const m = (await obj.json()) as SnapshotManifest;
  if (m.format !== MANIFEST_FORMAT) throw new DbError('config', 'bad_snapshot', `snapshot ${id} has unknown format ${String(m.format)}`);
  return m;
}

/** Complete snapshots (those with a manifest), newest first. */
export async function listSnapshots(bucket: ClusterAccess['bucket']): Promise<SnapshotSummary[]> {
  const out: SnapshotSummary[] = [];
  for (const id of (await snapshotIds(bucket)).reverse()) {
    const m = await readManifest(bucket, id);
    if (m) out.push(summarize(m));
  }
  return out;
}

/** The newest complete snapshot, optionally only cluster-scoped ones. */
export async function latestSnapshot(bucket: ClusterAccess['bucket'], scope?: SnapshotManifest['scope']): Promise<SnapshotManifest | null> {
  for (const id of (await snapshotIds(bucket)).reverse()) {
    const m = await readManifest(bucket, id);
    if (m && (scope === undefined || m.scope === scope)) return m;
  }
  return null;
}

export interface RestoreResult {
  id: string;
  scope: SnapshotManifest['scope'];
  partitions: number;
  tables: { name: string; rows: number }[];
  tookMs: number;
}

/** `which` is a snapshot id or `latest` (the newest complete cluster snapshot). */
export async function restoreSnapshot(access: ClusterAccess, which: string, concurrency = 4): Promise<RestoreResult> {
  const started = Date.now();
  const manifest = which === 'latest' ? await latestSnapshot(access.bucket, 'cluster') : await readManifest(access.bucket, which);
  if (!manifest) {
    throw new DbError('config', 'unknown_snapshot', which === 'latest' ? 'no complete cluster snapshot exists in R2' : `snapshot '${which}' does not exist or is incomplete`);
  }
  let jobs: { schema: TableSchema; files: (string | null)[] }[];
  let partitions: number;
  if (manifest.scope === 'cluster') {
    if (!manifest.sentinel) throw new DbError('config', 'bad_snapshot', `snapshot ${manifest.id} lacks the cluster config`);
    await access.loadSentinel(manifest.sentinel);
    partitions = manifest.partitions;
    jobs = manifest.tables.map((t) => ({ schema: t.schema, files: filesByPartition(t, partitions) }));
  } else {
    const config = await access.config();
    if (!config) throw new DbError('config', 'not_initialized', 'restore a cluster snapshot first: this cluster is not initialised');
    if (config.partitions !== manifest.partitions) {
      throw new DbError('config', 'partition_mismatch', `snapshot ${manifest.id} has ${manifest.partitions} partitions, the cluster ${config.partitions}`);
    }
    partitions = config.partitions;
    jobs = manifest.tables.map((t) => {
      const current = config.tables.find((c) => c.name === t.schema.name);
      if (!current) throw new DbError('config', 'unknown_table', `table '${t.schema.name}' does not exist: create it before restoring its snapshot`);
      return { schema: current, files: filesByPartition(t, partitions) };
    });
  }
  const rows = await inBatches(partitions, concurrency, async (p) =>
    unwrap(p, await access.restorePartition(p, {
      tables: jobs.map((j) => ({ schema: j.schema, key: j.files[p] })),
      dropOthers: manifest.scope === 'cluster',
    })),
  );
  const perTable = jobs.map((j) => ({ name: j.schema.name, rows: 0 }));
  const manifestRows = new Map(manifest.tables.map((t) => [t.schema.name, t.files.reduce((a, f) => a + f.rows, 0)]));
  for (const t of perTable) t.rows = manifestRows.get(t.name) ?? 0;
  const total = rows.reduce((a, r) => a + r.rows, 0);
  const expected = perTable.reduce((a, t) => a + t.rows, 0);
  if (total !== expected) throw new DbError('run_time', 'restore_incomplete', `restored ${total} rows, the snapshot holds ${expected}`);
  return { id: manifest.id, scope: manifest.scope, partitions, tables: perTable, tookMs: Date.now() - started };
}

function filesByPartition(t: ManifestTable, partitions: number): (string | null)[] {
  const keys: (string | null)[] = new Array(partitions).fill(null);
  for (const f of t.files) if (f.partition < partitions) keys[f.partition] = f.key;
  return keys;
}

/** Delete every snapshot set but the newest `keep` complete ones (and incomplete ones older than them). */
export async function pruneSnapshots(bucket: ClusterAccess['bucket'], keep: number): Promise<string[]> {
  const ids = await snapshotIds(bucket);
  const complete: string[] = [];
  for (const id of ids) if (await bucket.head(manifestKey(id))) complete.push(id);
  const kept = new Set(complete.slice(Math.max(0, complete.length - keep)));
  const oldestKept = [...kept][0] ?? '~';
  const doomed = ids.filter((id) => !kept.has(id) && id < oldestKept);
  for (const id of doomed) {
    let cursor: string | undefined;
    do {
      const page = await bucket.list({ prefix: `${SNAPSHOT_PREFIX}${id}/`, cursor });
      if (page.objects.length) await bucket.delete(page.objects.map((o) => o.key));
      cursor = page.truncated ? page.cursor : undefined;
    } while (cursor);
  }
  return doomed;
}
