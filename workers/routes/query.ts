/**
 * HTTP wiring of the query endpoints (handlers in ../query-endpoints.ts) and the cron segment
 * refresher, over the real cluster: the sentinel's segment registry and the partition shards by RPC.
 */
import type { Outcome } from '../../lang/errors.ts';
import type { SegmentSummary } from '../../shards/index/segments.ts';
import type { DueSegments } from '../../shards/query/registry.ts';
import type { QueryResponse, SegmentDef } from '../../shards/query/types.ts';
import { Cluster, type Env } from '../cluster.ts';
import type { RouteContext, RouteDef } from '../route.ts';
import {
  batchQuery, columnQuery, eventQuery, histogramQuery, listSegments, refreshDueSegments, segmentQuery, type QueryBackend,
} from '../query-endpoints.ts';

/** The backend over the real cluster: sentinel registry and partition shards by RPC. */
export function clusterBackend(cluster: Cluster): QueryBackend {
  return {
    schema: (table) => cluster.schema(table),
    partitions: () => cluster.partitions(),
    query: (p, schema, req) => cluster.shard(p).query(schema, req) as Promise<Outcome<QueryResponse>>,
    listSegments: (p, schema) => cluster.shard(p).listSegments(schema) as Promise<Outcome<SegmentSummary[]>>,
    segmentDefs: async (table) => (await cluster.sentinel().segmentDefs(table)) as SegmentDef[],
    putSegmentDefs: async (table, defs, now) => {
      await cluster.sentinel().putSegmentDefs(table, defs, now);
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

const body = (c: RouteContext): Promise<string> => c.req.text();

export const routes: RouteDef[] = [
  { method: 'POST', path: '/v1/query/:table/event', handler: async (c) => eventQuery(clusterBackend(c.cluster), c.params.table, c.url, await body(c)) },
  { method: 'POST', path: '/v1/query/:table/segment', handler: async (c) => segmentQuery(clusterBackend(c.cluster), c.params.table, c.url, await body(c)) },
  { method: 'GET', path: '/v1/query/:table/segment', handler: (c) => listSegments(clusterBackend(c.cluster), c.params.table) },
  { method: 'GET', path: '/v1/query/:table/column/:column', handler: (c) => columnQuery(clusterBackend(c.cluster), c.params.table, c.params.column, c.url) },
  { method: 'POST', path: '/v1/query/:table/histogram/:name', handler: async (c) => histogramQuery(clusterBackend(c.cluster), c.params.table, c.params.name, c.url, await body(c)) },
  { method: 'POST', path: '/v1/query/:table/batch', handler: async (c) => batchQuery(clusterBackend(c.cluster), c.params.table, c.url, await body(c)) },
];
