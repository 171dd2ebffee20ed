/**
 * A JSON image of a Durable Object's whole storage (SQLite tables + KV pairs), so the sentinel's
 * state — cluster config, schemas, segment definitions, triggers, whatever its owners add later —
 * travels in a snapshot manifest without this module knowing its layout.
 */

/** JSON-safe tagged value: binary, Maps, Sets, typed arrays, Dates and bigints survive the trip. */
export type Tagged =
  | null
  | boolean
  | number
  | string
  | Tagged[]
  | { $t: 'bytes'; b64: string }
  | { $t: 'typed'; kind: string; b64: string }
  | { $t: 'map'; entries: [Tagged, Tagged][] }
  | { $t: 'set'; values: Tagged[] }
  | { $t: 'date'; ms: number }
  | { $t: 'bigint'; v: string }
  | { $t: 'num'; v: string }
  | { $t: 'undefined' }
  | { $t: 'object'; fields: Record<string, Tagged> };

export interface SqlTableDump {
  name: string;
  /** The CREATE statement as sqlite_master holds it. */
  create: string;
  columns: string[];
  rows: Tagged[][];
}

export interface StorageDump {
  tables: SqlTableDump[];
  /** CREATE INDEX statements, run after the rows are in. */
  indexes: string[];
  kv: [string, Tagged][];
}

/** The parts of DurableObjectStorage this module uses (a real one satisfies it). */
export interface DumpableStorage {
  sql: {
    exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[]; raw(): IterableIterator<unknown[]>; columnNames: string[] };
  };
  list(): Promise<Map<string, unknown>>;
  put(entries: Record<string, unknown>): Promise<void>;
  deleteAll(): Promise<void>;
}

const TYPED: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array,
};

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function fromB64(b64: string): Uint8Array {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export function encodeValue(v: unknown): Tagged {
  if (v === null) return null;
  if (v === undefined) return { $t: 'undefined' };
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : { $t: 'num', v: String(v) };
  if (typeof v === 'bigint') return { $t: 'bigint', v: v.toString() };
  if (v instanceof ArrayBuffer) return { $t: 'bytes', b64: toB64(new Uint8Array(v)) };
  if (ArrayBuffer.isView(v)) {
    const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    return { $t: 'typed', kind: v.constructor.name, b64: toB64(bytes) };
  }
  if (Array.isArray(v)) return v.map(encodeValue);
  if (v instanceof Map) return { $t: 'map', entries: [...v].map(([k, x]) => [encodeValue(k), encodeValue(x)]) };
  if (v instanceof Set) return { $t: 'set', values: [...v].map(encodeValue) };
  if (v instanceof Date) return { $t: 'date', ms: v.getTime() };
  if (typeof v === 'object') {
    const fields: Record<string, Tagged> = {};
    for (const [k, x] of Object.entries(v)) fields[k] = encodeValue(x);
    return { $t: 'object', fields };
  }
  throw new Error(`storage dump: cannot encode a ${typeof v}`);
}

export function decodeValue(t: Tagged): unknown {
  if (t === null || typeof t !== 'object') return t;
  if (Array.isArray(t)) return t.map(decodeValue);
  switch (t.$t) {
    case 'undefined':
      return undefined;
    case 'num':
      return Number(t.v);
    case 'bigint':
      return BigInt(t.v);
    case 'bytes':
      return fromB64(t.b64).buffer;
    case 'typed': {
      const ctor = TYPED[t.kind];
      if (!ctor) throw new Error(`storage dump: unknown typed array ${t.kind}`);
      return new ctor(fromB64(t.b64).buffer as ArrayBuffer);
    }
    case 'map':
      return new Map(t.entries.map(([k, x]) => [decodeValue(k), decodeValue(x)]));
    case 'set':
      return new Set(t.values.map(decodeValue));
    case 'date':
      return new Date(t.ms);
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(t.fields)) out[k] = decodeValue(x);
      return out;
    }
  }
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Internal tables (SQLite's own, Cloudflare's `_cf_*`) are never dumped or dropped. */
const USER_OBJECTS = "name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\'";

export async function dumpStorage(storage: DumpableStorage): Promise<StorageDump> {
  const tables: SqlTableDump[] = [];
  const masters = storage.sql.exec(`SELECT name, sql FROM sqlite_master WHERE type = 'table' AND ${USER_OBJECTS} ORDER BY name`).toArray();
  for (const m of masters) {
    const name = String(m.name);
    const cursor = storage.sql.exec(`SELECT * FROM ${quote(name)}`);
    const rows: Tagged[][] = [];
    for (const row of cursor.raw()) rows.push(row.map(encodeValue));
    tables.push({ name, create: String(m.sql), columns: cursor.columnNames, rows });
  }
  const indexes = storage.sql
    .exec(`SELECT sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND ${USER_OBJECTS} ORDER BY name`)
    .toArray()
    .map((r) => String(r.sql));
  const kv: [string, Tagged][] = [...(await storage.list())].map(([k, v]) => [k, encodeValue(v)]);
  return { tables, indexes, kv };
}

/** Replace everything in `storage` with the dump. */
export async function loadStorage(storage: DumpableStorage, dump: StorageDump): Promise<void> {
  await storage.deleteAll();
  // deleteAll may leave SQL tables on some runtimes: drop what is left before recreating.
  const left = storage.sql.exec(`SELECT name FROM sqlite_master WHERE type = 'table' AND ${USER_OBJECTS}`).toArray();
  for (const t of left) storage.sql.exec(`DROP TABLE IF EXISTS ${quote(String(t.name))}`);
  for (const table of dump.tables) {
    storage.sql.exec(table.create);
    if (!table.rows.length) continue;
    const insert = `INSERT INTO ${quote(table.name)} (${table.columns.map(quote).join(', ')}) VALUES (${table.columns.map(() => '?').join(', ')})`;
    for (const row of table.rows) storage.sql.exec(insert, ...row.map(decodeValue));
  }
  for (const sql of dump.indexes) storage.sql.exec(sql);
  for (let i = 0; i < dump.kv.length; i += 128) {
    const entries: Record<string, unknown> = {};
    for (const [k, v] of dump.kv.slice(i, i + 128)) entries[k] = decodeValue(v);
    await storage.put(entries);
  }
}
