/**
 * The sentinel: one Durable Object (named `sentinel`) holding the cluster config in its SQLite storage —
 * partition count, node identity, tables with their schemas, z-order and the column id counter.
 * Every change replaces `version` with a fresh random token, so routers can cache the config and
 * check it with one cheap call (`state(knownVersion)`), and a restored older image is never mistaken
 * for the current one. Every change also raises `epoch` and tells every partition shard the new epoch
 * before it answers, so the insert path can skip the sentinel: the router sends its cached epoch with
 * each shard insert and a shard that has seen a newer one rejects it (`stale_config`). The segment
 * registry has its own counter (`segmentsEpoch`, raised when a definition changes, announced the same
 * way), so redefining a segment does not make inserts retry; queries check both.
 * RPC methods return Outcome values (error classes do not survive RPC).
 */
import { DurableObject } from 'cloudflare:workers';
import type { ErrorBody, Outcome } from '../lang/errors.ts';
import { isReservedName } from '../lang/schema.ts';
import type { ColumnDef, TableSchema } from '../lang/schema.ts';
import { columnNameProblem, definitionProblem, tableNameProblem, typeProblem, type ColumnSpec } from './schema-rules.ts';
import { dumpStorage, loadStorage, type StorageDump } from './snapshot/storage-dump.ts';
import { SegmentRegistry, type DueSegments } from './query/registry.ts';
import type { SegmentDef } from './query/types.ts';
import type { PartitionShard } from './partition.ts';

export const SENTINEL_NAME = 'sentinel';
export const MAX_PARTITIONS = 1000;

export interface ClusterState {
  /** Random token replaced on every change. */
  version: string;
  /** Counter raised on every change (never lowered, even by a restore); shards reject inserts made with an older one. */
  epoch: number;
  /** Counter raised whenever a segment definition changes; shards reject queries made with an older one. */
  segmentsEpoch: number;
  /** The segment registry: every table's registered `@segment` definitions, by name. */
  segments: Record<string, SegmentDef[]>;
  /** Null until `PUT /v1/cluster/init`. */
  partitions: number | null;
  /** This node's identity, created at init. */
  node: string | null;
  tables: Record<string, TableSchema>;
}

function ok<T>(value: T): Outcome<T> {
  return { ok: true, value };
}

function err<T>(message: string, detail: string): Outcome<T> {
  const error: ErrorBody = { class: 'config', message, detail };
  return { ok: false, error };
}

