/**
 * One table's rows in one partition: compacted column chunks (the base) plus deltas, one per
 * insert call, merged into stored order on read. This is the TableStore that QUERY and SNAPSHOT
 * use in-process; PartitionShard exposes it over RPC.
 */
import type { ColumnVector, RowBlock } from '../../lang/columns.ts';
import { DbError } from '../../lang/errors.ts';
import type { ColumnDef, TableSchema } from '../../lang/schema.ts';
import { checkBatch, type InsertBatch } from './batch.ts';
import { decodedColumns, type CacheEntry } from './cache.ts';
import { decodeVector, decodeVectorRange, encodeVector } from './codec.ts';
import { EventSet } from './dedup.ts';
import { decodeDelta, deltaBytes, encodeBatchDelta, pickDeltaRows, storableAsIs, type DeltaRows } from './delta.ts';
import { PersonIndex, readKeys, writeKeys, type PersonDirectory, type PersonKey } from './directory.ts';
import { mergeColumn, mergeRows, sliceBlock, type BaseCore, type DecodedDelta } from './merge.ts';
import type { MergedOrder } from './order.ts';
import { PackReader, PackWriter } from './pack.ts';
import {
  chunkColumns, countChunks, deleteChunk, deleteDeltas, deleteTableData, ensureStoreSchema, readChunk, readDelta, readDeltas, readVersion, writeChunk, writeDeltaRows, writeVersion,
  type StoreStorage,
} from './sql.ts';
import { absentVector, kindOf, vectorBytes } from './vectors.ts';

export interface InsertCounts {
  /** Events stored. */
  inserted: number;
  /** Events skipped because (person, eventHash) was already stored. */
  duplicates: number;
  /** Rows stored (a complex event is several rows). */
  rows: number;
}

export interface TableStats {
  table: string;
  rows: number;
  people: number;
  /** Delta rows not yet compacted. */
  deltaRows: number;
  deltas: number;
  chunks: number;
  /** Estimated bytes of this table's in-memory structures (directory, dedup set, decoded view). */
  residentBytes: number;
  version: number;
}

/** What QUERY and SNAPSHOT use inside the shard. */
export interface TableStore {
  readonly name: string;
  /** Changes whenever rows change; persisted, so it never repeats across restarts. */
  readonly version: number;
  /** The current schema (as last passed by the router). */
  readonly schema: TableSchema;
  /**
   * All rows, people contiguous in stored order, with only the named user columns decoded.
   * Arrays are shared with the cache: callers must not modify them. Unknown column -> DbError.
   */
  read(columns: readonly string[]): { block: RowBlock; people: PersonDirectory };
  /** Person ordinal (index into `read().people`) or undefined. */
  personIndex(id: PersonKey): number | undefined;
  /**
   * The rows of person `pid` (from `personIndex`) exactly as `read(columns)` has them, found through
   * the person directory in the chunks and the deltas that hold them: the merged view is neither
   * built nor dropped for it. Unknown column -> DbError.
   */
  readPerson(pid: number, columns: readonly string[]): RowBlock;
  /** Event hash per row, aligned with `read()`: snapshots carry it so idempotency survives a restore. */
  eventHashes(): Float64Array;
  /** Insert path: idempotent, committed to SQLite before it returns (`packed`: see `stage`). */
  appendBatch(batch: InsertBatch, packed?: Uint8Array | null): InsertCounts;
  /** Fold deltas into column chunks (also runs automatically once deltas grow). */
  compact(): void;
  /** Remove every row (e.g. before a restore). */
  clear(): void;
}

/**
 * Compaction starts once delta rows reach max(this, base rows): each row is rewritten about twice
 * over the table's growth (amortised O(1)), and deltas cost no memory meanwhile (they live in SQLite).
 */
const COMPACT_MIN_ROWS = 32768;
/** ... or once this many insert calls are pending (each is a SQLite value to decode on read/load). */
const COMPACT_MAX_DELTAS = 1024;

