/**
 * Query endpoints (event, segment, column, histogram, batch): validate and compile once in the
 * router — every error before any shard is called — then one RPC per shard in parallel, merge the
 * partial results, sort/trim/render. The cluster is behind `QueryBackend` so this module runs in
 * plain Node tests; routes/query.ts wires it to HTTP, the sentinel and the shards.
 */
import { DbError } from '../lang/errors.ts';
import type { TableSchema } from '../lang/schema.ts';
import { compile } from '../lang/index.ts';
import type { CompileOptions, Program } from '../lang/index.ts';
import { mergePartials, render, emptyPartial, type PartialTree, type ResultJson, type NodeJson } from '../lang/result.ts';
import { renderCounts, resolveSort, type CountNode } from '../lang/render.ts';
import { splitSections, parseDuration, type Section } from '../lang/sections.ts';
import { mergeColumnPartials, parseColumnQuery, type ColumnPartial, type ColumnQuery } from '../shards/query/column.ts';
import { histogramNode, mergeHistogramPartials, type HistogramOptions, type HistogramPartial } from '../shards/query/histogram.ts';
import type { QueryRequest, QueryResponse, QueryStep, SegmentDef, StepResult } from '../shards/query/types.ts';
import type { SegmentSummary } from '../shards/index/segments.ts';
import type { DueSegments } from '../shards/query/registry.ts';
import { planSegment } from '../shards/query/index-plan.ts';
import { fanOut } from './fanout.ts';
import type { Outcome } from '../lang/errors.ts';

/** What the query routes need from the cluster (ROUTER's sentinel + partition namespace). */
export interface QueryBackend {
  /** The table's schema; throws DbError unknown_table. */
  schema(table: string): Promise<TableSchema>;
  partitions(): Promise<number>;
  /**
   * `registryChecked` false: the request relies on no registered definition (it carries what it
   * computes), so the shard need not check the caller's registry epoch.
   */
  query(partition: number, schema: TableSchema, req: QueryRequest, registryChecked: boolean): Promise<Outcome<QueryResponse>>;
  listSegments(partition: number, schema: TableSchema): Promise<Outcome<SegmentSummary[]>>;
  segmentDefs(table: string): Promise<SegmentDef[]>;
  putSegmentDefs(table: string, defs: SegmentDef[], now: number): Promise<void>;
}

const DEFAULT_SESSION_MS = 30 * 60 * 1000;

/**
 * Compiled programs of this isolate by schema, options and script: compiling takes milliseconds,
 * and dashboards repeat the same queries. The router only reads aggs/dump, never runs them.
 */
const compiled = new Map<string, Program>();
const COMPILED_MAX = 256;

function compileOnce(script: string, schema: TableSchema, opts: CompileOptions): Program {
  const key = JSON.stringify([schema.name, schema.columns, opts.mode, opts.params ?? {}, opts.eachValue === true, opts.lineOffset ?? 0, script]);
  let p = compiled.get(key);
  if (p === undefined) {
    p = compile(script, schema, opts);
    compiled.set(key, p);
    while (compiled.size > COMPILED_MAX) compiled.delete(compiled.keys().next().value!);
  } else {
    compiled.delete(key);
    compiled.set(key, p);
  }
  return p;
}

function bad(code: string, detail: string): DbError {
  return new DbError('query', code, detail);
}

// ---------------------------------------------------------------------------------------------
// Common parameters

interface Common {
  segments: string[];
  order?: 'asc' | 'desc';
  trim?: number;
  sort?: string;
  params: Record<string, string>;
  sessionTime: number;
  debug: boolean;
}

function parseOrder(v: string | null): 'asc' | 'desc' | undefined {
  if (v === null || v === '') return undefined;
  const t = v.toLowerCase();
  if (t !== 'asc' && t !== 'desc') throw bad('bad_parameter', `'order=' must be asc or desc, got '${v}'`);
  return t;
}

function parseTrim(v: string | null): number | undefined {
  if (v === null || v === '') return undefined;
  if (!/^\d+$/.test(v.trim())) throw bad('bad_parameter', `'trim=' must be a non-negative integer, got '${v}'`);
  return Number(v);
}

