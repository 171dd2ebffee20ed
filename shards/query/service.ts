/**
 * The query side of one PartitionShard: owns the shard's value-index cache, segment store and
 * compiled-program cache, and turns thrown DbErrors into Outcome values for RPC.
 */
import { DbError } from '../../lang/errors.ts';
import type { Outcome } from '../../lang/errors.ts';
import type { TableSchema } from '../../lang/schema.ts';
import type { Program } from '../../lang/index.ts';
import { IndexCache } from '../index/cache.ts';
import type { QuerySql } from '../index/query-sql.ts';
import { SegmentStore, type DeferWrite, type SegmentSummary } from '../index/segments.ts';
import { runQuery, type RowSource } from './engine.ts';
import type { QueryRequest, QueryResponse } from './types.ts';

function outcome<T>(f: () => T): Outcome<T> {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    if (e instanceof DbError) return { ok: false, error: e.body };
    const detail = e instanceof Error ? e.message : String(e);
    console.error('query fault:', e);
    return { ok: false, error: { class: 'run_time', message: 'internal_error', detail: `shard query failed: ${detail}` } };
  }
}

export class ShardQueries {
  private readonly indexes = new IndexCache();
  private readonly segments: SegmentStore;
  private readonly programs = new Map<string, Program>();

  constructor(sql: QuerySql, deferWrite: DeferWrite | null = null) {
    this.segments = new SegmentStore(sql, deferWrite);
  }

  /** `source` is called inside the error boundary (opening a table can fail with a DbError). */
  query(schema: TableSchema, source: () => RowSource, req: QueryRequest): Outcome<QueryResponse> {
    return outcome(() => runQuery({ indexes: this.indexes, segments: this.segments, programs: this.programs }, schema, source(), req));
  }

  listSegments(schema: TableSchema): Outcome<SegmentSummary[]> {
    return outcome(() => this.segments.list(schema.name));
  }

  /** Forget everything about a dropped table. */
  dropTable(table: string): void {
    this.segments.dropTable(table);
    this.indexes.dropTable(table);
  }
}