/** An insert between staging and commit (see ColumnarTable.stage). */
export interface StagedInsert {
  table: ColumnarTable;
  counts: InsertCounts;
  /** Person ordinal per kept row; null when every event was a duplicate (nothing to write). */
  pid: Int32Array | null;
  /** Person ordinals of the batch's people (some may have had only duplicates). */
  people: Int32Array;
  bytes: Uint8Array | null;
  /** The table version this insert produces (its delta key). */
  seq: number;
  /** The table's in-memory generation at staging; a clear or reload in between voids the insert. */
  epoch: number;
}

/** A committed delta: only its size stays in memory; its rows are read back from SQLite when needed. */
interface DeltaInfo {
  seq: number;
  rows: number;
  /** Person ordinals that may have rows in it (every person of its batch), so a person read skips the others. */
  people: Int32Array;
}

interface CachedColumn {
  vector: ColumnVector;
  entry: CacheEntry;
}

interface View {
  version: number;
  /** Null when there are no deltas (stored order = base order). */
  order: MergedOrder | null;
  /** The deltas merged into this view, decoded, for building user columns on demand. */
  deltas: DecodedDelta[];
  /** Core columns in stored order; user columns are added per read from `columns`. */
  block: RowBlock;
  people: PersonDirectory;
  columns: Map<number, CachedColumn>;
}

const COL_PEOPLE = 'people';
const COL_STAMP = 'stamp';
const COL_EVENT = 'event';
const COL_ACTION = 'action';
const COL_HASH = 'hash';

function userCol(id: number): string {
  return `c${id}`;
}

function toInt32(v: ColumnVector): Int32Array {
  if (v.kind !== 'num') throw new Error('store: expected a numeric chunk');
  return Int32Array.from(v.values);
}

function asNums(v: ColumnVector): Float64Array {
  if (v.kind !== 'num') throw new Error('store: expected a numeric chunk');
  return v.values;
}

/** Person ordinal per delta row, from the ordinal per delta key. */
function rowPids(rows: DeltaRows, byKey: Int32Array): Int32Array {
  const pid = new Int32Array(rows.rows);
  for (let i = 0; i < rows.rows; i++) pid[i] = byKey[rows.person[i]!]!;
  return pid;
}

export class ColumnarTable implements TableStore {
  readonly name: string;
  schema: TableSchema;
  private readonly storage: StoreStorage;

  private loaded = false;
  private ver = 0;
  private people = new PersonIndex();
  private events = new EventSet();
  /** Base rows per pid, in pid order. */
  private baseCount = new Int32Array(0);
  /** First base row per pid (prefix sums of baseCount), built on the first person read. */
  private baseStart: Int32Array | null = null;
  private baseRows = 0;
  private baseCore: BaseCore | null = null;
  private deltas: DeltaInfo[] = [];
  private deltaRows = 0;
  private view: View | null = null;
  /** Staged inserts not yet applied. */
  private staged = 0;
  /** Bumped whenever in-memory state is reset, so inserts staged before are dropped, not applied. */
  private epoch = 0;
  /** People with applied rows: pids at or above this belong to staged inserts only. */
  private visiblePeople = 0;

  constructor(storage: StoreStorage, schema: TableSchema) {
    this.storage = storage;
    this.name = schema.name;
    this.schema = schema;
  }

  get version(): number {
    this.load();
    return this.ver;
  }

  setSchema(schema: TableSchema): void {
    this.schema = schema;
  }

  personIndex(id: PersonKey): number | undefined {
    this.load();
    const pid = this.people.get(id);
    return pid !== undefined && pid < this.visiblePeople ? pid : undefined;
  }

  // ---- loading -------------------------------------------------------------------------------

