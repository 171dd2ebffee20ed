/**
 * Lazily built value indexes of one shard, keyed by table and column and valid for one table
 * version. Bounded (least recently used goes first) because the isolate's memory is shared.
 */
import type { ColumnType } from '../../lang/schema.ts';
import type { ColumnVector } from '../../lang/columns.ts';
import { buildValueIndex, type PersonRanges, type ValueIndex } from './values.ts';

const MAX_ENTRIES = 24;

export class IndexCache {
  private readonly entries = new Map<string, { version: string; index: ValueIndex }>();

  /** The index of `column` at `version`, building it from `load()` when missing or stale. */
  get(table: string, column: string, type: ColumnType, version: string, load: () => { vec: ColumnVector; people: PersonRanges }): ValueIndex {
    const key = `${table}\u0000${column}`;
    const hit = this.entries.get(key);
    if (hit !== undefined && hit.version === version) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit.index;
    }
    const { vec, people } = load();
    const index = buildValueIndex(type, vec, people);
    this.entries.delete(key);
    this.entries.set(key, { version, index });
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    return index;
  }

  dropTable(table: string): void {
    for (const k of [...this.entries.keys()]) if (k.startsWith(`${table}\u0000`)) this.entries.delete(k);
  }
}
