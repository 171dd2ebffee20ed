/**
 * The one in-memory representation of stored rows, shared by the store (which decodes into it),
 * PyQL (which runs over it without copying) and snapshots (which encode from it).
 *
 * A RowBlock holds the rows of many people; each person's rows are contiguous and in stored
 * order (stamp, then z-order, then arrival). A PersonSlice names one person's range.
 */

/** One decoded column. Absent values: NaN for numbers, -1 for text codes, an empty range for sets. */
export type ColumnVector =
  /** int, double and bool (0/1) columns; ints are exact up to 2^53. */
  | { kind: 'num'; values: Float64Array }
  /** text columns: codes index `dict`. */
  | { kind: 'text'; codes: Int32Array; dict: string[] }
  /** numeric set columns: row i holds values[offsets[i] .. offsets[i+1]). */
  | { kind: 'numset'; offsets: Int32Array; values: Float64Array }
  /** text set columns: row i holds codes[offsets[i] .. offsets[i+1]) into `dict`. */
  | { kind: 'textset'; offsets: Int32Array; codes: Int32Array; dict: string[] };

export interface RowBlock {
  /** Number of rows. */
  length: number;
  /** Epoch milliseconds per row. */
  stamp: Float64Array;
  /** Event ordinal per row, increasing within a person; the rows of one complex event share it. */
  event: Int32Array;
  /** The built-in `action` column. */
  action: { codes: Int32Array; dict: string[] };
  /** User columns by name; a block carries only the columns a reader asked for. */
  columns: Map<string, ColumnVector>;
}

export interface PersonSlice {
  block: RowBlock;
  /** First row of the person in `block`. */
  start: number;
  /** One past the person's last row. */
  end: number;
  /** The person id: lower-cased string id, or integer id. */
  id: string | number;
}
