/**
 * Parquet → the same event objects a JSON insert body holds, so a Parquet import goes through the
 * ordinary validation, coercion and routing path. Columns are matched by name:
 * - person: `person`, else `id`, else `__person_int` (our export's integer ids);
 * - stamp: `stamp`, else `event_time` (TIMESTAMP columns become ISO strings, so no seconds/ms guess);
 * - action: `action`, else `event`;
 * - every other column is an attribute in `_` (LIST columns become arrays, i.e. set values);
 *   columns the table does not have are ignored and counted by the insert path as for JSON.
 * Files written by our export carry `__event`: consecutive rows of one person sharing it are folded
 * back into one complex event (shared attributes on top, the rest in a nested `_` list).
 * Events come out in batches of bounded size; each remembers the file row it started at so
 * rejections can name the row.
 */
import { parquetMetadataAsync, parquetScan, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, DecodedArray } from 'hyparquet';

export const PARQUET_CONTENT_TYPE = 'application/vnd.apache.parquet';
export const DEFAULT_IMPORT_BATCH = 5_000;

export type EventObject = Record<string, unknown>;

export interface ParquetEventBatch {
  events: EventObject[];
  /** File row each event starts at (aligned with `events`). */
  rows: number[];
}

const BUILTIN_HELPERS = new Set(['__person_int', '__event', '__event_hash']);

/** Plain JSON values: bigints become numbers, Dates epoch ms, byte arrays are dropped, lists mapped. */
function plain(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.getTime();
  if (v instanceof Uint8Array) return null;
  if (Array.isArray(v)) return v.map(plain);
  return v;
}

function stampValue(v: unknown): unknown {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? null : v.toISOString();
  return plain(v);
}

function firstPresent(names: string[], present: Set<string>): string | null {
  for (const n of names) if (present.has(n)) return n;
  return null;
}

interface OpenGroup {
  person: unknown;
  ordinal: unknown;
  stamp: unknown;
  action: unknown;
  row: number;
  attrs: Record<string, unknown>[];
}

function sameValue(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => x === b[i]);
  return a === b;
}

/** One event from the rows of a group: a single row stays flat; several fold into a nested `_`. */
function eventOf(g: OpenGroup, personKey: string): EventObject {
  const event: EventObject = { [personKey]: g.person, stamp: g.stamp, action: g.action };
  if (g.attrs.length === 1) {
    event._ = g.attrs[0];
    return event;
  }
  const shared: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g.attrs[0])) {
    if (g.attrs.every((a) => k in a && sameValue(a[k], v))) shared[k] = v;
  }
  shared._ = g.attrs.map((a) => {
    const own: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) if (!(k in shared)) own[k] = v;
    return own;
  });
  event._ = shared;
  return event;
}

/** Read a Parquet file as event batches of about `batchEvents` events; memory stays at one row group. */
export async function* parquetEventBatches(file: AsyncBuffer, batchEvents = DEFAULT_IMPORT_BATCH): AsyncGenerator<ParquetEventBatch> {
  const metadata = await parquetMetadataAsync(file);
  const names = parquetSchema(metadata).children.map((c) => c.element.name);
  const present = new Set(names);
  const personCols = ['person', 'id', '__person_int'].filter((n) => present.has(n));
  const stampCol = firstPresent(['stamp', 'event_time'], present);
  const actionCol = firstPresent(['action', 'event'], present);
  const grouped = present.has('__event');
  const used = new Set<string>([...personCols, ...(stampCol ? [stampCol] : []), ...(actionCol ? [actionCol] : [])]);
  const attrCols = names.filter((n) => !used.has(n) && !BUILTIN_HELPERS.has(n));
  const scan = await parquetScan({ file, metadata, columns: names });

  let out: ParquetEventBatch = { events: [], rows: [] };
  let open: OpenGroup | null = null;
  const close = () => {
    if (open) {
      out.events.push(eventOf(open, 'person'));
      out.rows.push(open.row);
      open = null;
    }
  };

  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const rowStart = groupStart;
    const rowEnd = groupStart + Number(group.num_rows);
    groupStart = rowEnd;
    if (rowEnd === rowStart) continue;
    const read = (column: string | null): Promise<DecodedArray | null> =>
      column ? scan.readColumn({ column, rowStart, rowEnd }) : Promise.resolve(null);
    const persons: DecodedArray[] = [];
    for (const c of personCols) persons.push((await read(c))!);
    const stamps = await read(stampCol);
    const actions = await read(actionCol);
    const ordinals = grouped ? await read('__event') : null;
    const attrs: DecodedArray[] = [];
    for (const c of attrCols) attrs.push((await read(c))!);

    for (let i = 0; i < rowEnd - rowStart; i++) {
      let person: unknown = null;
      for (const col of persons) {
        if (col[i] !== null && col[i] !== undefined) {
          person = plain(col[i]);
          break;
        }
      }
      const stamp = stamps ? stampValue(stamps[i]) : null;
      const action = actions ? plain(actions[i]) : null;
      const row: Record<string, unknown> = {};
      for (let c = 0; c < attrCols.length; c++) {
        const v = plain(attrs[c][i]);
        if (v !== null) row[attrCols[c]] = v;
      }
      const ordinal = ordinals ? ordinals[i] : null;
      const g: OpenGroup | null = open;
      if (g && ordinals && g.person === person && g.ordinal === ordinal && g.stamp === stamp && g.action === action) {
        g.attrs.push(row);
        continue;
      }
      close();
      if (out.events.length >= batchEvents) {
        yield out;
        out = { events: [], rows: [] };
      }
      open = { person, ordinal, stamp, action, row: rowStart + i, attrs: [row] };
      // Without grouping every row is its own event: close it right away.
      if (!ordinals) close();
    }
  }
  close();
  if (out.events.length) yield out;
}