  private load(): void {
    if (this.loaded) return;
    const sql = this.storage.sql;
    ensureStoreSchema(sql);
    this.ver = readVersion(sql, this.name);
    const peopleChunk = readChunk(sql, this.name, COL_PEOPLE);
    if (peopleChunk !== null) {
      const r = new PackReader(peopleChunk);
      const keys = readKeys(r);
      const count = r.i32s();
      for (const k of keys) this.people.getOrAdd(k);
      this.visiblePeople = keys.length;
      this.baseCount = Int32Array.from(count);
      for (let i = 0; i < count.length; i++) this.baseRows += count[i]!;
      const hashChunk = readChunk(sql, this.name, COL_HASH);
      if (hashChunk === null) throw new Error(`store: table ${this.name} has people but no hash chunk`);
      const hashes = asNums(decodeVector(hashChunk));
      this.events = new EventSet(this.baseRows);
      let row = 0;
      for (let pid = 0; pid < count.length; pid++) {
        for (let k = count[pid]!; k > 0; k--, row++) this.events.add(pid, hashes[row]!);
      }
    }
    for (const d of readDeltas(sql, this.name)) {
      const rows = decodeDelta(d.bytes);
      const byKey = this.keyPids(rows, true);
      const pid = rowPids(rows, byKey);
      for (let i = 0; i < rows.rows; i++) this.events.add(pid[i]!, rows.hash[i]!);
      this.pushDelta(d.seq, pid, byKey);
    }
    this.loaded = true;
  }

  /** Person ordinal per delta key (adding unknown people only while loading). */
  private keyPids(rows: DeltaRows, add: boolean): Int32Array {
    const byKey = new Int32Array(rows.keys.length);
    for (let k = 0; k < rows.keys.length; k++) {
      const key = rows.keys[k]!;
      const pid = add ? this.people.getOrAdd(key) : this.people.get(key);
      if (pid === undefined) throw new Error(`store: table ${this.name} has a delta row of an unknown person`);
      byKey[k] = pid;
    }
    return byKey;
  }

  /** `people`: the pids that may have rows in the delta (see DeltaInfo). */
  private pushDelta(seq: number, pid: Int32Array, people: Int32Array): void {
    for (let i = 0; i < pid.length; i++) if (pid[i]! >= this.visiblePeople) this.visiblePeople = pid[i]! + 1;
    this.deltas.push({ seq, rows: pid.length, people });
    this.deltaRows += pid.length;
  }

  /** The committed deltas, decoded from SQLite in arrival order. */
  private decodeDeltas(): DecodedDelta[] {
    const out: DecodedDelta[] = [];
    for (const d of readDeltas(this.storage.sql, this.name)) {
      if (d.seq > this.ver) continue;
      const rows = decodeDelta(d.bytes);
      out.push({ rows, pid: rowPids(rows, this.keyPids(rows, false)) });
    }
    if (out.length !== this.deltas.length) throw new Error(`store: table ${this.name} expected ${this.deltas.length} deltas, found ${out.length}`);
    return out;
  }

  /** Forget everything in memory; the next call reloads from SQLite (after a failed transaction). */
  private unload(): void {
    this.epoch++;
    this.loaded = false;
    this.ver = 0;
    this.people = new PersonIndex();
    this.events = new EventSet();
    this.baseCount = new Int32Array(0);
    this.baseStart = null;
    this.baseRows = 0;
    this.baseCore = null;
    this.deltas = [];
    this.deltaRows = 0;
    this.staged = 0;
    this.visiblePeople = 0;
    this.dropView();
  }

  private dropView(): void {
    if (this.view === null) return;
    for (const c of this.view.columns.values()) decodedColumns.remove(c.entry);
    this.view = null;
  }

  // ---- insert --------------------------------------------------------------------------------

  appendBatch(batch: InsertBatch, packed: Uint8Array | null = null): InsertCounts {
    const staged = this.stage(batch, packed);
    if (staged.pid === null) return staged.counts;
    try {
      this.storage.transactionSync(() => this.writeStaged(staged));
    } catch (e) {
      this.unload();
      throw e;
    }
    this.applyStaged(staged);
    return staged.counts;
  }

