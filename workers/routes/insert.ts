/**
 * POST /v1/insert/{table}: decode the body by Content-Type, validate and expand every event once,
 * group rows by partition (FNV-1a 64 of the person key), one RPC per shard in parallel, and answer
 * only after every shard has committed.
 */
import { partitionOf } from '../../shards/hash.ts';
import { errorResponse, unwrap } from '../errors.ts';
import { BatchBuilder } from '../ingest/batch-builder.ts';
import { checkEventCount, decoderFor, readBody } from '../ingest/body.ts';
import { columnLookup, parseEvent, type UnknownAttributes } from '../ingest/event.ts';
import { bodyParquetFile, insertParquet, isParquetBody, r2KeyOf, r2ParquetFile } from '../ingest/parquet-insert.ts';
import type { RouteContext, RouteDef } from '../route.ts';

interface Rejection {
  index: number;
  error: string;
}

async function insert(c: RouteContext): Promise<Response> {
  const contentType = c.req.headers.get('content-type');
  // The config round trip to the sentinel and the body upload overlap.
  const [schema, body] = await Promise.all([c.cluster.schema(c.params.table), readBody(c.req)]);
  const partitions = await c.cluster.partitions();
  // Parquet bodies and {"r2_key"} imports (issue 5) are read in batches by workers/ingest/parquet-insert.ts.
  if (isParquetBody(contentType)) return insertParquet(c.cluster, schema, bodyParquetFile(body));
  const decode = decoderFor(contentType);
  const r2Key = r2KeyOf(body);
  if (r2Key !== null) return insertParquet(c.cluster, schema, await r2ParquetFile(c.env.SNAPSHOTS, r2Key));
  const events = await decode(body);
  checkEventCount(events.length);

  const lookup = columnLookup(schema);
  const unknown: UnknownAttributes = { count: 0, names: new Set() };
  const rejected: Rejection[] = [];
  const builders = new Map<number, BatchBuilder>();
  const partitionCache = new Map<string | number, number>();
  let rows = 0;
  for (let i = 0; i < events.length; i++) {
    const ev = parseEvent(events[i], lookup, unknown);
    if (typeof ev === 'string') {
      rejected.push({ index: i, error: ev });
      continue;
    }
    let p = partitionCache.get(ev.person);
    if (p === undefined) {
      p = partitionOf(ev.person, partitions);
      partitionCache.set(ev.person, p);
    }
    let b = builders.get(p);
    if (b === undefined) builders.set(p, (b = new BatchBuilder(lookup)));
    b.add(ev);
    rows += ev.rows.length;
  }

  if (events.length > 0 && rejected.length === events.length) {
    return errorResponse(
      { class: 'insert', message: 'all_rejected', detail: `all ${events.length} events were rejected; first: event ${rejected[0].index}: ${rejected[0].error}` },
      { rejected },
    );
  }

  const results = await Promise.all(
    [...builders].map(async ([p, b]) => unwrap(await c.cluster.shard(p).insert(schema, b.build()))),
  );
  let inserted = 0, duplicates = 0;
  for (const r of results) {
    inserted += r.inserted;
    duplicates += r.duplicates;
  }
  return Response.json({
    message: 'yummy',
    inserted,
    duplicates,
    rows,
    rejected,
    unknown_attributes: unknown.count,
    unknown_columns: [...unknown.names],
  });
}

export const routes: RouteDef[] = [{ method: 'POST', path: '/v1/insert/:table', handler: insert }];
