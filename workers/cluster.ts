/**
 * The router's view of the cluster for one request: the sentinel's config (cached per isolate and
 * revalidated with one cheap `state(version)` call per request, so a schema change is never served
 * stale) and stubs for the sentinel and the partition shards.
 */
import type { TableSchema } from '../lang/schema.ts';
import type { PartitionShard } from '../shards/partition.ts';
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

  constructor(env: Env) {
    this.env = env;
  }

  sentinel(): DurableObjectStub<Sentinel> {
    return this.env.SENTINEL.get(idOf(this.env.SENTINEL, SENTINEL_NAME));
  }

  shard(partition: number): DurableObjectStub<PartitionShard> {
    return this.env.PARTITIONS.get(idOf(this.env.PARTITIONS, 'p' + partition));
  }

  /** The current config; fetched at most once per request. */
  async state(): Promise<ClusterState> {
    if (this.current !== null) return this.current;
    const fresh = await this.sentinel().state(cached?.version ?? null);
    if (fresh !== null) cached = fresh as ClusterState;
    this.current = cached as ClusterState;
    return this.current;
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

  /** Drops this request's view and reads the config from the sentinel again. */
  async refresh(): Promise<void> {
    this.current = null;
    await this.state();
  }

  async schema(table: string): Promise<TableSchema> {
    await this.partitions();
    const t = (await this.state()).tables[table];
    if (t === undefined) fail('config', 'unknown_table', `table '${table}' does not exist`);
    return t;
  }
}
