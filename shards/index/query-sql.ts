/**
 * The part of ctx.storage.sql the query side uses (typed structurally so Node tests can import it),
 * and statements against a table of its own that a snapshot restore may have removed.
 */
export interface QuerySql {
  exec(query: string, ...bindings: unknown[]): { toArray(): Record<string, unknown>[] };
}

/**
 * Runs `query`; if its table is missing (a snapshot restore replaces the whole storage, maybe without
 * it), runs `create` and the query again.
 */
export function execRecreating(sql: QuerySql, create: () => void, query: string, ...bindings: unknown[]): Record<string, unknown>[] {
  try {
    return sql.exec(query, ...bindings).toArray();
  } catch (e) {
    if (!/no such table/i.test(String(e))) throw e;
    create();
    return sql.exec(query, ...bindings).toArray();
  }
}
