/** Cluster membership: init (partition count) and the is_member probe. */
import { MAX_PARTITIONS } from '../../shards/sentinel.ts';
import { fail, unwrap } from '../errors.ts';
import type { RouteContext, RouteDef } from '../route.ts';

async function init(c: RouteContext): Promise<Response> {
  const raw = c.url.searchParams.get('partitions');
  if (raw === null || raw.trim() === '') fail('config', 'missing_parameter', `missing query parameter 'partitions' (1..${MAX_PARTITIONS})`);
  if (!/^\d+$/.test(raw.trim())) fail('config', 'bad_partitions', `partitions must be an integer from 1 to ${MAX_PARTITIONS}, got '${raw}'`);
  const n = Number(raw.trim());
  if (n < 1 || n > MAX_PARTITIONS) fail('config', 'bad_partitions', `partitions must be from 1 to ${MAX_PARTITIONS}, got ${n}`);
  const done = unwrap(await c.cluster.sentinel().init(n));
  return Response.json({ message: 'initialised', partitions: done.partitions, node: done.node });
}

/** `{"part_of_cluster": bool}`: a node is part of a cluster once it has been initialised (or joined). */
export async function isMember(c: RouteContext): Promise<Response> {
  const s = await c.cluster.state();
  return Response.json({ part_of_cluster: s.partitions !== null });
}

export const routes: RouteDef[] = [
  { method: 'PUT', path: '/v1/cluster/init', handler: init },
  { method: 'GET', path: '/v1/cluster/is_member', handler: isMember },
];
