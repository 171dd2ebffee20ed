/**
 * GET /v1/admin/stats: every partition's storage figures (STORE's `stats()` RPC) plus totals, for
 * benchmarks (SQLite bytes/event, memory bytes/event) and operators.
 */
import { unwrap } from '../errors.ts';
import type { RouteContext, RouteDef } from '../route.ts';

/** Sums every numeric field of the per-partition reports (nested objects summed recursively). */
export function sumNumbers(reports: unknown[]): Record<string, unknown> {
  const total: Record<string, unknown> = {};
  for (const r of reports) {
    if (typeof r !== 'object' || r === null || Array.isArray(r)) continue;
    for (const [k, v] of Object.entries(r)) {
      if (typeof v === 'number') total[k] = ((total[k] as number | undefined) ?? 0) + v;
      else if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
        total[k] = sumNumbers([total[k] ?? {}, v]);
      }
    }
  }
  return total;
}

async function stats(c: RouteContext): Promise<Response> {
  const partitions = await c.cluster.partitions();
  const reports = await Promise.all(
    Array.from({ length: partitions }, async (_, p) => unwrap(await c.cluster.shard(p).stats())),
  );
  return Response.json({ partitions, total: sumNumbers(reports), shards: reports });
}

export const routes: RouteDef[] = [{ method: 'GET', path: '/v1/admin/stats', handler: stats }];