  /**
   * First half of an insert: idempotency checks and encoding, no SQL. The staged rows count as
   * present for later stages (so one event sent twice before a commit is stored once) but are not
   * readable until applied. If the write fails the caller must call `abandon()`. `packed` is the
   * batch's packed form when it came over RPC: stored unchanged when every row is kept.
   */
  stage(batch: InsertBatch, packed: Uint8Array | null = null): StagedInsert {
    checkBatch(batch);
    this.load();
    const n = batch.rows;
    let pick: Int32Array | null = null;
    let rowPid: Int32Array | null = null;
    let kept = 0;
    let inserted = 0;
    let duplicates = 0;
    try {
      // Each distinct person of the batch is looked up once.
      const pidOf = new Int32Array(batch.people.length);
      for (let k = 0; k < pidOf.length; k++) pidOf[k] = this.people.getOrAdd(batch.people[k]!);
      rowPid = new Int32Array(n);
      for (let a = 0; a < n; ) {
        const p = batch.person[a]!;
        const ev = batch.event[a]!;
        let b = a + 1;
        while (b < n && batch.event[b] === ev && batch.person[b] === p) b++;
        const pid = pidOf[p]!;
        if (this.events.add(pid, batch.eventHash[a]!)) {
          if (pick !== null) for (let r = a; r < b; r++) pick[kept + r - a] = r;
          for (let r = a; r < b; r++) rowPid[kept++] = pid;
          inserted++;
        } else {
          // The first duplicate: from here on only some rows are kept.
          if (pick === null) {
            pick = new Int32Array(n);
            for (let r = 0; r < kept; r++) pick[r] = r;
          }
          duplicates++;
        }
        a = b;
      }
      const counts = { inserted, duplicates, rows: kept };
      if (kept === 0) return { table: this, counts, pid: null, people: pidOf, bytes: null, seq: 0, epoch: this.epoch };
      const bytes = pick === null && packed !== null && storableAsIs(this.schema, batch, packed)
        ? packed
        : encodeBatchDelta(this.schema, batch, pick === null ? null : pick.subarray(0, kept));
      this.staged++;
      return { table: this, counts, pid: rowPid.subarray(0, kept), people: pidOf, bytes, seq: this.ver + this.staged, epoch: this.epoch };
    } catch (e) {
      this.unload();
      throw e;
    }
  }

  /** Second half: the SQL write (the caller wraps one or more of these in a transaction). */
  writeStaged(s: StagedInsert): void {
    if (s.bytes !== null && s.epoch === this.epoch) writeDeltaRows(this.storage.sql, this.name, s.seq, s.bytes);
  }

  /** After the write committed: make the rows readable. Staged inserts are applied in stage order. */
  applyStaged(s: StagedInsert): void {
    if (s.pid === null || s.epoch !== this.epoch) return;
    this.staged--;
    this.ver = s.seq;
    this.pushDelta(s.seq, s.pid, s.people);
    this.dropView();
  }

  /** A staged write failed: forget all in-memory state; the next use reloads what SQLite holds. */
  abandon(): void {
    this.unload();
  }

  /** True when pending deltas are worth folding into chunks. */
  needsCompaction(): boolean {
    if (!this.loaded || this.deltas.length === 0 || this.staged > 0) return false;
    return this.deltaRows >= Math.max(COMPACT_MIN_ROWS, this.baseRows) || this.deltas.length >= COMPACT_MAX_DELTAS;
  }

  // ---- reading -------------------------------------------------------------------------------

  private loadBaseCore(): BaseCore {
    if (this.baseCore !== null) return this.baseCore;
    const sql = this.storage.sql;
    let core: BaseCore;
    if (this.baseRows === 0) {
      core = { stamp: new Float64Array(0), event: new Int32Array(0), action: { codes: new Int32Array(0), dict: [] } };
    } else {
      const stamp = readChunk(sql, this.name, COL_STAMP);
      const event = readChunk(sql, this.name, COL_EVENT);
      const action = readChunk(sql, this.name, COL_ACTION);
      if (stamp === null || event === null || action === null) throw new Error(`store: table ${this.name} is missing core chunks`);
      const av = decodeVector(action);
      if (av.kind !== 'text') throw new Error('store: action chunk is not text');
      core = { stamp: asNums(decodeVector(stamp)), event: toInt32(decodeVector(event)), action: { codes: av.codes, dict: av.dict } };
    }
    this.baseCore = core;
    return core;
  }

