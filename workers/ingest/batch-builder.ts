/**
 * Accumulates validated events for one shard and produces the columnar `InsertBatch` the shard RPC
 * takes. Column arrays are created when a column first appears and holes are filled at the end, so
 * columns absent from the whole batch cost nothing.
 */
import type { BatchCell, InsertBatch } from '../../shards/store/batch.ts';
import type { ColumnLookup, ValidEvent } from './event.ts';

export class BatchBuilder {
  private readonly lookup: ColumnLookup;
  private readonly person: (string | number)[] = [];
  private readonly stamp: number[] = [];
  private readonly action: string[] = [];
  private readonly event: number[] = [];
  private readonly hash: number[] = [];
  private readonly cells: ((BatchCell | BatchCell[])[] | undefined)[];
  private events = 0;

  constructor(lookup: ColumnLookup) {
    this.lookup = lookup;
    this.cells = new Array(lookup.columns.length);
  }

  get rowCount(): number {
    return this.person.length;
  }

  get eventCount(): number {
    return this.events;
  }

  add(ev: ValidEvent): void {
    const eventNo = this.events++;
    for (const row of ev.rows) {
      const r = this.person.length;
      this.person.push(ev.person);
      this.stamp.push(ev.stamp);
      this.action.push(ev.action);
      this.event.push(eventNo);
      this.hash.push(ev.hash);
      for (let c = 0; c < row.length; c++) {
        const v = row[c];
        if (v === null || v === undefined) continue;
        let col = this.cells[c];
        if (col === undefined) col = this.cells[c] = [];
        col[r] = v;
      }
    }
  }

  build(): InsertBatch {
    const rows = this.person.length;
    const columns: InsertBatch['columns'] = {};
    this.lookup.columns.forEach((def, c) => {
      const col = this.cells[c];
      if (col === undefined) return;
      for (let r = 0; r < rows; r++) if (col[r] === undefined) col[r] = def.isSet ? [] : null;
      col.length = rows;
      columns[def.name] = { id: def.id, cells: col as BatchCell[] | BatchCell[][] };
    });
    return {
      rows,
      person: this.person,
      stamp: Float64Array.from(this.stamp),
      action: this.action,
      event: Int32Array.from(this.event),
      eventHash: Float64Array.from(this.hash),
      columns,
    };
  }
}