function parseNum(name: string, v: string | null): number | null {
  if (v === null) return null;
  const x = v.trim() === '' ? NaN : Number(v);
  if (!Number.isFinite(x)) throw bad('bad_parameter', `'${name}=' must be a number, got '${v}'`);
  return x;
}

function parseBool(name: string, v: string | null): boolean {
  if (v === null || v === '') return false;
  const t = v.toLowerCase();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw bad('bad_parameter', `'${name}=' must be true or false, got '${v}'`);
}

function parseSegmentList(v: string | null | undefined): string[] {
  if (v === null || v === undefined || v.trim() === '') return ['*'];
  const names = v.split(',').map((s) => s.trim());
  if (names.some((n) => n === '')) throw bad('bad_parameter', `'segments=' has an empty name: '${v}'`);
  return names;
}

function commonParams(url: URL): Common {
  const q = url.searchParams;
  const params: Record<string, string> = {};
  for (const [k, v] of q) if (/^(str|int|dbl|bool)_/.test(k)) params[k] = v;
  const st = parseNum('session_time', q.get('session_time'));
  if (st !== null && st <= 0) throw bad('bad_parameter', `'session_time=' must be a positive number of milliseconds, got '${q.get('session_time')}'`);
  return {
    segments: parseSegmentList(q.get('segments')),
    order: parseOrder(q.get('order')),
    trim: parseTrim(q.get('trim')),
    sort: q.get('sort') ?? undefined,
    params,
    sessionTime: st ?? DEFAULT_SESSION_MS,
    debug: parseBool('debug', q.get('debug')),
  };
}

function requireBody(body: string): string {
  if (body.trim() === '') throw bad('empty_body', 'the request body must hold a PyQL script');
  return body;
}

/** Unknown names in `segments=` (or `@use`) are a 400 naming all of them. */
function checkSegments(names: string[], known: Set<string>): void {
  const unknown = names.filter((n) => n !== '*' && !known.has(n));
  if (unknown.length > 0) {
    throw bad('unknown_segment', `unknown segment${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}; create ${unknown.length > 1 ? 'them' : 'it'} with POST /v1/query/{table}/segment first`);
  }
}

/** Schema and registered segments in one round trip (both come from the sentinel). */
async function tableAndDefs(backend: QueryBackend, table: string, needDefs = true): Promise<[TableSchema, SegmentDef[]]> {
  return Promise.all([backend.schema(table), needDefs ? backend.segmentDefs(table) : Promise.resolve([])]);
}

/** Queries over everyone (`*` only) never read the registry. */
function namesSegments(names: string[]): boolean {
  return names.some((n) => n !== '*');
}

async function run(
  backend: QueryBackend, schema: TableSchema, steps: QueryStep[], now: number, sessionTime: number, defs: SegmentDef[], registryChecked = defs.length > 0,
): Promise<StepResult[][]> {
  const n = await backend.partitions();
  const req: QueryRequest = { steps, now, sessionTime, segmentDefs: defs };
  const answers = await fanOut(n, (p) => backend.query(p, schema, req, registryChecked));
  return answers.map((a) => a.results);
}

function debugResponse(programs: Program[]): Response {
  return Response.json({ debug: programs.map((p) => p.dump()).join('\n') });
}

// ---------------------------------------------------------------------------------------------
// Endpoints

export async function eventQuery(backend: QueryBackend, table: string, url: URL, body: string): Promise<Response> {
  const c = commonParams(url);
  const [schema, defs] = await tableAndDefs(backend, table, namesSegments(c.segments));
  const program = compileOnce(requireBody(body), schema, { mode: 'event', params: c.params });
  resolveSort(program.aggs, c.sort);
  if (c.debug) return debugResponse([program]);
  checkSegments(c.segments, new Set(defs.map((d) => d.name)));
  const step: QueryStep = { kind: 'event', script: body, params: c.params, segments: c.segments };
  const parts = await run(backend, schema, [step], Date.now(), c.sessionTime, defs);
  let merged: PartialTree = emptyPartial(program.aggs, c.segments.length);
  for (const r of parts) merged = mergePartials(merged, (r[0] as Extract<StepResult, { kind: 'event' }>).partial);
  return Response.json(render(merged, { sort: c.sort, order: c.order, trim: c.trim }));
}

