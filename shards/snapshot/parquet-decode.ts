/**
 * Parquet (our snapshot layout, see parquet-schema.ts) → InsertBatch, one bounded batch at a time,
 * so a restore appends a partition of any size through the store's ordinary insert path.
 */
import { parquetMetadataAsync, parquetScan, parquetSchema } from 'hyparquet';
import type { AsyncBuffer, DecodedArray, FileMetaData } from 'hyparquet';
import type { TableSchema } from '../../lang/schema.ts';
import type { BatchCell, BatchColumn, InsertBatch } from '../store/batch.ts';
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

function cell(v: unknown, type: string): BatchCell {
  if (v === null || v === undefined) return null;
  if (type === 'int' || type === 'double') return num(v);
  return v as BatchCell;
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

    for (let from = 0; from < groupRows; ) {
      let to = Math.min(groupRows, from + maxRows);
      while (to < groupRows && !newEvent(to)) to++;
      const rows = to - from;
      const stamp = new Float64Array(rows);
      const action: string[] = new Array(rows);
      const event = new Int32Array(rows);
      const eventHash = new Float64Array(rows);
      let ordinal = -1;
      for (let i = 0; i < rows; i++) {
        // Event numbers in a batch only need to tell events apart.
        if (i === 0 || newEvent(from + i)) ordinal++;
        event[i] = ordinal;
        stamp[i] = num(stampIn[from + i]);
        action[i] = actionIn[from + i] as string;
        eventHash[i] = num(hashIn[from + i]);
      }
      const batchColumns: Record<string, BatchColumn> = {};
      userCols.forEach((col, c) => {
        const values = userIn[c];
        if (col.isSet) {
          const cells: BatchCell[][] = new Array(rows);
          for (let i = 0; i < rows; i++) {
            const v = values[from + i] as unknown[] | null;
            cells[i] = v ? v.map((x) => cell(x, col.type)) : [];
          }
          batchColumns[col.name] = { id: col.id, cells };
        } else {
          const cells: BatchCell[] = new Array(rows);
          for (let i = 0; i < rows; i++) cells[i] = cell(values[from + i], col.type);
          batchColumns[col.name] = { id: col.id, cells };
        }
      });
      yield { rows, person: ids.slice(from, to), stamp, action, event, eventHash, columns: batchColumns };
      from = to;
    }
  }
}
