/**
 * What the router sends a shard for a query, and what comes back. One RPC per shard per request:
 * a request is a list of steps run in order (a batch query is several steps; `segments` steps come
 * first so later steps can use what they computed).
 */
import type { PartialTree } from '../../lang/result.ts';
import type { ColumnPartial, ColumnQuery } from './column.ts';
import type { HistogramPartial } from './histogram.ts';

/** A named segment as registered in the sentinel (from a `@segment` section). */
export interface SegmentDef {
  name: string;
  /** The section's script, dedented as written. */
  script: string;
  /** Milliseconds a computed result stays fresh for `use_cached` (0 = never). */
  ttl: number;
  useCached: boolean;
  /** Milliseconds between scheduled recomputations, or null. */
  refresh: number | null;
}

export type QueryStep =
  /** Compute (or reuse, per use_cached/ttl) these segments and store them; answers people per segment. */
  | { kind: 'segments'; sections: SegmentDef[]; force: boolean }
  | { kind: 'event'; script: string; params: Record<string, string>; segments: string[] }
  | { kind: 'column'; column: string; query: ColumnQuery; segments: string[] }
  | { kind: 'histogram'; script: string; params: Record<string, string>; foreach: string | null; bucket: number | null; segments: string[] };

export interface QueryRequest {
  steps: QueryStep[];
  /** The query's `now` (epoch ms), fixed by the router so every shard sees the same value. */
  now: number;
  /** Session gap in ms. */
  sessionTime: number;
  /** Every segment the table knows (registry), so shards can (re)compute any referenced one. */
  segmentDefs: SegmentDef[];
}

export type StepResult =
  | { kind: 'segments'; counts: number[]; reused: boolean[] }
  | { kind: 'event'; partial: PartialTree }
  | { kind: 'column'; partial: ColumnPartial }
  | { kind: 'histogram'; partial: HistogramPartial };

export interface QueryResponse {
  results: StepResult[];
  /** Rows visited by per-person execution (0 when indexes answered everything). */
  rowsScanned: number;
}
