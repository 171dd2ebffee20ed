/**
 * One person's rows as plain values, for the person endpoint (GET /v1/query/{table}/person):
 * stored order, with the event number so the router can fold complex events back into nested `_`.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import type { TableSchema } from '../../lang/schema.ts';
import type { PersonKey } from './directory.ts';
import type { TableStore } from './table.ts';

export type PersonScalar = number | string | boolean;
export type PersonValue = PersonScalar | PersonScalar[];

export interface PersonRow {
  /** Epoch ms. */
  stamp: number;
  action: string;
  /** Event ordinal within the person (0-based); rows of one complex event share it. */
  event: number;
  /** Present attributes only (absent values and empty sets are left out), in schema column order. */
  values: Record<string, PersonValue>;
}

export interface PersonRows {
  id: PersonKey;
  rows: PersonRow[];
}

function cell(v: ColumnVector, row: number, asBool: boolean): PersonValue | undefined {
  switch (v.kind) {
    case 'num': {
      const x = v.values[row]!;
      if (x !== x) return undefined;
      return asBool ? x !== 0 : x;
    }
    case 'text': {
      const c = v.codes[row]!;
      return c < 0 ? undefined : v.dict[c]!;
    }
    case 'numset': {
      const from = v.offsets[row]!;
      const to = v.offsets[row + 1]!;
      if (from === to) return undefined;
      const out: PersonScalar[] = [];
      for (let i = from; i < to; i++) out.push(asBool ? v.values[i] !== 0 : v.values[i]!);
      return out;
    }
    case 'textset': {
      const from = v.offsets[row]!;
      const to = v.offsets[row + 1]!;
      if (from === to) return undefined;
      const out: PersonScalar[] = [];
      for (let i = from; i < to; i++) out.push(v.dict[v.codes[i]!]!);
      return out;
    }
  }
}

/**
 * The person's rows, or null when the partition has no rows for them. Reads only that person's rows
 * (TableStore.readPerson), so a read right after an insert does not rebuild the table's merged view.
 */
export function personRows(store: TableStore, schema: TableSchema, id: PersonKey): PersonRows | null {
  const pid = store.personIndex(id);
  if (pid === undefined) return null;
  const block = store.readPerson(pid, schema.columns.map((c) => c.name));
  const rows: PersonRow[] = [];
  for (let r = 0; r < block.length; r++) {
    const values: Record<string, PersonValue> = {};
    for (const def of schema.columns) {
      const v = cell(block.columns.get(def.name)!, r, def.type === 'bool');
      if (v !== undefined) values[def.name] = v;
    }
    rows.push({ stamp: block.stamp[r]!, action: block.action.dict[block.action.codes[r]!]!, event: block.event[r]!, values });
  }
  return { id, rows };
}