interface SegmentPlan {
  defs: SegmentDef[];
  programs: Program[];
}

/**
 * Validates `@segment` sections. Scripts the value indexes answer (index-plan.ts accepts only a
 * strict subset of valid PyQL over known columns) skip the compiler unless a debug listing is wanted.
 */
function segmentSections(sections: Section[], schema: TableSchema, debug: boolean): SegmentPlan {
  const defs: SegmentDef[] = [];
  const programs: Program[] = [];
  const seen = new Set<string>();
  for (const s of sections) {
    if (s.kind !== 'segment') continue;
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(s.name)) throw new DbError('parse', 'bad_section', `line ${s.line}: bad segment name '${s.name}'`, { line: s.line });
    if (seen.has(s.name)) throw new DbError('parse', 'bad_section', `line ${s.line}: segment '${s.name}' is defined twice`, { line: s.line });
    seen.add(s.name);
    if (s.body.trim() === '') throw new DbError('parse', 'bad_section', `line ${s.line}: @segment ${s.name} has no script`, { line: s.line });
    const dur = (k: string): number | null => {
      const v = s.params[k];
      if (v === undefined) return null;
      const d = parseDuration(v);
      if (d === null) throw new DbError('parse', 'bad_section', `line ${s.line}: '${k}=${v}' is not a duration (e.g. 300, 300s, 5m, 2h, 1d)`, { line: s.line });
      return d;
    };
    for (const k of Object.keys(s.params)) {
      if (!['ttl', 'use_cached', 'refresh'].includes(k)) throw new DbError('parse', 'bad_section', `line ${s.line}: unknown @segment parameter '${k}' (expected ttl=, use_cached, refresh=)`, { line: s.line });
    }
    if (debug || planSegment(s.body, schema) === null) programs.push(compileOnce(s.body, schema, { mode: 'segment', lineOffset: s.lineOffset }));
    defs.push({
      name: s.name,
      script: s.body,
      ttl: dur('ttl') ?? 0,
      useCached: s.params.use_cached !== undefined && s.params.use_cached !== 'false',
      refresh: dur('refresh'),
    });
  }
  return { defs, programs };
}

/** Segment math (`union('a', 'b')` ...) must name known segments: a 400 before any shard runs. */
function checkMathRefs(defs: SegmentDef[], schema: TableSchema, known: Set<string>): void {
  for (const d of defs) {
    const p = planSegment(d.script, schema);
    if (p === null || p.kind !== 'math') continue;
    const unknown = p.names.filter((n) => !known.has(n));
    if (unknown.length > 0) throw bad('unknown_segment', `segment '${d.name}' uses unknown segment${unknown.length > 1 ? 's' : ''} ${unknown.map((n) => `'${n}'`).join(', ')}`);
  }
}

/**
 * Definitions the registry must record: new or changed ones, and any with `refresh=` (its refresh
 * clock restarts; the sentinel decides whether it is due). Saves a sentinel call on repeats.
 */
function unregistered(defs: SegmentDef[], registered: SegmentDef[]): SegmentDef[] {
  const known = new Map(registered.map((d) => [d.name, d]));
  return defs.filter((d) => {
    const k = known.get(d.name);
    return k === undefined || d.refresh !== null || k.script !== d.script || k.ttl !== d.ttl || k.useCached !== d.useCached || k.refresh !== d.refresh;
  });
}

/** New definitions, or changed ones (not just a refresh clock to restart). */
function redefines(defs: SegmentDef[], registered: SegmentDef[]): boolean {
  const known = new Map(registered.map((d) => [d.name, d]));
  return defs.some((d) => {
    const k = known.get(d.name);
    return k === undefined || k.script !== d.script || k.ttl !== d.ttl || k.useCached !== d.useCached || k.refresh !== d.refresh;
  });
}