export class Sentinel extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    const sql = ctx.storage.sql;
    sql.exec('CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL)');
    sql.exec('CREATE TABLE IF NOT EXISTS tables (name TEXT PRIMARY KEY, schema TEXT NOT NULL, created INTEGER NOT NULL)');
  }

  private get(key: string): string | null {
    const rows = this.ctx.storage.sql.exec<{ value: string }>('SELECT value FROM config WHERE key = ?', key).toArray();
    return rows.length === 0 ? null : rows[0].value;
  }

  private set(key: string, value: string): void {
    this.ctx.storage.sql.exec('INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
  }

  /** Kept in memory too: every router request asks for it, and every change goes through bump(). */
  private currentVersion: string | null = null;

  private version(): string {
    if (this.currentVersion !== null) return this.currentVersion;
    let v = this.get('version');
    if (v === null) {
      v = crypto.randomUUID();
      this.set('version', v);
    }
    this.currentVersion = v;
    return v;
  }

  private bump(): void {
    const v = crypto.randomUUID();
    this.set('version', v);
    this.set('epoch', String(this.epoch() + 1));
    this.currentVersion = v;
  }

  private epoch(): number {
    return Number(this.get('epoch') ?? '0');
  }

  private segmentsEpoch(): number {
    return Number(this.get('segments_epoch') ?? '0');
  }

  /** A segment definition changed: a new version (routers reload) and segments epoch, not a config epoch. */
  private bumpSegments(): void {
    const v = crypto.randomUUID();
    this.set('version', v);
    this.set('segments_epoch', String(this.segmentsEpoch() + 1));
    this.currentVersion = v;
  }

  /** Tells every partition shard the current epochs; called after each change, before answering. */
  private async announce(): Promise<void> {
    const partitions = this.partitions();
    if (partitions === null) return;
    const epoch = this.epoch();
    const segmentsEpoch = this.segmentsEpoch();
    const ns = (this.env as { PARTITIONS: DurableObjectNamespace<PartitionShard> }).PARTITIONS;
    await Promise.all(Array.from({ length: partitions }, (_, p) => ns.get(ns.idFromName('p' + p)).adoptEpoch(epoch, segmentsEpoch)));
  }

  private readTable(name: string): TableSchema | null {
    const rows = this.ctx.storage.sql.exec<{ schema: string }>('SELECT schema FROM tables WHERE name = ?', name).toArray();
    return rows.length === 0 ? null : (JSON.parse(rows[0].schema) as TableSchema);
  }

  private writeTable(schema: TableSchema, created: number): void {
    this.ctx.storage.sql.exec(
      'INSERT INTO tables (name, schema, created) VALUES (?, ?, ?) ON CONFLICT(name) DO UPDATE SET schema = excluded.schema',
      schema.name, JSON.stringify(schema), created,
    );
  }

  /** Column ids come from one cluster-wide counter and are never handed out twice. */
  private nextColumnId(): number {
    const id = Number(this.get('next_column_id') ?? '1');
    this.set('next_column_id', String(id + 1));
    return id;
  }

  private partitions(): number | null {
    const p = this.get('partitions');
    return p === null ? null : Number(p);
  }

  private requireTable(name: string): TableSchema | ErrorBody {
    if (this.partitions() === null) return { class: 'config', message: 'cluster_not_initialised', detail: 'the cluster is not initialised: PUT /v1/cluster/init?partitions=N first' };
    const t = this.readTable(name);
    if (t === null) return { class: 'config', message: 'unknown_table', detail: `table '${name}' does not exist` };
    return t;
  }

  /** The whole config, or null when the caller's `known` version is still current. */
  async state(known: string | null): Promise<ClusterState | null> {
    const version = this.version();
    if (known === version) return null;
    const tables: Record<string, TableSchema> = {};
    for (const row of this.ctx.storage.sql.exec<{ name: string; schema: string }>('SELECT name, schema FROM tables ORDER BY created, name')) {
      tables[row.name] = JSON.parse(row.schema) as TableSchema;
    }
    const segments: Record<string, SegmentDef[]> = {};
    for (const name of Object.keys(tables)) segments[name] = SegmentRegistry.of(this.ctx.storage.sql).list(name);
    return { version, epoch: this.epoch(), segmentsEpoch: this.segmentsEpoch(), partitions: this.partitions(), node: this.get('node'), tables, segments };
  }

  /** Snapshot (issue 5): the whole storage as JSON text (a StorageDump), so config, segments and triggers travel with a snapshot. */
  async dumpState(): Promise<string> {
    return JSON.stringify(await dumpStorage(this.ctx.storage));
  }

  /** Restore (issue 5): replace all storage with a snapshot's image; a fresh version makes every router reload. */
  async loadState(json: string): Promise<void> {
    const before = this.epoch();
    const segmentsBefore = this.segmentsEpoch();
    await loadStorage(this.ctx.storage, JSON.parse(json) as StorageDump);
    // The image's epochs may be older than what shards have seen: continue from the larger. The
    // config epoch rises too (bump), which alone makes every query of an older router stale.
    this.set('epoch', String(Math.max(before, this.epoch())));
    this.set('segments_epoch', String(Math.max(segmentsBefore, this.segmentsEpoch())));
    this.bump();
    await this.announce();
  }

  async init(partitions: number): Promise<Outcome<{ partitions: number; node: string }>> {
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
      return err('bad_partitions', `partitions must be an integer from 1 to ${MAX_PARTITIONS}, got ${partitions}`);
    }
    const existing = this.partitions();
    if (existing !== null) return err('already_initialised', `the cluster is already initialised with ${existing} partitions`);
    const node = crypto.randomUUID();
    this.ctx.storage.transactionSync(() => {
      this.set('partitions', String(partitions));
      this.set('node', node);
      this.bump();
    });
    await this.announce();
    return ok({ partitions, node });
  }

  async createTable(name: string, columns: ColumnSpec[], zOrder: string[]): Promise<Outcome<TableSchema>> {
    if (this.partitions() === null) return err('cluster_not_initialised', 'the cluster is not initialised: PUT /v1/cluster/init?partitions=N first');
    const nameErr = tableNameProblem(name);
    if (nameErr !== null) return err('bad_table_name', nameErr);
    const defErr = definitionProblem(columns, zOrder);
    if (defErr !== null) return err('bad_column', defErr);
    if (this.readTable(name) !== null) return err('table_exists', `table '${name}' already exists`);
    const schema = this.ctx.storage.transactionSync((): TableSchema => {
      const defs: ColumnDef[] = columns.map((c) => ({ name: c.name, type: c.type, isSet: c.isSet, id: this.nextColumnId() }));
      const created: TableSchema = { name, columns: defs, zOrder: [...zOrder] };
      this.writeTable(created, Date.now());
      this.bump();
      return created;
    });
    await this.announce();
    return ok(schema);
  }

  async addColumn(table: string, spec: ColumnSpec): Promise<Outcome<TableSchema>> {
    const t = this.requireTable(table);
    if ('message' in t) return { ok: false, error: t };
    const problem = columnNameProblem(spec.name) ?? typeProblem(spec.name, spec.type);
    if (problem !== null) return err('bad_column', problem);
    if (t.columns.some((c) => c.name === spec.name)) return err('column_exists', `column '${spec.name}' already exists in table '${table}'`);
    const schema: TableSchema = { ...t, columns: [...t.columns] };
    this.ctx.storage.transactionSync(() => {
      schema.columns.push({ name: spec.name, type: spec.type, isSet: spec.isSet, id: this.nextColumnId() });
      this.writeTable(schema, 0);
      this.bump();
    });
    await this.announce();
    return ok(schema);
  }

  async dropColumn(table: string, column: string): Promise<Outcome<{ schema: TableSchema; dropped: ColumnDef }>> {
    const t = this.requireTable(table);
    if ('message' in t) return { ok: false, error: t };
    const dropped = t.columns.find((c) => c.name === column);
    if (dropped === undefined) {
      if (isReservedName(column)) return err('reserved_column', `column '${column}' is built in and cannot be dropped`);
      return err('unknown_column', `column '${column}' does not exist in table '${table}'`);
    }
    const schema: TableSchema = { ...t, columns: t.columns.filter((c) => c.name !== column) };
    this.ctx.storage.transactionSync(() => {
      this.writeTable(schema, 0);
      this.bump();
    });
    await this.announce();
    return ok({ schema, dropped });
  }

  // Segment registry (issue 4): definitions of computed segments, kept in shards/query/registry.ts;
  // routers read them with the config (`state`).
  /**
   * Records definitions computed at `now`. When one is new or changed the registry's epoch rises,
   * every shard hears of it before this answers, and the new config comes back (null when only
   * refresh clocks moved).
   */
  async putSegmentDefs(table: string, defs: SegmentDef[], now: number): Promise<ClusterState | null> {
    const sql = this.ctx.storage.sql;
    const redefined = this.ctx.storage.transactionSync(() => {
      const changed = SegmentRegistry.of(sql).put(table, defs, now);
      if (changed) this.bumpSegments();
      return changed;
    });
    if (!redefined) return null;
    await this.announce();
    return this.state(null);
  }

  async dueSegments(now: number): Promise<DueSegments[]> {
    return SegmentRegistry.of(this.ctx.storage.sql).due(now);
  }
}