  private ensureView(): View {
    this.load();
    if (this.view !== null && this.view.version === this.ver) return this.view;
    this.dropView();
    const base = this.loadBaseCore();
    const P = this.visiblePeople;
    const ids = this.people.ids.slice(0, P);
    let view: View;
    if (this.deltas.length === 0) {
      const start = new Int32Array(P);
      const end = new Int32Array(P);
      let at = 0;
      for (let p = 0; p < P; p++) {
        start[p] = at;
        at += p < this.baseCount.length ? this.baseCount[p]! : 0;
        end[p] = at;
      }
      view = {
        version: this.ver,
        order: null,
        deltas: [],
        block: { length: this.baseRows, stamp: base.stamp, event: base.event, action: base.action, columns: new Map() },
        people: { ids, start, end },
        columns: new Map(),
      };
    } else {
      const deltas = this.decodeDeltas();
      const merged = mergeRows(P, this.baseCount, base, deltas, this.schema.zOrder);
      const order = merged.order;
      view = {
        version: this.ver,
        order,
        deltas,
        block: { length: order.perm.length, stamp: merged.stamp, event: order.event, action: merged.action, columns: new Map() },
        people: { ids, start: order.start, end: order.end },
        columns: new Map(),
      };
    }
    this.view = view;
    return view;
  }

  /** A user column in stored order, from the base chunk and the deltas. */
  private buildColumn(def: ColumnDef, view: View): ColumnVector {
    const order = view.order;
    const kind = kindOf(def);
    const chunk = this.baseRows > 0 ? readChunk(this.storage.sql, this.name, userCol(def.id)) : null;
    let base = chunk === null ? absentVector(kind, this.baseRows) : decodeVector(chunk);
    if (base.kind !== kind) base = absentVector(kind, this.baseRows);
    if (order === null) return base;
    return mergeColumn(def.id, kind, base, view.deltas, order.perm);
  }

  private column(view: View, def: ColumnDef): ColumnVector {
    const hit = view.columns.get(def.id);
    if (hit !== undefined) {
      decodedColumns.touch(hit.entry);
      return hit.vector;
    }
    const vector = this.buildColumn(def, view);
    const entry: CacheEntry = { bytes: vectorBytes(vector), evict: () => view.columns.delete(def.id) };
    view.columns.set(def.id, { vector, entry });
    decodedColumns.add(entry);
    return vector;
  }

  private columnDef(name: string): ColumnDef {
    const def = this.schema.columns.find((c) => c.name === name);
    if (def === undefined) throw new DbError('query', 'unknown_column', `column '${name}' does not exist in table '${this.name}'`);
    return def;
  }

  read(columns: readonly string[]): { block: RowBlock; people: PersonDirectory } {
    // Merging that many deltas costs about what folding them does, and folding is paid once.
    if (this.needsCompaction()) this.fold(true);
    const view = this.ensureView();
    const out = new Map<string, ColumnVector>();
    for (const name of columns) out.set(name, this.column(view, this.columnDef(name)));
    const b = view.block;
    return { block: { length: b.length, stamp: b.stamp, event: b.event, action: b.action, columns: out }, people: view.people };
  }

  readPerson(pid: number, columns: readonly string[]): RowBlock {
    this.load();
    const defs = columns.map((name) => this.columnDef(name));
    if (pid < 0 || pid >= this.visiblePeople) throw new Error(`store: table ${this.name} has no person ${pid}`);
    if (this.view !== null && this.view.version === this.ver) {
      const { block, people } = this.read(columns);
      return sliceBlock(block, people.start[pid]!, people.end[pid]!);
    }
    const sql = this.storage.sql;
    const from = this.baseStartOf(pid);
    const n = pid < this.baseCount.length ? this.baseCount[pid]! : 0;
    const to = from + n;
    const chunk = (col: string): Uint8Array | null => (n > 0 ? readChunk(sql, this.name, col) : null);
    let base: BaseCore = { stamp: new Float64Array(0), event: new Int32Array(0), action: { codes: new Int32Array(0), dict: [] } };
    if (n > 0) {
      const stamp = chunk(COL_STAMP);
      const event = chunk(COL_EVENT);
      const action = chunk(COL_ACTION);
      if (stamp === null || event === null || action === null) throw new Error(`store: table ${this.name} is missing core chunks`);
      const av = decodeVectorRange(action, from, to);
      if (av.kind !== 'text') throw new Error('store: action chunk is not text');
      base = { stamp: asNums(decodeVectorRange(stamp, from, to)), event: toInt32(decodeVectorRange(event, from, to)), action: { codes: av.codes, dict: av.dict } };
    }
    const deltas = this.personDeltas(pid);
    const merged = mergeRows(1, Int32Array.of(n), base, deltas, this.schema.zOrder);
    const out = new Map<string, ColumnVector>();
    for (const def of defs) {
      const kind = kindOf(def);
      const bytes = chunk(userCol(def.id));
      let v = bytes === null ? absentVector(kind, n) : decodeVectorRange(bytes, from, to);
      if (v.kind !== kind) v = absentVector(kind, n);
      out.set(def.name, mergeColumn(def.id, kind, v, deltas, merged.order.perm));
    }
    return { length: merged.order.perm.length, stamp: merged.stamp, event: merged.order.event, action: merged.action, columns: out };
  }

