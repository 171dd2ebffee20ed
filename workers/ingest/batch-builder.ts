/**
 * Accumulates validated events for one shard into a compact `InsertBatch` (typed arrays plus one
 * string table, shards/store/batch.ts), packed into the one byte array the shard RPC takes. Columns are created when a row first
 * sets them, so columns absent from the whole batch cost nothing.
 */
import { BatchWriter, type BatchSlot } from '../../shards/store/batch.ts';
import { packBatch } from '../../shards/store/delta.ts';
import { kindOf } from '../../shards/store/vectors.ts';
import type { Scalar } from './coerce.ts';
import type { ColumnLookup, ValidEvent } from './event.ts';

/** The batch slots of a table's columns, by column position (what `ValidEvent` rows are indexed by). */
export function batchSlots(lookup: ColumnLookup): BatchSlot[] {
  return lookup.columns.map((def) => ({ id: def.id, kind: kindOf(def) }));
}

function asNumber(x: Scalar): number {
  return typeof x === 'boolean' ? (x ? 1 : 0) : (x as number);
}

export class BatchBuilder {
  private readonly slots: readonly BatchSlot[];
  private readonly w: BatchWriter;
  private events = 0;

  /** `slots` from `batchSlots(lookup)` of the lookup the events were validated with. */
  constructor(slots: readonly BatchSlot[]) {
    this.slots = slots;
    this.w = new BatchWriter(slots);
  }

  get rowCount(): number {
    return this.w.rows;
  }

  get eventCount(): number {
    return this.events;
  }

  add(ev: ValidEvent): void {
    const eventNo = this.events++;
    const w = this.w;
    for (const row of ev.rows) {
      w.row(ev.person, ev.stamp, ev.action, eventNo, ev.hash);
      for (let c = 0; c < row.length; c++) {
        const v = row[c];
        if (v === null || v === undefined) continue;
        const kind = this.slots[c]!.kind;
        if (kind === 'num') w.num(c, asNumber(v as Scalar));
        else if (kind === 'text') w.text(c, v as string);
        else if (Array.isArray(v)) {
          for (const x of v) w.element(c, kind === 'numset' ? asNumber(x) : (x as string));
        }
      }
    }
  }

  /** The batch packed for the shard's insert RPC. */
  pack(): Uint8Array {
    return packBatch(this.w.finish());
  }
}
