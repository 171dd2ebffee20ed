/**
 * Errors are values: every failure the user can cause is a DbError with a class and a short code.
 * The REST layer turns it into {"error": {...}} JSON; nothing below HTTP knows status codes.
 */
export type ErrorClass = 'config' | 'insert' | 'query' | 'parse' | 'run_time' | 'internode';

export interface ErrorBody {
  class: ErrorClass;
  /** short_code, e.g. `unknown_table`. */
  message: string;
  /** What was wrong, for a human. */
  detail: string;
  line?: number;
  column?: number;
  source?: string;
  person?: string | number;
}

export class DbError extends Error {
  readonly body: ErrorBody;
  constructor(cls: ErrorClass, code: string, detail: string, extra: Omit<ErrorBody, 'class' | 'message' | 'detail'> = {}) {
    super(`${code}: ${detail}`);
    this.name = 'DbError';
    this.body = { class: cls, message: code, detail, ...extra };
  }
}

/** DO RPC loses error classes; shards return this instead of throwing across the boundary. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: ErrorBody };
