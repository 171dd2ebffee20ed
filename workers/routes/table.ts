/** Tables: create, describe, add column, drop column (data-model §3). The sentinel enforces the rules. */
import type { ColumnType, TableSchema } from '../../lang/schema.ts';
import type { ColumnSpec } from '../../shards/schema-rules.ts';
import { fail, unwrap } from '../errors.ts';
import type { RouteContext, RouteDef } from '../route.ts';

/** Describe shape: columns in creation order, `is_set` only when true. */
export function describeTable(t: TableSchema): Record<string, unknown> {
  return {
    table: t.name,
    columns: t.columns.map((c) => (c.isSet ? { name: c.name, type: c.type, is_set: true } : { name: c.name, type: c.type })),
    z_order: t.zOrder,
  };
}

function parseBool(v: unknown, what: string): boolean {
  if (v === undefined || v === null || v === false || v === 'false' || v === '0' || v === '') return false;
  if (v === true || v === 'true' || v === '1') return true;
  return fail('config', 'bad_column', `${what} must be true or false, got ${JSON.stringify(v)}`);
}

function parseColumns(raw: unknown): ColumnSpec[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) fail('config', 'bad_table_definition', "'columns' must be an array of {name, type, is_set?}");
  return raw.map((c, i): ColumnSpec => {
    if (typeof c !== 'object' || c === null || Array.isArray(c)) fail('config', 'bad_table_definition', `columns[${i}] must be an object {name, type, is_set?}`);
    const o = c as Record<string, unknown>;
    if (typeof o.name !== 'string') fail('config', 'bad_column', `columns[${i}] needs a string 'name'`);
    if (typeof o.type !== 'string') fail('config', 'bad_column', `column '${o.name}' needs a string 'type' (text, int, double, bool)`);
    return { name: o.name, type: o.type as ColumnType, isSet: parseBool(o.is_set, `column '${o.name}' is_set`) };
  });
}

function parseZOrder(body: Record<string, unknown>): string[] {
  const a = body.z_order, b = body['z-order'];
  if (a !== undefined && b !== undefined) fail('config', 'bad_table_definition', "give either 'z_order' or 'z-order', not both");
  const raw = a ?? b;
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw) || raw.some((x) => typeof x !== 'string')) fail('config', 'bad_table_definition', "'z_order' must be an array of action names");
  return raw as string[];
}

async function create(c: RouteContext): Promise<Response> {
  const text = await c.req.text();
  let body: unknown = {};
  if (text.trim() !== '') {
    try {
      body = JSON.parse(text);
    } catch (e) {
      fail('config', 'bad_json', `table definition is not valid JSON: ${(e as Error).message}`);
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('config', 'bad_table_definition', 'table definition must be a JSON object {"columns": [...], "z_order": [...]}');
  const def = body as Record<string, unknown>;
  const schema = unwrap(await c.cluster.sentinel().createTable(c.params.table, parseColumns(def.columns), parseZOrder(def)));
  return Response.json({ message: 'created', table: schema.name });
}

async function describe(c: RouteContext): Promise<Response> {
  return Response.json(describeTable(await c.cluster.schema(c.params.table)));
}

async function addColumn(c: RouteContext): Promise<Response> {
  const type = c.url.searchParams.get('type');
  if (type === null || type === '') fail('config', 'missing_parameter', "missing query parameter 'type' (text, int, double, bool)");
  const spec: ColumnSpec = { name: c.params.column, type: type as ColumnType, isSet: parseBool(c.url.searchParams.get('is_set') ?? undefined, 'is_set') };
  const schema = unwrap(await c.cluster.sentinel().addColumn(c.params.table, spec));
  return Response.json({ message: 'added', ...describeTable(schema) });
}

async function dropColumn(c: RouteContext): Promise<Response> {
  const { schema, dropped } = unwrap(await c.cluster.sentinel().dropColumn(c.params.table, c.params.column));
  // The schema no longer names the column, so no read can see it; reclaiming its storage on every
  // shard before answering keeps "dropped" meaning gone.
  const partitions = await c.cluster.partitions();
  await Promise.all(Array.from({ length: partitions }, async (_, p) => unwrap(await c.cluster.shard(p).dropColumn(schema, dropped.id))));
  return Response.json({ message: 'dropped', column: dropped.name, ...describeTable(schema) });
}

export const routes: RouteDef[] = [
  { method: 'POST', path: '/v1/table/:table', handler: create },
  { method: 'GET', path: '/v1/table/:table', handler: describe },
  { method: 'PUT', path: '/v1/table/:table/column/:column', handler: addColumn },
  { method: 'DELETE', path: '/v1/table/:table/column/:column', handler: dropColumn },
];
