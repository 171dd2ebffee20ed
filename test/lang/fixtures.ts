/**
 * Test fixtures: turn plain row objects into the shared RowBlock/PersonSlice representation
 * (lang/columns.ts), exactly as the store would decode them, and run PyQL programs over them.
 */
import type { ColumnType, ColumnDef, TableSchema } from '../../lang/schema.ts';
import type { ColumnVector, PersonSlice, RowBlock } from '../../lang/columns.ts';
import { compile, type CompileOptions, type Program, type RunContext, type RunOutcome } from '../../lang/index.ts';
import type { ResultTree } from '../../lang/result.ts';
import type { Value } from '../../lang/runtime/values.ts';

export type Scalar = string | number | boolean | null;

export interface RowInput {
  /** Epoch ms, epoch seconds (< 4102444800) or an ISO string. */
  stamp: number | string;
  action: string;
  /** Rows with the same `event` value (within a person) form one complex event; default: own event. */
  event?: number;
  [column: string]: Scalar | Scalar[] | undefined;
}

export interface PersonInput {
  id: string | number;
  rows: RowInput[];
}

/** `{price: 'double', tags: 'text[]'}` → a TableSchema (`[]` marks a set column). */
export function schemaOf(cols: Record<string, `${ColumnType}` | `${ColumnType}[]`>, zOrder: string[] = [], name = 't'): TableSchema {
  const columns: ColumnDef[] = Object.entries(cols).map(([n, t], id) => ({
    name: n,
    type: t.replace('[]', '') as ColumnType,
    isSet: t.endsWith('[]'),
    id,
  }));
  return { name, columns, zOrder };
}

export function toMs(stamp: number | string): number {
  if (typeof stamp === 'string') return Date.parse(stamp);
  return stamp < 4102444800 ? stamp * 1000 : stamp;
}

function dictCode(dict: string[], index: Map<string, number>, s: string): number {
  let c = index.get(s);
  if (c === undefined) {
    c = dict.length;
    dict.push(s);
    index.set(s, c);
  }
  return c;
}

function textOf(v: Scalar): string {
  return typeof v === 'string' ? v : String(v);
}

function numOf(v: Scalar, type: ColumnType): number {
  if (type === 'bool') return v === true || v === 1 ? 1 : 0;
  const n = typeof v === 'number' ? v : Number(v);
  return type === 'int' ? Math.trunc(n) : n;
}

/**
 * Builds one RowBlock holding every person's rows (sorted by stamp, then z-order, then arrival)
 * and a PersonSlice per person, in input order.
 */
export function buildBlock(schema: TableSchema, people: PersonInput[]): { block: RowBlock; slices: PersonSlice[] } {
  const rank = (action: string): number => {
    const i = schema.zOrder.indexOf(action);
    return i < 0 ? schema.zOrder.length : i;
  };
  const ordered = people.map((p) => {
    const rows = p.rows.map((r, arrival) => ({ r, arrival, ms: toMs(r.stamp) }));
    rows.sort((a, b) => a.ms - b.ms || rank(a.r.action) - rank(b.r.action) || a.arrival - b.arrival);
    return { id: p.id, rows };
  });
  const length = ordered.reduce((n, p) => n + p.rows.length, 0);
  const stamp = new Float64Array(length);
  const event = new Int32Array(length);
  const actionDict: string[] = [];
  const actionIndex = new Map<string, number>();
  const actionCodes = new Int32Array(length);
  const slices: PersonSlice[] = [];
  const all: RowInput[] = [];
  let at = 0;
  for (const p of ordered) {
    const start = at;
    let ev = -1;
    let lastGroup: number | undefined;
    for (const { r, ms } of p.rows) {
      if (r.event === undefined || r.event !== lastGroup || at === start) ev++;
      lastGroup = r.event;
      stamp[at] = ms;
      event[at] = ev;
      actionCodes[at] = dictCode(actionDict, actionIndex, r.action);
      all.push(r);
      at++;
    }
    slices.push({ block: undefined as unknown as RowBlock, start, end: at, id: typeof p.id === 'string' ? p.id.toLowerCase() : p.id });
  }
  const columns = new Map<string, ColumnVector>();
  for (const def of schema.columns) columns.set(def.name, buildColumn(def, all));
  const block: RowBlock = { length, stamp, event, action: { codes: actionCodes, dict: actionDict }, columns };
  for (const s of slices) s.block = block;
  return { block, slices };
}

function buildColumn(def: ColumnDef, rows: RowInput[]): ColumnVector {
  const n = rows.length;
  if (!def.isSet) {
    if (def.type === 'text') {
      const dict: string[] = [];
      const index = new Map<string, number>();
      const codes = new Int32Array(n);
      rows.forEach((r, i) => {
        const v = r[def.name];
        codes[i] = v === undefined || v === null || Array.isArray(v) ? -1 : dictCode(dict, index, textOf(v));
      });
      return { kind: 'text', codes, dict };
    }
    const values = new Float64Array(n);
    rows.forEach((r, i) => {
      const v = r[def.name];
      values[i] = v === undefined || v === null || Array.isArray(v) ? NaN : numOf(v, def.type);
    });
    return { kind: 'num', values };
  }
  const offsets = new Int32Array(n + 1);
  const elems: Scalar[] = [];
  rows.forEach((r, i) => {
    const v = r[def.name];
    const list = v === undefined || v === null ? [] : Array.isArray(v) ? v : [v];
    for (const x of list) if (x !== null && !elems.slice(offsets[i]).includes(x)) elems.push(x);
    offsets[i + 1] = elems.length;
  });
  if (def.type === 'text') {
    const dict: string[] = [];
    const index = new Map<string, number>();
    return { kind: 'textset', offsets, codes: Int32Array.from(elems, (x) => dictCode(dict, index, textOf(x))), dict };
  }
  return { kind: 'numset', offsets, values: Float64Array.from(elems, (x) => numOf(x, def.type)) };
}

export interface RunAll {
  program: Program;
  result: ResultTree;
  outcomes: RunOutcome[];
  debug: Value[];
}

/** Compiles `script` and runs it for every person; collects the result tree, outcomes and debug log. */
export function runScript(
  script: string,
  schema: TableSchema,
  people: PersonInput[],
  opts: Partial<CompileOptions> = {},
  ctxExtra: Partial<RunContext> = {},
): RunAll {
  const program = compile(script, schema, { mode: 'event', ...opts });
  const result = program.newResult();
  const debug: Value[] = [];
  const { slices } = buildBlock(schema, people);
  const ctx: RunContext = {
    result,
    now: Date.parse('2020-01-01T00:00:00Z'),
    sessionTime: 30 * 60_000,
    budget: { remaining: 1e7 },
    debugLog: debug,
    ...ctxExtra,
  };
  const outcomes = slices.map((s) => program.run(s, ctx));
  return { program, result, outcomes, debug };
}
