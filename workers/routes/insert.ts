/**
 * POST /v1/insert/{table}: decode the body by Content-Type, validate and expand every event once,
 * group rows by partition (FNV-1a 64 of the person key), one RPC per shard in parallel, and answer
 * only after every shard has committed.
 */
import { partitionOf } from '../../shards/hash.ts';
import { errorResponse, unwrap } from '../errors.ts';
import { BatchBuilder, batchSlots } from '../ingest/batch-builder.ts';
import { checkEventCount, decoderFor, readBody } from '../ingest/body.ts';
import { columnLookup, parseEvent, type UnknownAttributes } from '../ingest/event.ts';
import { bodyParquetFile, insertParquet, isParquetBody, r2KeyOf, r2ParquetFile } from '../ingest/parquet-insert.ts';
import type { InsertTarget } from '../cluster.ts';
import type { RouteContext, RouteDef } from '../route.ts';

interface Rejection {
  index: number;
  error: string;
}

/** One validation pass over the body: per-shard batches and per-event rejections. */
interface Prepared {
  builders: Map<number, BatchBuilder>;
  rejected: Rejection[];
  unknown: UnknownAttributes;
  rows: number;
}

/** Validates and expands every event against `target`; `only` restricts the batches built to those partitions. */
function prepare(events: unknown[], target: InsertTarget, only: Set<number> | null): Prepared {
  const lookup = columnLookup(target.schema);
  const slots = batchSlots(lookup);
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
      p = partitionOf(ev.person, target.partitions);
      partitionCache.set(ev.person, p);
    }
    rows += ev.rows.length;
    if (only !== null && !only.has(p)) continue;
    let b = builders.get(p);
    if (b === undefined) builders.set(p, (b = new BatchBuilder(slots)));
    b.add(ev);
  }
  return { builders, rejected, unknown, rows };
}

/** Most refreshes a request makes when shards keep reporting a newer config (concurrent schema changes). */
const MAX_REFRESHES = 3;

async function insert(c: RouteContext): Promise<Response> {
  const contentType = c.req.headers.get('content-type');
  // The body upload overlaps the config lookup (usually the isolate's cached config, no round trip).
  const [cachedTarget, body] = await Promise.all([c.cluster.insertTarget(c.params.table), readBody(c.req)]);
  // Parquet bodies and {"r2_key"} imports (issue 5) are read in batches by workers/ingest/parquet-insert.ts,
  // against the sentinel's current schema.
  if (isParquetBody(contentType)) return insertParquet(c.cluster, await c.cluster.schema(c.params.table), bodyParquetFile(body));
  const decode = decoderFor(contentType);
  const r2Key = r2KeyOf(body);
  if (r2Key !== null) return insertParquet(c.cluster, await c.cluster.schema(c.params.table), await r2ParquetFile(c.env.SNAPSHOTS, r2Key));
  const events = await decode(body);
  checkEventCount(events.length);

  let target = cachedTarget;
  let pass = prepare(events, target, null);
  if (events.length > 0 && pass.rejected.length === events.length) {
    // Rejections may come from a stale cached schema (a column added since): judge against the current one.
    await c.cluster.refresh();
    target = await c.cluster.insertTarget(c.params.table);
    pass = prepare(events, target, null);
    if (pass.rejected.length === events.length) {
      const { rejected } = pass;
      return errorResponse(
        { class: 'insert', message: 'all_rejected', detail: `all ${events.length} events were rejected; first: event ${rejected[0].index}: ${rejected[0].error}` },
        { rejected },
      );
    }
  }

  let inserted = 0, duplicates = 0;
  for (let refreshes = 0; ; refreshes++) {
    const schemaJson = JSON.stringify(target.schema);
    const results = await Promise.all(
      [...pass.builders].map(async ([p, b]) => ({ p, r: await c.cluster.shard(p).insert(schemaJson, b.pack(), target.epoch) })),
    );
    const stale = new Set<number>();
    for (const { p, r } of results) {
      if (!r.ok && r.error.message === 'stale_config' && refreshes < MAX_REFRESHES) {
        stale.add(p);
        continue;
      }
      const v = unwrap(r);
      inserted += v.inserted;
      duplicates += v.duplicates;
    }
    if (stale.size === 0) break;
    // A schema change finished after this isolate cached the config: the shards that said so get the
    // events again, validated against the current schema (the others have already committed theirs).
    await c.cluster.refresh();
    target = await c.cluster.insertTarget(c.params.table);
    pass = prepare(events, target, stale);
  }
  return Response.json({
    message: 'yummy',
    inserted,
    duplicates,
    rows: pass.rows,
    rejected: pass.rejected,
    unknown_attributes: pass.unknown.count,
    unknown_columns: [...pass.unknown.names],
  });
}

export const routes: RouteDef[] = [{ method: 'POST', path: '/v1/insert/:table', handler: insert }];
