/**
 * HTTP wiring of the query endpoints (handlers in ../query-endpoints.ts) and the cron segment
 * refresher, over the real cluster: the sentinel's segment registry and the partition shards by RPC.
 */
import type { Outcome } from '../../lang/errors.ts';
import type { SegmentSummary } from '../../shards/index/segments.ts';
import type { DueSegments } from '../../shards/query/registry.ts';
import type { QueryResponse } from '../../shards/query/types.ts';
import type { ClusterState } from '../../shards/sentinel.ts';
import { Cluster, type Env } from '../cluster.ts';
import type { RouteContext, RouteDef } from '../route.ts';
import {
  batchQuery, columnQuery, eventQuery, histogramQuery, listSegments, refreshDueSegments, segmentQuery, type QueryBackend,
} from '../query-endpoints.ts';

/**
 * The backend over the real cluster: schema and segment registry from the router's config (the
 * isolate's cached copy inside `withCachedConfig`), partition shards by RPC with that config's epochs.
 */
export function clusterBackend(cluster: Cluster): QueryBackend {
  return {
    schema: (table) => cluster.schema(table),
    partitions: () => cluster.partitions(),
    query: async (p, schema, req, registryChecked) =>
      cluster.shard(p).query(schema, req, await cluster.epochs(registryChecked)) as Promise<Outcome<QueryResponse>>,
    listSegments: (p, schema) => cluster.shard(p).listSegments(schema) as Promise<Outcome<SegmentSummary[]>>,
    segmentDefs: async (table) => {
      await cluster.schema(table);
      return (await cluster.state()).segments[table] ?? [];
    },
    putSegmentDefs: async (table, defs, now) => {
      const changed = (await cluster.sentinel().putSegmentDefs(table, defs, now)) as ClusterState | null;
      if (changed !== null) cluster.adopt(changed);
    },
  };
}

/** Cron entry point: recompute every registered segment whose `refresh=` interval has elapsed. */
export async function refreshSegments(env: Env, now: number): Promise<void> {
  const cluster = new Cluster(env);
  const due = (await cluster.sentinel().dueSegments(now)) as DueSegments[];
  if (due.length === 0) return;
  const failures = await refreshDueSegments(clusterBackend(cluster), due, now);
  for (const f of failures) console.error(`segment refresh failed for ${f}`);
}

/** A query handler over the cached config (redone once with the current config if that was stale). */
function cached(run: (backend: QueryBackend, c: RouteContext, body: string) => Promise<Response>, withBody: boolean) {
  return async (c: RouteContext): Promise<Response> => {
    const body = withBody ? await c.req.text() : '';
    return c.cluster.withCachedConfig(() => run(clusterBackend(c.cluster), c, body));
  };
}

export const routes: RouteDef[] = [
  { method: 'POST', path: '/v1/query/:table/event', handler: cached((b, c, body) => eventQuery(b, c.params.table, c.url, body), true) },
  { method: 'POST', path: '/v1/query/:table/segment', handler: cached((b, c, body) => segmentQuery(b, c.params.table, c.url, body), true) },
  { method: 'GET', path: '/v1/query/:table/segment', handler: (c) => listSegments(clusterBackend(c.cluster), c.params.table) },
  { method: 'GET', path: '/v1/query/:table/column/:column', handler: cached((b, c) => columnQuery(b, c.params.table, c.params.column, c.url), false) },
  { method: 'POST', path: '/v1/query/:table/histogram/:name', handler: cached((b, c, body) => histogramQuery(b, c.params.table, c.params.name, c.url, body), true) },
  { method: 'POST', path: '/v1/query/:table/batch', handler: cached((b, c, body) => batchQuery(b, c.params.table, c.url, body), true) },
];
