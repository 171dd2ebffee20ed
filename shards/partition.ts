/**
 * PartitionShard: one Durable Object per partition (named `p<N>`), owning the rows of every table
 * for the people hashed to it. RPC methods return Outcome values (DO RPC loses error classes);
 * only real faults throw.
 */
import { DurableObject } from 'cloudflare:workers';
import { DbError, type Outcome } from '../lang/errors.ts';
import type { TableSchema } from '../lang/schema.ts';
import { unpackBatch } from './store/delta.ts';
import type { PersonKey } from './store/directory.ts';
import { GroupCommit } from './store/group-commit.ts';
import { PartitionStore, type PartitionStats } from './store/partition-store.ts';
import { personRows, type PersonRows } from './store/person.ts';
import type { InsertCounts } from './store/table.ts';
import { ShardQueries } from './query/service.ts';
import type { QueryRequest, QueryResponse } from './query/types.ts';
import type { SegmentSummary } from './index/segments.ts';
import type { PartitionRestoreJob, PartitionSnapshotJob } from './snapshot/cluster.ts';
import type { RowSlice, WrittenFile } from './snapshot/partition-io.ts';
import * as snapshots from './snapshot/shard-ops.ts';

/** The config epochs a router's request was prepared with; `segments` null when it used no registry definition. */
export interface ConfigEpochs {
  config: number;
  segments: number | null;
}

function staleConfig(detail: string): Outcome<never> {
  return { ok: false, error: { class: 'config', message: 'stale_config', detail } };
}

function outcome<T>(fn: () => T): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (e) {
    if (e instanceof DbError) return { ok: false, error: e.body };
    throw e;
  }
}

export class PartitionShard extends DurableObject {
  private tables: PartitionStore | null = null;
  private group: GroupCommit | null = null;
  private alarmSet = false;
  private queryService: ShardQueries | null = null;

  /** Value indexes, stored segments and compiled programs of this partition (shards/query/). */
  private get queries(): ShardQueries {
    // Computed segment bitmaps are written after the query has answered (see SegmentStore).
    this.queryService ??= new ShardQueries(this.ctx.storage.sql, (write) => void setTimeout(write, 0));
    return this.queryService;
  }

  /** Tables of this partition; QUERY and SNAPSHOT use `store.table(schema)` in-process. */
  get store(): PartitionStore {
    this.tables ??= new PartitionStore(this.ctx.storage);
    return this.tables;
  }

  private get commits(): GroupCommit {
    this.group ??= new GroupCommit(this.ctx.storage);
    return this.group;
  }

  /** Highest config epoch the sentinel has announced (shards/sentinel.ts); persisted, read once. */
  private seenEpoch: number | null = null;
  /** Highest segment-registry epoch announced; persisted, read once. */
  private seenSegmentsEpoch: number | null = null;

  private get knownEpoch(): number {
    this.seenEpoch ??= this.ctx.storage.kv.get<number>('config_epoch') ?? 0;
    return this.seenEpoch;
  }

  private get knownSegmentsEpoch(): number {
    this.seenSegmentsEpoch ??= this.ctx.storage.kv.get<number>('segments_epoch') ?? 0;
    return this.seenSegmentsEpoch;
  }

  /** The sentinel announces each config or segment-registry change here before answering it. */
  async adoptEpoch(epoch: number, segmentsEpoch = 0): Promise<void> {
    if (epoch > this.knownEpoch) {
      this.ctx.storage.kv.put('config_epoch', epoch);
      this.seenEpoch = epoch;
    }
    if (segmentsEpoch > this.knownSegmentsEpoch) {
      this.ctx.storage.kv.put('segments_epoch', segmentsEpoch);
      this.seenSegmentsEpoch = segmentsEpoch;
    }
  }

  /** `stale_config` when the caller's config (or, if it used the segment registry, registry) is older than announced. */
  private staleness(epochs: ConfigEpochs | undefined): Outcome<never> | null {
    if (epochs === undefined) return null;
    if (epochs.config < this.knownEpoch) return staleConfig(`config epoch ${epochs.config} is older than ${this.knownEpoch}`);
    if (epochs.segments !== null && epochs.segments < this.knownSegmentsEpoch) {
      return staleConfig(`segment registry epoch ${epochs.segments} is older than ${this.knownSegmentsEpoch}`);
    }
    return null;
  }

  /** Schemas by their JSON text, so the same schema arriving with every insert is parsed once. */
  private readonly insertSchemas = new Map<string, TableSchema>();