/**
 * Runs the steps and registers `changed` definitions; registering a redefinition raises the
 * registry's epoch and tells every shard before it returns, so once this answers no stale router's
 * query runs with the old definition. `selfContained` steps use no registered definition (only the
 * index-answered ones they define), so they run alongside the registration without the registry
 * check; others run after it, with the new epoch. Refresh clocks are recorded alongside the run.
 */
async function runAndRegister(
  backend: QueryBackend, table: string, schema: TableSchema, steps: QueryStep[], now: number, sessionTime: number,
  defs: SegmentDef[], changed: SegmentDef[], registered: SegmentDef[], selfContained: boolean,
): Promise<StepResult[][]> {
  if (changed.length === 0) return run(backend, schema, steps, now, sessionTime, defs);
  if (redefines(changed, registered) && !selfContained) {
    await backend.putSegmentDefs(table, changed, now);
    return run(backend, schema, steps, now, sessionTime, defs);
  }
  const [parts] = await Promise.all([run(backend, schema, steps, now, sessionTime, defs, !selfContained), backend.putSegmentDefs(table, changed, now)]);
  return parts;
}

function mergeDefs(registered: SegmentDef[], fresh: SegmentDef[]): SegmentDef[] {
  const m = new Map(registered.map((d) => [d.name, d]));
  for (const d of fresh) m.set(d.name, d);
  return [...m.values()];
}

export async function segmentQuery(backend: QueryBackend, table: string, url: URL, body: string): Promise<Response> {
  const [schema, registered] = await tableAndDefs(backend, table);
  const debug = parseBool('debug', url.searchParams.get('debug'));
  const sections = splitSections(requireBody(body));
  const other = sections.find((s) => s.kind !== 'segment');
  if (other !== undefined) throw new DbError('parse', 'bad_section', `line ${other.line}: only @segment sections are allowed here (use /batch for @${other.kind})`, { line: other.line });
  if (sections.length === 0) throw bad('empty_body', 'the request body must hold at least one @segment section');
  const plan = segmentSections(sections, schema, debug);
  if (debug) return debugResponse(plan.programs);
  checkMathRefs(plan.defs, schema, new Set([...registered.map((d) => d.name), ...plan.defs.map((d) => d.name)]));
  const defs = mergeDefs(registered, plan.defs);
  const now = Date.now();
  // The definitions compiled, so registering them is safe.
  const changed = unregistered(plan.defs, registered);
  const selfContained = plan.defs.every((d) => planSegment(d.script, schema)?.kind === 'values');
  const parts = await runAndRegister(backend, table, schema, [{ kind: 'segments', sections: plan.defs, force: false }], now, DEFAULT_SESSION_MS, defs, changed, registered, selfContained);
  const nodes: CountNode[] = plan.defs.map((d, i) => ({ g: d.name, c: [parts.reduce((a, r) => a + (r[0] as Extract<StepResult, { kind: 'segments' }>).counts[i], 0)] }));
  return Response.json(renderCounts(nodes, {}));
}

export async function listSegments(backend: QueryBackend, table: string): Promise<Response> {
  const [schema, defs] = await tableAndDefs(backend, table);
  const n = await backend.partitions();
  const lists = await fanOut(n, (p) => backend.listSegments(p, schema));
  const byName = new Map<string, { size: number; computed: number }>();
  for (const list of lists) {
    for (const s of list) {
      const m = byName.get(s.name);
      if (m === undefined) byName.set(s.name, { size: s.size, computed: s.computedAt });
      else {
        m.size += s.size;
        m.computed = Math.max(m.computed, s.computedAt);
      }
    }
  }
  const segments = defs.map((d) => {
    const m = byName.get(d.name);
    return {
      name: d.name,
      size: m?.size ?? 0,
      computed_at: m === undefined ? null : new Date(m.computed).toISOString(),
      ttl: d.ttl / 1000,
      use_cached: d.useCached,
      refresh: d.refresh === null ? null : d.refresh / 1000,
      script: d.script,
    };
  });
  return Response.json({ table, segments });
}

function columnOf(schema: TableSchema, column: string) {
  if (column === 'action') return { name: 'action', type: 'text' as const, isSet: false, id: -1 };
  const def = schema.columns.find((c) => c.name === column);
  if (def === undefined) throw bad('unknown_column', `unknown column '${column}' in table '${schema.name}'`);
  return def;
}

