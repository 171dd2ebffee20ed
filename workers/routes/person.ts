/**
 * GET /v1/query/{table}/person?sid=text|id=number: one person's rows in stored order, each complex
 * event folded back into its nested `_` form. Unknown person → 400 `unknown_person`.
 */
import { partitionOf } from '../../shards/hash.ts';
import type { PersonRow, PersonRows } from '../../shards/store/person.ts';
import { fail, unwrap } from '../errors.ts';
import { foldRows, type Folded } from '../ingest/fold.ts';
import { stampIso } from '../ingest/stamp.ts';
import type { RouteContext, RouteDef } from '../route.ts';

export interface PersonEventJson {
  stamp: number;
  stamp_iso: string;
  action: string;
  attr: Folded;
}

function personParam(url: URL): string | number {
  const sid = url.searchParams.get('sid');
  const id = url.searchParams.get('id');
  if (sid !== null && id !== null) fail('query', 'bad_parameter', "give either 'sid=' (text id) or 'id=' (integer id), not both");
  if (sid !== null) {
    if (sid === '') fail('query', 'bad_parameter', "'sid=' is empty");
    return sid.toLowerCase();
  }
  if (id !== null) {
    const n = Number(id);
    if (!/^-?\d+$/.test(id.trim()) || !Number.isSafeInteger(n)) fail('query', 'bad_parameter', `'id=' must be an integer, got '${id}' (use 'sid=' for text ids)`);
    return n;
  }
  return fail('query', 'missing_parameter', "missing person: give 'sid=' (text id) or 'id=' (integer id)");
}

/** Consecutive rows with the same event ordinal are one event. */
export function renderRows(rows: PersonRow[], columns: readonly string[]): PersonEventJson[] {
  const out: PersonEventJson[] = [];
  let i = 0;
  while (i < rows.length) {
    let j = i + 1;
    while (j < rows.length && rows[j].event === rows[i].event) j++;
    const group = rows.slice(i, j).map((r) => r.values);
    out.push({ stamp: rows[i].stamp, stamp_iso: stampIso(rows[i].stamp), action: rows[i].action, attr: foldRows(group, columns) });
    i = j;
  }
  return out;
}

async function person(c: RouteContext): Promise<Response> {
  return c.cluster.withCachedConfig(() => personOf(c));
}

/** From the router's cached config (the shard rejects a stale one and the request is redone). */
async function personOf(c: RouteContext): Promise<Response> {
  const schema = await c.cluster.schema(c.params.table);
  const id = personParam(c.url);
  const p = partitionOf(id, await c.cluster.partitions());
  const found = unwrap(await c.cluster.shard(p).person(schema, id, await c.cluster.epochs(false))) as PersonRows | null;
  if (found === null) {
    fail('query', 'unknown_person', `no person ${typeof id === 'number' ? `with id=${id}` : `'${id}'`} in table '${schema.name}'`);
  }
  const rows = renderRows(found.rows, schema.columns.map((col) => col.name));
  return Response.json(typeof id === 'number' ? { id, rows } : { id_string: id, rows });
}

export const routes: RouteDef[] = [{ method: 'GET', path: '/v1/query/:table/person', handler: person }];
