/**
 * Node-to-node endpoints. They require the shared cluster secret in the `X-Cluster-Secret` header:
 * missing → 401, wrong → 403 (data-model §8). Clients never call these.
 */
import { fail } from '../errors.ts';
import type { RouteContext, RouteDef } from '../route.ts';
import { isMember } from './cluster.ts';

export const SECRET_HEADER = 'x-cluster-secret';

/** Constant-time comparison so the secret cannot be guessed byte by byte from timing. */
function sameSecret(a: string, b: string): boolean {
  const x = new TextEncoder().encode(a);
  const y = new TextEncoder().encode(b);
  let diff = x.length ^ y.length;
  for (let i = 0; i < Math.max(x.length, y.length); i++) diff |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return diff === 0;
}

export function requireSecret(c: RouteContext): void {
  const given = c.req.headers.get(SECRET_HEADER);
  if (given === null) fail('internode', 'missing_cluster_secret', `internode calls must carry the cluster secret in the ${SECRET_HEADER} header`);
  if (!sameSecret(given, c.env.CLUSTER_SECRET)) fail('internode', 'bad_cluster_secret', 'the cluster secret does not match this node');
}

function internode(handler: (c: RouteContext) => Promise<Response>): (c: RouteContext) => Promise<Response> {
  return (c) => {
    requireSecret(c);
    return handler(c);
  };
}

export const routes: RouteDef[] = [
  { method: 'GET', path: '/v1/internode/is_member', handler: internode(isMember) },
];