  private baseStartOf(pid: number): number {
    if (this.baseStart === null) {
      const start = new Int32Array(this.baseCount.length + 1);
      for (let p = 0; p < this.baseCount.length; p++) start[p + 1] = start[p]! + this.baseCount[p]!;
      this.baseStart = start;
    }
    return pid < this.baseCount.length ? this.baseStart[pid]! : this.baseRows;
  }

  /** The person's rows of each committed delta that has any, in arrival order (pid 0: one person). */
  private personDeltas(pid: number): DecodedDelta[] {
    const key = this.people.ids[pid]!;
    const out: DecodedDelta[] = [];
    for (const d of this.deltas) {
      if (d.people.indexOf(pid) < 0) continue;
      const bytes = readDelta(this.storage.sql, this.name, d.seq);
      if (bytes === null) throw new Error(`store: table ${this.name} is missing delta ${d.seq}`);
      const rows = decodeDelta(bytes);
      const k = rows.keys.indexOf(key);
      if (k < 0) continue;
      let count = 0;
      for (let i = 0; i < rows.rows; i++) if (rows.person[i] === k) count++;
      const pick = new Int32Array(count);
      for (let i = 0, at = 0; i < rows.rows; i++) if (rows.person[i] === k) pick[at++] = i;
      out.push({ rows: pickDeltaRows(rows, pick), pid: new Int32Array(count) });
    }
    return out;
  }

  eventHashes(): Float64Array {
    const view = this.ensureView();
    if (view.order !== null) return this.orderedHashes(view);
    if (this.baseRows === 0) return new Float64Array(0);
    const chunk = readChunk(this.storage.sql, this.name, COL_HASH);
    if (chunk === null) throw new Error(`store: table ${this.name} has no hash chunk`);
    return asNums(decodeVector(chunk));
  }

  // ---- compaction ----------------------------------------------------------------------------

  /** No-op while inserts are staged (their people would enter the base without rows). */
  compact(): void {
    this.load();
    // Keep decoded rows in memory afterwards only if readers were using them.
    this.fold(this.view !== null && this.view.version === this.ver);
  }

