/**
 * Parquet (our snapshot layout, see parquet-schema.ts) → InsertBatch, one bounded batch at a time,
 * so a restore appends a partition of any size through the store's ordinary insert path.
 */
import { parquetMetadataAsync, parquetScan, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, DecodedArray, FileMetaData } from 'hyparquet';
import type { TableSchema } from '../../lang/schema.ts';
import { BatchWriter, type InsertBatch } from '../store/batch.ts';
import { kindOf } from '../store/vectors.ts';
import { ACTION, EVENT, EVENT_HASH, PERSON, PERSON_INT, STAMP } from './parquet-schema.ts';

/** Timestamps come back as epoch-ms numbers instead of Date objects. */
export const NUMERIC_TIMESTAMPS = {
  timestampFromMilliseconds: (v: bigint): number => Number(v),
  timestampFromMicroseconds: (v: bigint): number => Number(v / 1000n),
  timestampFromNanoseconds: (v: bigint): number => Number(v / 1_000_000n),
};

export const DEFAULT_BATCH_ROWS = 32_768;

/** Top-level column names of a Parquet file. */
export function parquetColumnNames(metadata: FileMetaData): string[] {
  return parquetSchema(metadata).children.map((c) => c.element.name);
}

/** Row ranges of the file's row groups. */
export function rowGroupRanges(metadata: FileMetaData): { rowStart: number; rowEnd: number }[] {
  const out: { rowStart: number; rowEnd: number }[] = [];
  let groupStart = 0;
  for (const group of metadata.row_groups) {
    const groupEnd = groupStart + Number(group.num_rows);
    if (groupEnd > groupStart) out.push({ rowStart: groupStart, rowEnd: groupEnd });
    groupStart = groupEnd;
  }
  return out;
}

function num(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** A non-null stored value as the batch takes it: numbers (bools as 0/1) or text. */
function cell(v: unknown): number | string {
  if (typeof v === 'string') return v;
  return typeof v === 'boolean' ? (v ? 1 : 0) : num(v);
}

/**
 * Read a snapshot file as InsertBatches of at most `maxRows` rows (an event larger than that stays
 * whole), columns matched to `table` by name. Our writer never lets an event span row groups, so each
 * row group is decoded once and cut at event boundaries.
 */
export async function* readSnapshotBatches(
  file: AsyncBuffer,
  table: TableSchema,
  maxRows = DEFAULT_BATCH_ROWS,
): AsyncGenerator<InsertBatch> {
  const metadata = await parquetMetadataAsync(file);
  const present = new Set(parquetColumnNames(metadata));
  for (const required of [STAMP, ACTION, EVENT, EVENT_HASH]) {
    if (!present.has(required)) throw new Error(`snapshot file lacks column ${required}`);
  }
  const userCols = table.columns.filter((c) => present.has(c.name));
  const columns = [PERSON, PERSON_INT, STAMP, ACTION, EVENT, EVENT_HASH, ...userCols.map((c) => c.name)].filter((c) => present.has(c));
  const scan = await parquetScan({ file, metadata, columns, parsers: NUMERIC_TIMESTAMPS });
  for (const range of rowGroupRanges(metadata)) {
    const read = (column: string) => scan.readColumn({ column, ...range });
    const groupRows = range.rowEnd - range.rowStart;
    const personText = present.has(PERSON) ? await read(PERSON) : null;
    const personInt = present.has(PERSON_INT) ? await read(PERSON_INT) : null;
    const eventIn = await read(EVENT);
    const ids: (string | number)[] = new Array(groupRows);
    for (let i = 0; i < groupRows; i++) {
      const text = personText ? (personText[i] as string | null) : null;
      const id = text ?? (personInt && personInt[i] !== null ? num(personInt[i]) : null);
      if (id === null) throw new Error(`snapshot row ${range.rowStart + i} has no person`);
      ids[i] = id;
    }
    const newEvent = (i: number) => i === 0 || ids[i] !== ids[i - 1] || eventIn[i] !== eventIn[i - 1];
    const stampIn = await read(STAMP);
    const actionIn = await read(ACTION);
    const hashIn = await read(EVENT_HASH);
    const userIn: DecodedArray[] = [];
    for (const col of userCols) userIn.push(await read(col.name));

    const slots = userCols.map((col) => ({ id: col.id, kind: kindOf(col) }));
    for (let from = 0; from < groupRows; ) {
      let to = Math.min(groupRows, from + maxRows);
      while (to < groupRows && !newEvent(to)) to++;
      const w = new BatchWriter(slots);
      let ordinal = -1;
      for (let r = from; r < to; r++) {
        // Event numbers in a batch only need to tell events apart.
        if (r === from || newEvent(r)) ordinal++;
        w.row(ids[r]!, num(stampIn[r]), actionIn[r] as string, ordinal, num(hashIn[r]));
        slots.forEach((slot, c) => {
          const v = userIn[c]![r];
          if (v === null || v === undefined) return;
          if (slot.kind === 'num') w.num(c, cell(v) as number);
          else if (slot.kind === 'text') w.text(c, cell(v) as string);
          else for (const x of v as unknown[]) if (x !== null && x !== undefined) w.element(c, cell(x));
        });
      }
      yield w.finish();
      from = to;
    }
  }
}
