/**
 * StoreStorage over Node's built-in SQLite, shaped like a Durable Object's ctx.storage: BLOBs come
 * back as ArrayBuffer, transactionSync rolls back on a throw. Lets the store run in plain Node tests.
 */
import { DatabaseSync } from 'node:sqlite';
import type { StoreCursor, StoreStorage } from '../../shards/store/sql.ts';

function toBinding(v: unknown): null | number | bigint | string | Uint8Array {
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (v === null || typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint' || v instanceof Uint8Array) return v;
  throw new Error(`node-sql: cannot bind ${typeof v}`);
}

function fromValue(v: unknown): unknown {
  if (v instanceof Uint8Array) return v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength);
  return v;
}

export interface NodeStorage extends StoreStorage {
  db: DatabaseSync;
  /** Fail the next `n`th statement (counting from 1) with an error, to test rollback. */
  failAfter(n: number): void;
}

export function nodeStorage(path = ':memory:'): NodeStorage {
  const db = new DatabaseSync(path);
  let failIn = 0;
  const exec = (query: string, ...bindings: unknown[]): StoreCursor => {
    if (failIn > 0 && --failIn === 0) throw new Error('injected failure');
    const stmt = db.prepare(query);
    const rows = stmt.all(...bindings.map(toBinding)).map((r) => {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(r as Record<string, unknown>)) out[k] = fromValue(v);
      return out;
    });
    return {
      [Symbol.iterator]: () => rows[Symbol.iterator](),
      raw: () => rows.map((r) => Object.values(r))[Symbol.iterator](),
      toArray: () => rows,
      one: () => {
        if (rows.length !== 1) throw new Error(`expected one row, got ${rows.length}`);
        return rows[0]!;
      },
    };
  };
  return {
    db,
    failAfter(n: number) {
      failIn = n;
    },
    sql: {
      exec,
      get databaseSize() {
        const page = Number((db.prepare('PRAGMA page_size').get() as { page_size: number }).page_size);
        const count = Number((db.prepare('PRAGMA page_count').get() as { page_count: number }).page_count);
        return page * count;
      },
    },
    transactionSync<T>(fn: () => T): T {
      db.exec('BEGIN');
      try {
        const out = fn();
        db.exec('COMMIT');
        return out;
      } catch (e) {
        db.exec('ROLLBACK');
        throw e;
      }
    },
  };
}
