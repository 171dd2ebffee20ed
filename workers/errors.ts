/**
 * The one catalogue of error codes → HTTP status, and the JSON error shape
 * `{"error":{"class","message","detail",...}}`. Every code not listed here is a bad request (400):
 * user errors are the rule, other statuses the exception.
 */
import { DbError } from '../lang/errors.ts';
import type { ErrorBody, ErrorClass, Outcome } from '../lang/errors.ts';

const STATUS: Record<string, number> = {
  missing_cluster_secret: 401,
  bad_cluster_secret: 403,
  unknown_route: 404,
  method_not_allowed: 405,
  body_too_large: 413,
  too_many_events: 413,
  unsupported_media_type: 415,
  internal_error: 500,
  shard_failed: 500,
};

export function statusOf(code: string): number {
  return STATUS[code] ?? 400;
}

export function fail(cls: ErrorClass, code: string, detail: string): never {
  throw new DbError(cls, code, detail);
}

export function dbErrorFrom(body: ErrorBody): DbError {
  const { class: cls, message, detail, ...extra } = body;
  return new DbError(cls, message, detail, extra);
}

/** The value of a successful Outcome; a failed one is rethrown as the DbError it carries. */
export function unwrap<T>(o: Outcome<T>): T {
  if (o.ok) return o.value;
  throw dbErrorFrom(o.error);
}

export function errorResponse(body: ErrorBody, extra: Record<string, unknown> = {}, headers: HeadersInit = {}): Response {
  return Response.json({ error: body, ...extra }, { status: statusOf(body.message), headers });
}

/** Any thrown value → JSON response: DbErrors keep their status, anything else is a genuine 500. */
export function toErrorResponse(e: unknown): Response {
  if (e instanceof DbError) return errorResponse(e.body);
  const detail = e instanceof Error ? e.message : String(e);
  console.error('internal error:', e);
  return errorResponse({ class: 'run_time', message: 'internal_error', detail: `internal error: ${detail}` });
}
