/** What a route module provides: method + itty-router path pattern + handler over a request context. */
import type { Cluster, Env } from './cluster.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'DELETE';

export interface RouteContext {
  req: Request;
  url: URL;
  /** Path parameters, already URL-decoded. */
  params: Record<string, string>;
  cluster: Cluster;
  env: Env;
  exec: ExecutionContext;
}

export interface RouteDef {
  method: Method;
  path: string;
  handler: (c: RouteContext) => Promise<Response> | Response;
}