  private fold(beingRead: boolean): void {
    if (this.deltas.length === 0 || this.staged > 0) return;
    const view = this.ensureView();
    const order = view.order!;
    const sql = this.storage.sql;
    const count = new Int32Array(view.people.ids.length);
    for (let p = 0; p < count.length; p++) count[p] = view.people.end[p]! - view.people.start[p]!;
    const hashes = this.orderedHashes(view);
    try {
      this.storage.transactionSync(() => {
        // User columns first: each is rebuilt from its old chunk before that chunk is replaced.
        const keep = new Set<string>();
        for (const def of this.schema.columns) {
          const cached = view.columns.get(def.id);
          const v = cached !== undefined ? cached.vector : this.buildColumn(def, view);
          const col = userCol(def.id);
          keep.add(col);
          deleteChunk(sql, this.name, col);
          writeChunk(sql, this.name, col, encodeVector(v));
        }
        for (const col of chunkColumns(sql, this.name)) if (!keep.has(col)) deleteChunk(sql, this.name, col);
        deleteDeltas(sql, this.name);
        writeVersion(sql, this.name, this.ver);
        const w = new PackWriter(64 + count.length * 24);
        writeKeys(w, view.people.ids);
        w.i32s(count);
        writeChunk(sql, this.name, COL_PEOPLE, w.finish());
        writeChunk(sql, this.name, COL_HASH, encodeVector({ kind: 'num', values: hashes }));
        writeChunk(sql, this.name, COL_STAMP, encodeVector({ kind: 'num', values: view.block.stamp }));
        writeChunk(sql, this.name, COL_EVENT, encodeVector({ kind: 'num', values: Float64Array.from(view.block.event) }));
        writeChunk(sql, this.name, COL_ACTION, encodeVector({ kind: 'text', ...view.block.action }));
      });
    } catch (e) {
      this.unload();
      throw e;
    }
    this.baseCount = count;
    this.baseStart = null;
    this.baseRows = order.perm.length;
    this.deltas = [];
    this.deltaRows = 0;
    if (beingRead) {
      // The view's rows are exactly the new base, so it stays valid with the identity order.
      this.baseCore = { stamp: view.block.stamp, event: view.block.event, action: view.block.action };
      view.order = null;
      view.deltas = [];
    } else {
      this.baseCore = null;
      this.dropView();
    }
  }

  private orderedHashes(view: View): Float64Array {
    const order = view.order!;
    const B = this.baseRows;
    let baseHashes: Float64Array = new Float64Array(0);
    if (B > 0) {
      const chunk = readChunk(this.storage.sql, this.name, COL_HASH);
      if (chunk === null) throw new Error(`store: table ${this.name} has no hash chunk`);
      baseHashes = asNums(decodeVector(chunk));
    }
    const all = new Float64Array(B + this.deltaRows);
    all.set(baseHashes);
    let at = B;
    for (const d of view.deltas) {
      all.set(d.rows.hash, at);
      at += d.rows.rows;
    }
    const out = new Float64Array(order.perm.length);
    for (let i = 0; i < out.length; i++) out[i] = all[order.perm[i]!]!;
    return out;
  }

  // ---- removal -------------------------------------------------------------------------------

  /** Drop a column's data for good: rewrite without it, so neither chunks nor deltas keep it. */
  dropColumn(columnId: number): void {
    this.load();
    this.schema = { ...this.schema, columns: this.schema.columns.filter((c) => c.id !== columnId) };
    if (this.deltas.length > 0) this.compact();
    deleteChunk(this.storage.sql, this.name, userCol(columnId));
    if (this.view !== null) {
      const c = this.view.columns.get(columnId);
      if (c !== undefined) decodedColumns.remove(c.entry);
      this.view.columns.delete(columnId);
    }
  }

  clear(): void {
    this.load();
    const version = this.ver + 1;
    this.storage.transactionSync(() => {
      deleteTableData(this.storage.sql, this.name);
      writeVersion(this.storage.sql, this.name, version);
    });
    this.unload();
    this.loaded = true;
    this.ver = version;
  }

  // ---- introspection -------------------------------------------------------------------------

  stats(): TableStats {
    this.load();
    let resident = this.people.bytes() + this.events.bytes() + this.baseCount.byteLength;

    if (this.baseCore !== null) {
      resident += this.baseCore.stamp.byteLength + this.baseCore.event.byteLength + this.baseCore.action.codes.byteLength;
    }
    const v = this.view;
    if (v !== null) {
      for (const d of v.deltas) resident += deltaBytes(d.rows) + d.pid.byteLength;
      if (v.order !== null) {
        resident += v.order.perm.byteLength + v.block.stamp.byteLength + v.block.event.byteLength + v.block.action.codes.byteLength;
      }
      resident += v.people.start.byteLength + v.people.end.byteLength + v.people.ids.length * 8;
      for (const c of v.columns.values()) resident += c.entry.bytes;
    }
    return {
      table: this.name,
      rows: this.baseRows + this.deltaRows,
      people: this.visiblePeople,
      deltaRows: this.deltaRows,
      deltas: this.deltas.length,
      chunks: countChunks(this.storage.sql, this.name),
      residentBytes: resident,
      version: this.ver,
    };
  }
}
