/**
 * HTTP routing with itty-router. Each resource lives in workers/routes/<name>.ts and exports a
 * `routes: RouteDef[]` list; registering a module here is one import plus one entry in ROUTES.
 * Anything unmatched is a JSON 404, or a 405 (with `Allow`) when the path exists for other methods.
 */
import { Router, type IRequest } from 'itty-router';
import { DbError } from '../lang/errors.ts';
import { Cluster, type Env } from './cluster.ts';
import { errorResponse, toErrorResponse } from './errors.ts';
import type { RouteDef } from './route.ts';
import { routes as admin } from './routes/admin.ts';
import { routes as cluster } from './routes/cluster.ts';
import { routes as exporting } from './routes/export.ts';
import { routes as insert } from './routes/insert.ts';
import { routes as internode } from './routes/internode.ts';
import { routes as person } from './routes/person.ts';
import { routes as query } from './routes/query.ts';
import { routes as stats } from './routes/stats.ts';
import { routes as table } from './routes/table.ts';

const ROUTES: RouteDef[] = [
  { method: 'GET', path: '/ping', handler: () => Response.json({ pong: true }) },
  ...cluster,
  ...internode,
  ...table,
  ...insert,
  ...person,
  ...query,
  ...stats,
  ...admin,
  ...exporting,
];

function decodeParams(raw: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    try {
      out[k] = decodeURIComponent(v);
    } catch {
      throw new DbError('config', 'bad_path', `path segment '${v}' is not valid URL encoding`);
    }
  }
  return out;
}

const router = Router<IRequest, [Env, ExecutionContext]>({ catch: (e) => toErrorResponse(e) });

for (const r of ROUTES) {
  router[r.method.toLowerCase()](r.path, (req: IRequest, env: Env, exec: ExecutionContext) =>
    r.handler({ req, url: new URL(req.url), params: decodeParams(req.params), cluster: new Cluster(env), env, exec }),
  );
}

router.all('*', (req: IRequest) => {
  const path = new URL(req.url).pathname;
  const allowed = [...new Set(router.routes.filter(([m, re]) => m !== 'ALL' && re.test(path)).map(([m]) => m))];
  if (allowed.length > 0) {
    return errorResponse(
      { class: 'config', message: 'method_not_allowed', detail: `${req.method} is not supported on ${path}; allowed: ${allowed.join(', ')}` },
      {},
      { allow: allowed.join(', ') },
    );
  }
  return errorResponse({ class: 'config', message: 'unknown_route', detail: `no endpoint ${req.method} ${path}` });
});

export function handle(req: Request, env: Env, exec: ExecutionContext): Promise<Response> {
  return router.fetch(req, env, exec);
}
