/**
 * The rows the router sends to one shard in one insert RPC: already validated, coerced to column
 * types and expanded (complex events become several rows sharing `event`). Columnar so a batch of
 * 10,000 rows crosses the RPC boundary as a few arrays instead of 10,000 objects.
 */
export type BatchCell = number | string | boolean | null;

export interface BatchColumn {
  /** Column storage slot (`ColumnDef.id`), so a dropped-then-re-added name never mixes data. */
  id: number;
  /** Scalar columns: one cell per row (null = absent). Set columns: one array per row (empty = absent). */
  cells: BatchCell[] | BatchCell[][];
}

export interface InsertBatch {
  /** Number of rows. */
  rows: number;
  /** Person per row: lower-cased string id or integer id (integer ids are their own namespace). */
  person: (string | number)[];
  /** Epoch ms per row. */
  stamp: Float64Array;
  action: string[];
  /** Event number within this batch per row; rows of one complex event share it and are consecutive. */
  event: Int32Array;
  /**
   * Identity of the event a row belongs to (same for all its rows): a hash of person, stamp, action and
   * every coerced attribute. Re-inserting an identical event is a no-op (idempotent insert).
   */
  eventHash: Float64Array;
  /** User columns by name; columns absent from the whole batch are omitted. */
  columns: Record<string, BatchColumn>;
}
