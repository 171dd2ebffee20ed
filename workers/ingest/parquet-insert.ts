/**
 * Bulk import of a Parquet file into `POST /v1/insert/{table}`: the body itself
 * (`Content-Type: application/vnd.apache.parquet`, up to the 10 MB body limit) or `{"r2_key": "..."}`
 * naming a Parquet object in the R2 bucket (any size: read by byte ranges, one row group at a time).
 * Rows become event objects (parquet.ts) and then go through exactly the JSON path: parseEvent
 * validates and coerces, events are grouped per partition and sent in one RPC per shard per batch.
 * The response is the JSON insert response; `index` in `rejected` counts events from the start of
 * the file and `row` names the file row the event came from.
 */
import { DbError } from '../../lang/errors.ts';
import type { TableSchema } from '../../lang/schema.ts';
import { partitionOf } from '../../shards/hash.ts';
import { r2AsyncBuffer } from '../../shards/snapshot/r2-buffer.ts';
import type { Cluster } from '../cluster.ts';
import { errorResponse, unwrap } from '../errors.ts';
import { BatchBuilder, batchSlots } from './batch-builder.ts';
import { mediaType } from './body.ts';
import { columnLookup, parseEvent, type UnknownAttributes } from './event.ts';
import { DEFAULT_IMPORT_BATCH, PARQUET_CONTENT_TYPE, parquetEventBatches } from './parquet.ts';
import type { AsyncBuffer } from 'hyparquet';

interface Rejection {
  index: number;
  row: number;
  error: string;
}

/** Rejections listed in the response (the count is always exact). */
const MAX_LISTED_REJECTIONS = 1_000;

export function isParquetBody(contentType: string | null): boolean {
  return mediaType(contentType) === PARQUET_CONTENT_TYPE;
}

/** The R2 key of a `{"r2_key": "..."}` JSON body, or null when the body is anything else. */
export function r2KeyOf(body: Uint8Array): string | null {
  // An r2_key body is tiny; never parse a large event body twice.
  if (body.length > 4096) return null;
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09)) i++;
  if (body[i] !== 0x7b) return null; // not an object: the JSON path reports it
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || !('r2_key' in parsed)) return null;
  const key = (parsed as { r2_key: unknown }).r2_key;
  if (typeof key !== 'string' || key === '') throw new DbError('insert', 'bad_r2_key', "'r2_key' must be a non-empty string naming a Parquet object in R2");
  return key;
}

export async function r2ParquetFile(bucket: R2Bucket, key: string): Promise<AsyncBuffer> {
  const head = await bucket.head(key);
  if (!head) throw new DbError('insert', 'unknown_r2_key', `no object '${key}' in the R2 bucket`);
  return r2AsyncBuffer(bucket, key, head.size);
}

export function bodyParquetFile(body: Uint8Array): AsyncBuffer {
  return body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) as ArrayBuffer;
}

/**
 * Rows buffered per partition before its insert RPC. Fewer, larger RPCs keep a large import inside a
 * Worker's subrequest budget (about rows / FLUSH_ROWS + partitions calls) while memory stays bounded.
 */
const FLUSH_ROWS = 5_000;

export async function insertParquet(cluster: Cluster, schema: TableSchema, file: AsyncBuffer, batchEvents = DEFAULT_IMPORT_BATCH): Promise<Response> {
  const partitions = await cluster.partitions();
  const lookup = columnLookup(schema);
  const slots = batchSlots(lookup);
  const schemaJson = JSON.stringify(schema);
  const unknown: UnknownAttributes = { count: 0, names: new Set() };
  const rejected: Rejection[] = [];
  let rejectedCount = 0;
  let events = 0, inserted = 0, duplicates = 0, rows = 0, batches = 0, calls = 0;
  const partitionCache = new Map<string | number, number>();
  const builders = new Map<number, BatchBuilder>();
  const flush = async (all: boolean) => {
    const due = [...builders].filter(([, b]) => all || b.rowCount >= FLUSH_ROWS);
    for (const [p] of due) builders.delete(p);
    const results = await Promise.all(due.map(async ([p, b]) => unwrap(await cluster.shard(p).insert(schemaJson, b.pack()))));
    calls += results.length;
    for (const r of results) {
      inserted += r.inserted;
      duplicates += r.duplicates;
    }
  };
  try {
    for await (const batch of parquetEventBatches(file, batchEvents)) {
      for (let i = 0; i < batch.events.length; i++) {
        const ev = parseEvent(batch.events[i], lookup, unknown);
        if (typeof ev === 'string') {
          rejectedCount++;
          if (rejected.length < MAX_LISTED_REJECTIONS) rejected.push({ index: events + i, row: batch.rows[i], error: ev });
          continue;
        }
        let p = partitionCache.get(ev.person);
        if (p === undefined) {
          p = partitionOf(ev.person, partitions);
          if (partitionCache.size < 100_000) partitionCache.set(ev.person, p);
        }
        let b = builders.get(p);
        if (b === undefined) builders.set(p, (b = new BatchBuilder(slots)));
        b.add(ev);
        rows += ev.rows.length;
      }
      events += batch.events.length;
      batches++;
      await flush(false);
    }
    await flush(true);
  } catch (e) {
    if (e instanceof DbError) throw e;
    // hyparquet throws plain Errors for anything that is not a readable Parquet file.
    throw new DbError('insert', 'bad_parquet', `the Parquet file could not be read: ${e instanceof Error ? e.message : String(e)}${inserted ? ` (${inserted} events were inserted before)` : ''}`);
  }
  if (events > 0 && rejectedCount === events) {
    return errorResponse(
      { class: 'insert', message: 'all_rejected', detail: `all ${events} events were rejected; first: event ${rejected[0].index} (row ${rejected[0].row}): ${rejected[0].error}` },
      { rejected, rejected_count: rejectedCount },
    );
  }
  return Response.json({
    message: 'yummy',
    inserted,
    duplicates,
    rows,
    rejected,
    rejected_count: rejectedCount,
    unknown_attributes: unknown.count,
    unknown_columns: [...unknown.names],
    events,
    batches,
    shard_calls: calls,
  });
}