function columnNode(column: string, merged: ColumnPartial): CountNode {
  return { g: column, c: merged.root, _: merged.rows.map((r) => ({ g: r.g, c: r.c })) };
}

export async function columnQuery(backend: QueryBackend, table: string, column: string, url: URL): Promise<Response> {
  const c = commonParams(url);
  const [schema, defs] = await tableAndDefs(backend, table, namesSegments(c.segments));
  const query: ColumnQuery = parseColumnQuery(columnOf(schema, column), url.searchParams);
  const sort = sortForCounts(c.sort);
  checkSegments(c.segments, new Set(defs.map((d) => d.name)));
  const parts = await run(backend, schema, [{ kind: 'column', column, query, segments: c.segments }], Date.now(), c.sessionTime, defs);
  const merged = mergeColumnPartials(parts.map((r) => (r[0] as Extract<StepResult, { kind: 'column' }>).partial));
  return Response.json(renderCounts([columnNode(column, merged)], { sort, order: c.order, trim: c.trim }));
}

function sortForCounts(sort: string | undefined): string | undefined {
  if (sort === undefined || sort === '') return undefined;
  resolveSort([{ alias: 'people', source: { type: 'person' } }], sort);
  return sort;
}

interface HistogramSpec {
  program: Program;
  script: string;
  params: Record<string, string>;
  foreach: string | null;
  opts: HistogramOptions;
}

function histogramSpec(schema: TableSchema, script: string, q: { get(k: string): string | null }, params: Record<string, string>, lineOffset = 0): HistogramSpec {
  const bucket = parseNum('bucket', q.get('bucket'));
  if (bucket !== null && bucket <= 0) throw bad('bad_parameter', `'bucket=' must be greater than 0, got '${q.get('bucket')}'`);
  const min = parseNum('min', q.get('min'));
  const max = parseNum('max', q.get('max'));
  if (min !== null && max !== null && min > max) throw bad('bad_parameter', `'min=' (${min}) is greater than 'max=' (${max})`);
  const fe = q.get('foreach') ?? q.get('each_value');
  const foreach = fe === null || fe === '' ? null : fe;
  if (foreach !== null) columnOf(schema, foreach);
  const program = compileOnce(script, schema, { mode: 'histogram', params, eachValue: foreach !== null, lineOffset });
  return {
    program,
    script,
    params,
    foreach,
    opts: { bucket, min, max, order: parseOrder(q.get('order')), trim: parseTrim(q.get('trim')) },
  };
}

export async function histogramQuery(backend: QueryBackend, table: string, name: string, url: URL, body: string): Promise<Response> {
  const c = commonParams(url);
  const [schema, defs] = await tableAndDefs(backend, table, namesSegments(c.segments));
  const spec = histogramSpec(schema, requireBody(body), url.searchParams, c.params);
  if (c.debug) return debugResponse([spec.program]);
  checkSegments(c.segments, new Set(defs.map((d) => d.name)));
  const step: QueryStep = { kind: 'histogram', script: spec.script, params: c.params, foreach: spec.foreach, bucket: spec.opts.bucket, segments: c.segments };
  const parts = await run(backend, schema, [step], Date.now(), c.sessionTime, defs);
  const merged = mergeHistogramPartials(parts.map((r) => (r[0] as Extract<StepResult, { kind: 'histogram' }>).partial));
  return Response.json(renderCounts([histogramNode(merged, name, spec.opts)], { sort: 'g', order: spec.opts.order ?? 'desc', trim: spec.opts.trim }));
}

type BatchOutput =
  | { kind: 'column'; column: string; order?: 'asc' | 'desc'; trim?: number; sort?: string }
  | { kind: 'histogram'; name: string; opts: HistogramOptions };

