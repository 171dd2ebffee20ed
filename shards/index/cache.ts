/**
 * Lazily built value indexes, keyed by shard, table and column and valid for one table version.
 * Every shard of the isolate shares one byte budget (the isolate's 128 MB is shared by all Durable
 * Objects it hosts); the least recently used index goes first.
 */
import type { ColumnType } from '../../lang/schema.ts';
import type { ColumnVector } from '../../lang/columns.ts';
import { buildValueIndex, type PersonRanges, type ValueIndex } from './values.ts';

/** Bytes of value indexes kept per isolate. */
export const INDEX_BUDGET_BYTES = 24 * 1024 * 1024;

interface Entry {
  version: string;
  index: ValueIndex;
  bytes: number;
}

const entries = new Map<string, Entry>();
let usedBytes = 0;
let nextCacheId = 1;

function indexBytes(ix: ValueIndex): number {
  let keyBytes = 0;
  for (const k of ix.keys) keyBytes += typeof k === 'string' ? 32 + 2 * k.length : 16;
  return ix.members.byteLength + ix.offsets.byteLength + keyBytes + ((ix.people + 31) >>> 3);
}

function evict(key: string): void {
  const e = entries.get(key);
  if (e === undefined) return;
  entries.delete(key);
  usedBytes -= e.bytes;
}

export class IndexCache {
  private readonly id = nextCacheId++;

  /** The index of `column` at `version`, building it from `load()` when missing or stale. */
  get(table: string, column: string, type: ColumnType, version: string, load: () => { vec: ColumnVector; people: PersonRanges }): ValueIndex {
    const key = `${this.id}\u0000${table}\u0000${column}`;
    const hit = entries.get(key);
    if (hit !== undefined && hit.version === version) {
      entries.delete(key);
      entries.set(key, hit);
      return hit.index;
    }
    evict(key);
    const { vec, people } = load();
    const index = buildValueIndex(type, vec, people);
    const bytes = indexBytes(index);
    entries.set(key, { version, index, bytes });
    usedBytes += bytes;
    // Keep at least the index just built, even when it alone exceeds the budget.
    for (const k of entries.keys()) {
      if (usedBytes <= INDEX_BUDGET_BYTES || k === key) break;
      evict(k);
    }
    return index;
  }

  dropTable(table: string): void {
    const prefix = `${this.id}\u0000${table}\u0000`;
    for (const k of [...entries.keys()]) if (k.startsWith(prefix)) evict(k);
  }

  /** Bytes held by every IndexCache of this isolate. */
  static usedBytes(): number {
    return usedBytes;
  }
}