  private schemaOf(json: string): TableSchema {
    let schema = this.insertSchemas.get(json);
    if (schema === undefined) {
      // Each schema change adds an entry; a few recent ones are all that is ever in use.
      if (this.insertSchemas.size >= 16) this.insertSchemas.clear();
      schema = JSON.parse(json) as TableSchema;
      this.insertSchemas.set(json, schema);
    }
    return schema;
  }

  /**
   * Stores a batch packed by `packBatch` (shards/store/delta.ts) for the table whose schema is
   * `schemaJson` (its JSON text: a string crosses RPC far cheaper than the object); resolves after
   * its SQLite transaction (shared with concurrent inserts, see GroupCommit) has committed.
   * `inserted`/`duplicates` count events, `rows` the rows stored.
   * `epoch` is the config epoch the caller's schema came from: older than an announced one → the
   * `stale_config` error and nothing stored (the router refreshes its config and retries). Callers
   * that have just read the config from the sentinel may omit it.
   */
  async insert(schemaJson: string, packed: Uint8Array, epoch?: number): Promise<Outcome<InsertCounts>> {
    if (epoch !== undefined && epoch < this.knownEpoch) {
      return { ok: false, error: { class: 'config', message: 'stale_config', detail: `config epoch ${epoch} is older than ${this.knownEpoch}` } };
    }
    const staged = outcome(() => this.store.table(this.schemaOf(schemaJson)).stage(unpackBatch(packed), packed));
    if (!staged.ok) return staged;
    await this.commits.commit(staged.value);
    await this.scheduleCompaction();
    return { ok: true, value: staged.value.counts };
  }

  /** One person's rows; `epochs` as for `query`. */
  async person(schema: TableSchema, id: PersonKey, epochs?: ConfigEpochs): Promise<Outcome<PersonRows | null>> {
    return this.staleness(epochs) ?? outcome(() => personRows(this.store.table(schema), schema, id));
  }

  /** Reclaims the column's stored data; it is never readable again, even if the name returns. */
  async dropColumn(schema: TableSchema, columnId: number): Promise<Outcome<{ dropped: boolean }>> {
    return outcome(() => {
      this.store.table(schema).dropColumn(columnId);
      return { dropped: true };
    });
  }

  async dropTable(table: string): Promise<Outcome<{ dropped: boolean }>> {
    return outcome(() => {
      this.store.dropTable(table);
      this.queries.dropTable(table);
      return { dropped: true };
    });
  }

  /**
   * Query steps (segments/event/column/histogram) over this partition: shards/query/engine.ts.
   * `epochs` are those of the caller's cached config: older than announced → `stale_config`, nothing
   * run (the router refreshes its config and asks again). Callers that just read the config may omit it.
   */
  async query(schema: TableSchema, req: QueryRequest, epochs?: ConfigEpochs): Promise<Outcome<QueryResponse>> {
    return this.staleness(epochs) ?? this.queries.query(schema, () => this.store.table(schema), req);
  }

  async listSegments(schema: TableSchema): Promise<Outcome<SegmentSummary[]>> {
    return this.queries.listSegments(schema);
  }

  async stats(): Promise<Outcome<PartitionStats & { commits: { flushes: number; inserts: number } }>> {
    return outcome(() => ({ ...this.store.stats(), commits: { flushes: this.commits.flushes, inserts: this.commits.inserts } }));
  }

  /** Snapshot (issue 5): each job table's rows → one Parquet object in R2. */
  async snapshotTables(job: PartitionSnapshotJob): Promise<Outcome<WrittenFile[]>> {
    return snapshots.snapshotTables(this.store, this.snapshotBucket, job);
  }

  /** Restore (issue 5): replace each job table's rows with its snapshot file (see shards/snapshot/). */
  async restoreTables(job: PartitionRestoreJob): Promise<Outcome<{ rows: number }>> {
    return snapshots.restoreTables(this.store, this.ctx.storage.sql, this.snapshotBucket, job);
  }

  /** Export (issue 5): whole people from `firstPerson` on, about `maxRows` rows. */
  async exportSlice(schema: TableSchema, firstPerson: number, maxRows: number): Promise<Outcome<RowSlice>> {
    return snapshots.exportSlice(this.store, schema, firstPerson, maxRows);
  }

  private get snapshotBucket(): R2Bucket {
    return (this.env as { SNAPSHOTS: R2Bucket }).SNAPSHOTS;
  }

  /** Folds pending deltas into column chunks off the insert path. */
  override async alarm(): Promise<void> {
    this.alarmSet = false;
    for (const t of this.store.compactionDue()) t.compact();
  }

  private async scheduleCompaction(): Promise<void> {
    if (this.alarmSet || this.store.compactionDue().length === 0) return;
    this.alarmSet = true;
    await this.ctx.storage.setAlarm(Date.now() + 50);
  }
}
