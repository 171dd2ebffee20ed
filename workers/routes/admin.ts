/**
 * Backups (issue 5): Parquet snapshot sets in R2, restore, listing, and the scheduled snapshot.
 *
 *   POST /v1/admin/snapshot[?table=T][&part_size=BYTES]   write a snapshot set (all tables + config, or one table)
 *   GET  /v1/admin/snapshots                              complete snapshots, newest first
 *   GET  /v1/admin/snapshots/{id}[?sentinel=full]         one snapshot's manifest (files, schemas; the sentinel image
 *                                                         as table names unless sentinel=full)
 *   POST /v1/admin/restore?snapshot=<id|latest>           rebuild the cluster (or one table) from R2
 *
 * The cron trigger calls `scheduledSnapshot`: a cluster snapshot when the newest one is older than
 * SNAPSHOT_INTERVAL_MINUTES (default 60; 0 turns scheduled snapshots off), then keeps the newest
 * SNAPSHOT_RETAIN (default 24) complete sets. Layout and semantics: shards/snapshot/manifest.ts and
 * shards/snapshot/cluster.ts.
 */
import { DbError } from '../../lang/errors.ts';
import { latestSnapshot, listSnapshots, pruneSnapshots, readManifest, restoreSnapshot, summarize, takeSnapshot } from '../../shards/snapshot/cluster.ts';
import type { ClusterAccess } from '../../shards/snapshot/cluster.ts';
import { isSnapshotId } from '../../shards/snapshot/manifest.ts';
import type { StorageDump } from '../../shards/snapshot/storage-dump.ts';
import { DEFAULT_PART_BYTES, MIN_PART_BYTES } from '../../shards/snapshot/r2-upload.ts';
import { Cluster } from '../cluster.ts';
import type { Env } from '../cluster.ts';
import { fail } from '../errors.ts';
import type { RouteContext, RouteDef } from '../route.ts';

/** Optional vars (wrangler.toml [vars] or --var) that tune snapshots. */
interface SnapshotVars {
  SNAPSHOT_PART_BYTES?: string;
  SNAPSHOT_INTERVAL_MINUTES?: string;
  SNAPSHOT_RETAIN?: string;
}

/** Largest part we hold in memory while uploading. */
const MAX_PART_BYTES = 64 * 1024 * 1024;

function vars(env: Env): SnapshotVars {
  return env as Env & SnapshotVars;
}

function numberVar(raw: string | undefined, fallback: number): number {
  const n = raw === undefined || raw === '' ? NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** `part_size` parameter (or SNAPSHOT_PART_BYTES) in bytes, within R2's and our memory limits. */
export function partBytes(raw: string | null, env: Env): number {
  const value = raw ?? vars(env).SNAPSHOT_PART_BYTES ?? String(DEFAULT_PART_BYTES);
  const n = Number(value);
  if (!Number.isInteger(n) || n < MIN_PART_BYTES || n > MAX_PART_BYTES) {
    fail('config', 'bad_part_size', `part_size must be an integer number of bytes from ${MIN_PART_BYTES} (R2's minimum part) to ${MAX_PART_BYTES}, got '${value}'`);
  }
  return n;
}

export function clusterAccess(cluster: Cluster): ClusterAccess {
  const { env } = cluster;
  return {
    bucket: env.SNAPSHOTS,
    async config() {
      // A fresh view each time: a restore changes the config within one request.
      const s = await new Cluster(env).state();
      return s.partitions === null ? null : { partitions: s.partitions, tables: Object.values(s.tables) };
    },
    dumpSentinel: async () => JSON.parse(await cluster.sentinel().dumpState()) as StorageDump,
    loadSentinel: (dump) => cluster.sentinel().loadState(JSON.stringify(dump)),
    snapshotPartition: (p, job) => cluster.shard(p).snapshotTables(job),
    restorePartition: (p, job) => cluster.shard(p).restoreTables(job),
  };
}

async function snapshot(c: RouteContext): Promise<Response> {
  const table = c.url.searchParams.get('table') ?? undefined;
  const manifest = await takeSnapshot(clusterAccess(c.cluster), {
    table,
    trigger: 'admin',
    partBytes: partBytes(c.url.searchParams.get('part_size'), c.env),
  });
  const parts = manifest.tables.reduce((a, t) => a + t.files.reduce((b, f) => b + f.parts, 0), 0);
  return Response.json({ message: 'snapshot written', ...summarize(manifest), multipart_parts: parts });
}

async function list(c: RouteContext): Promise<Response> {
  return Response.json({ snapshots: await listSnapshots(c.env.SNAPSHOTS) });
}

async function describe(c: RouteContext): Promise<Response> {
  const id = c.params.id;
  if (!isSnapshotId(id)) fail('config', 'unknown_snapshot', `'${id}' is not a snapshot id`);
  const m = await readManifest(c.env.SNAPSHOTS, id);
  if (!m) fail('config', 'unknown_snapshot', `snapshot '${id}' does not exist or is incomplete`);
  const detail = c.url.searchParams.get('sentinel');
  if (detail !== null && detail !== 'full') fail('config', 'bad_parameter', `sentinel= accepts only 'full', got '${detail}'`);
  const { sentinel, ...rest } = m;
  const image = sentinel && detail === null ? { tables: sentinel.tables.map((t) => t.name), kv_keys: sentinel.kv.length } : sentinel;
  return Response.json({ ...summarize(m), manifest: { ...rest, sentinel: image } });
}

async function restore(c: RouteContext): Promise<Response> {
  const which = c.url.searchParams.get('snapshot');
  if (!which) fail('config', 'missing_snapshot', "restore needs ?snapshot=<id> or ?snapshot=latest");
  if (which !== 'latest' && !isSnapshotId(which)) fail('config', 'unknown_snapshot', `'${which}' is not a snapshot id (see GET /v1/admin/snapshots)`);
  const result = await restoreSnapshot(clusterAccess(c.cluster), which);
  return Response.json({ message: 'restored', ...result });
}

/** Cron: snapshot when due, then prune old sets. Errors are logged, never thrown into the runtime. */
export async function scheduledSnapshot(env: Env, now = new Date()): Promise<void> {
  const v = vars(env);
  const interval = numberVar(v.SNAPSHOT_INTERVAL_MINUTES, 60);
  if (interval === 0) return;
  try {
    const cluster = new Cluster(env);
    const access = clusterAccess(cluster);
    if ((await access.config()) === null) return;
    const latest = await latestSnapshot(env.SNAPSHOTS, 'cluster');
    if (latest && now.getTime() - Date.parse(latest.createdAt) < interval * 60_000) return;
    await takeSnapshot(access, { trigger: 'cron', partBytes: numberVar(v.SNAPSHOT_PART_BYTES, DEFAULT_PART_BYTES), now });
    await pruneSnapshots(env.SNAPSHOTS, Math.max(1, numberVar(v.SNAPSHOT_RETAIN, 24)));
  } catch (e) {
    console.error('scheduled snapshot failed:', e instanceof DbError ? e.body : e);
  }
}

export const routes: RouteDef[] = [
  { method: 'POST', path: '/v1/admin/snapshot', handler: snapshot },
  { method: 'GET', path: '/v1/admin/snapshots', handler: list },
  { method: 'GET', path: '/v1/admin/snapshots/:id', handler: describe },
  { method: 'POST', path: '/v1/admin/restore', handler: restore },
];
