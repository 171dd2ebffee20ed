/**
 * The router's view of the cluster for one request: the sentinel's config (cached per isolate and
 * revalidated with one cheap `state(version)` call per request, so a schema change is never served
 * stale) and stubs for the sentinel and the partition shards. Queries and inserts skip that call:
 * they use the cached config and send its epochs to the shards, which reject a stale one
 * (`stale_config`, see PartitionShard), and the request is then redone with a revalidated config
 * (`withCachedConfig`, `insertTarget`).
 */
import type { TableSchema } from '../lang/schema.ts';
import { DbError } from '../lang/errors.ts';
import type { ConfigEpochs, PartitionShard } from '../shards/partition.ts';
import { SENTINEL_NAME, type ClusterState, type Sentinel } from '../shards/sentinel.ts';
import { fail } from './errors.ts';

export interface Env {
  PARTITIONS: DurableObjectNamespace<PartitionShard>;
  SENTINEL: DurableObjectNamespace<Sentinel>;
  SNAPSHOTS: R2Bucket;
  CLUSTER_SECRET: string;
}

let cached: ClusterState | null = null;

export interface InsertTarget {
  schema: TableSchema;
  partitions: number;
  /** Config epoch the schema belongs to. */
  epoch: number;
}

/**
 * Durable Object ids by name, per isolate: `idFromName` hashes the name every time, and ids (unlike
 * stubs) are plain values that may outlive a request. Keyed per namespace object.
 */
type Namespace = DurableObjectNamespace<PartitionShard> | DurableObjectNamespace<Sentinel>;
const ids = new WeakMap<Namespace, Map<string, DurableObjectId>>();

function idOf(ns: Namespace, name: string): DurableObjectId {
  let byName = ids.get(ns);
  if (byName === undefined) ids.set(ns, (byName = new Map()));
  let id = byName.get(name);
  if (id === undefined) byName.set(name, (id = ns.idFromName(name)));
  return id;
}

export class Cluster {
  readonly env: Env;
  private current: ClusterState | null = null;
  /** The sentinel was asked during this request (the config is as current as it gets). */
  private revalidated = false;
  /** Inside `withCachedConfig`: `state()` may answer from the isolate's cache. */
  private trustCache = false;

  constructor(env: Env) {
    this.env = env;
  }

  sentinel(): DurableObjectStub<Sentinel> {
    return this.env.SENTINEL.get(idOf(this.env.SENTINEL, SENTINEL_NAME));
  }

  shard(partition: number): DurableObjectStub<PartitionShard> {
    return this.env.PARTITIONS.get(idOf(this.env.PARTITIONS, 'p' + partition));
  }

  /** The config; fetched at most once per request (answered from the cache inside `withCachedConfig`). */
  async state(): Promise<ClusterState> {
    if (this.current !== null) return this.current;
    if (this.trustCache && cached !== null) return (this.current = cached);
    return this.revalidate();
  }

  private async revalidate(): Promise<ClusterState> {
    const fresh = await this.sentinel().state(cached?.version ?? null);
    if (fresh !== null) cached = fresh as ClusterState;
    this.revalidated = true;
    return (this.current = cached as ClusterState);
  }

  /**
   * Runs `fn` against the isolate's cached config (no sentinel round trip). If it fails with a
   * DbError (a shard's `stale_config`, or a validation error that a newer schema or segment registry
   * might not give) and the config has changed meanwhile, `fn` runs once more against the current one;
   * otherwise the error stands. `fn` must be safe to repeat.
   */
  async withCachedConfig<T>(fn: () => Promise<T>): Promise<T> {
    this.trustCache = true;
    try {
      return await fn();
    } catch (e) {
      if (!(e instanceof DbError) || this.revalidated) throw e;
      const seen = this.current?.version;
      const fresh = await this.revalidate();
      if (fresh.version === seen) throw e;
      return fn();
    } finally {
      this.trustCache = false;
    }
  }

  /** Epochs of the config this request uses, for the shards' staleness check. */
  async epochs(usesSegmentRegistry: boolean): Promise<ConfigEpochs> {
    const s = await this.state();
    return { config: s.epoch, segments: usesSegmentRegistry ? s.segmentsEpoch : null };
  }

  /** A config the sentinel just returned (after a change this request made) replaces the cached one unless that is newer. */
  adopt(s: ClusterState): void {
    if (cached !== null && (cached.epoch > s.epoch || cached.segmentsEpoch > s.segmentsEpoch)) return;
    cached = s;
    this.current = s;
  }

  async partitions(): Promise<number> {
    const s = await this.state();
    if (s.partitions === null) fail('config', 'cluster_not_initialised', 'the cluster is not initialised: PUT /v1/cluster/init?partitions=N first');
    return s.partitions;
  }

  /**
   * For the insert path: the table's schema from the isolate's cached config without a sentinel round
   * trip (shards check `epoch`, see PartitionShard.insert); the sentinel is asked only when nothing
   * cached answers, or after `refresh()`.
   */
  async insertTarget(table: string): Promise<InsertTarget> {
    const s = this.current ?? cached;
    const t = s?.tables[table];
    if (s !== null && s.partitions !== null && t !== undefined) return { schema: t, partitions: s.partitions, epoch: s.epoch };
    const schema = await this.schema(table);
    const fresh = await this.state();
    return { schema, partitions: fresh.partitions as number, epoch: fresh.epoch };
  }

  /** Reads the config from the sentinel again. */
  async refresh(): Promise<void> {
    await this.revalidate();
  }

  async schema(table: string): Promise<TableSchema> {
    await this.partitions();
    const t = (await this.state()).tables[table];
    if (t === undefined) fail('config', 'unknown_table', `table '${table}' does not exist`);
    return t;
  }
}