export async function batchQuery(backend: QueryBackend, table: string, url: URL, body: string): Promise<Response> {
  const c = commonParams(url);
  const [schema, registered] = await tableAndDefs(backend, table);
  const sections = splitSections(requireBody(body));
  const plan = segmentSections(sections, schema, c.debug);
  const known = new Set([...registered.map((d) => d.name), ...plan.defs.map((d) => d.name)]);
  checkMathRefs(plan.defs, schema, known);
  const steps: QueryStep[] = plan.defs.length > 0 ? [{ kind: 'segments', sections: plan.defs, force: false }] : [];
  const outputs: BatchOutput[] = [];
  const programs: Program[] = [...plan.programs];
  let use = c.segments;
  checkSegments(use, known);
  for (const s of sections) {
    if (s.kind === 'segment') continue;
    const q = new URLSearchParams(s.params);
    if (s.kind === 'use') {
      use = parseSegmentList(s.names.join(','));
      sectionErrors(s, () => checkSegments(use, known));
    } else if (s.kind === 'column') {
      const query = sectionErrors(s, () => parseColumnQuery(columnOf(schema, s.name), q));
      const order = sectionErrors(s, () => parseOrder(q.get('order')));
      const trim = sectionErrors(s, () => parseTrim(q.get('trim')));
      const sort = sectionErrors(s, () => sortForCounts(q.get('sort') ?? undefined));
      steps.push({ kind: 'column', column: s.name, query, segments: use });
      outputs.push({ kind: 'column', column: s.name, order, trim, sort });
    } else {
      if (s.body.trim() === '') throw new DbError('parse', 'bad_section', `line ${s.line}: @histogram ${s.name} has no script`, { line: s.line });
      const spec = sectionErrors(s, () => histogramSpec(schema, s.body, q, c.params, s.lineOffset));
      programs.push(spec.program);
      steps.push({ kind: 'histogram', script: s.body, params: c.params, foreach: spec.foreach, bucket: spec.opts.bucket, segments: use });
      outputs.push({ kind: 'histogram', name: s.name, opts: spec.opts });
    }
  }
  if (c.debug) return debugResponse(programs);
  const defs = mergeDefs(registered, plan.defs);
  const now = Date.now();
  const changed = unregistered(plan.defs, registered);
  const parts = await runAndRegister(backend, table, schema, steps, now, c.sessionTime, defs, changed, registered, false);
  const offset = plan.defs.length > 0 ? 1 : 0;
  const roots: NodeJson[] = outputs.map((o, i) => {
    const results = parts.map((r) => r[i + offset]);
    let json: ResultJson;
    if (o.kind === 'column') {
      const merged = mergeColumnPartials(results.map((r) => (r as Extract<StepResult, { kind: 'column' }>).partial));
      json = renderCounts([columnNode(o.column, merged)], { sort: o.sort, order: o.order, trim: o.trim });
    } else {
      const merged: HistogramPartial = mergeHistogramPartials(results.map((r) => (r as Extract<StepResult, { kind: 'histogram' }>).partial));
      json = renderCounts([histogramNode(merged, o.name, o.opts)], { sort: 'g', order: o.opts.order ?? 'desc', trim: o.opts.trim });
    }
    return json._[0];
  });
  return Response.json({ _: roots });
}

/** Parameter errors in a batch section name the section's line. */
function sectionErrors<T>(s: Section, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof DbError && e.body.line === undefined) {
      const { class: cls, message, detail, ...extra } = e.body;
      throw new DbError(cls, message, `line ${s.line} (@${s.kind} ${s.name}): ${detail}`, { ...extra, line: s.line });
    }
    throw e;
  }
}

/** The scheduled refresher: recompute every segment whose `refresh=` interval has elapsed. */
export async function refreshDueSegments(backend: QueryBackend, due: DueSegments[], now: number): Promise<string[]> {
  // One table failing (dropped, a script that no longer compiles) must not stop the others.
  const failures: string[] = [];
  for (const d of due) {
    try {
      const [schema, defs] = await tableAndDefs(backend, d.table);
      const sections = defs.filter((x) => d.names.includes(x.name));
      if (sections.length === 0) continue;
      await run(backend, schema, [{ kind: 'segments', sections, force: true }], now, DEFAULT_SESSION_MS, defs);
      await backend.putSegmentDefs(d.table, sections, now);
    } catch (e) {
      failures.push(`${d.table}: ${e instanceof DbError ? e.body.detail : String(e)}`);
    }
  }
  return failures;
}

