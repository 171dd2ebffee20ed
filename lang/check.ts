/**
 * Resolution and static checks (pyql.md §2–§8): classifies every name, checks columns, aggregators,
 * function arity, `break N`, per-mode rules and `=` outside conditions, and assigns variable slots.
 * Every compile error is thrown from here (or the parser) before any person runs.
 */
import type { AggLine, At, Expr, Script, Stmt, Target } from './ast.ts';
import { compileError } from './indent.ts';
import type { ColumnDef, TableSchema } from './schema.ts';
import type { AggSpec } from './result.ts';
import { FUNCTIONS } from './runtime/builtins.ts';
import { METHOD_NAMES } from './runtime/methods.ts';

export type Mode = 'event' | 'segment' | 'histogram' | 'trigger';

/** Built-in row columns; `people` and `event_time` are aliases of `person` and `stamp`. */
const ROW_BUILTINS = new Set(['person', 'people', 'stamp', 'action', 'session']);
/** Time names, readable bare or called with `()`. */
export const TIME_NAMES = new Set(['now', 'event_time', 'first_event', 'last_event', 'first_match', 'prev_match', 'last_match', 'session_count']);

/** Functions the compiler implements itself because they need the cursor or run context: [min, max] arity. */
export const SPECIAL_FUNCTIONS: Record<string, [number, number]> = {
  tally: [0, 16],
  iter_next: [0, 0], iter_prev: [0, 0], iter_get: [0, 0], iter_set: [1, 1],
  iter_move_first: [0, 0], iter_move_last: [0, 0], iter_within: [2, 2], iter_between: [2, 2],
  event_count: [0, 0],
  population: [1, 1], intersection: [2, 2], union: [2, 2], difference: [2, 2], complement: [1, 1], compliment: [1, 1],
  emit: [1, 1], schedule: [2, 2], debug: [1, 1], log: [0, 64],
};

export interface Resolution {
  mode: Mode;
  /** Variable name → slot in the flat per-person slot array. */
  vars: Map<string, number>;
  defs: Map<string, Extract<Stmt, { k: 'def' }>>;
  /** User columns the script references, by name. */
  columns: Map<string, ColumnDef>;
  usesSession: boolean;
  aggs: AggSpec[];
  /** Aggregator lines, parallel to `aggs` (the default `count person` has a synthetic line). */
  aggLines: AggLine[];
  eachValue: boolean;
  /** Aggregator alias from a `sort:` section, if any (the query's default sort). */
  sort: string | null;
  source: string[];
}

interface Ctx {
  loops: number;
  inDef: boolean;
}

export function check(script: Script, schema: TableSchema, mode: Mode, eachValue: boolean, source: string[]): Resolution {
  const userCols = new Map(schema.columns.map((c) => [c.name, c]));
  const err = (at: At, code: string, detail: string): never => {
    throw compileError(code, `line ${at.line}: ${detail}`, at.line, at.col, source);
  };
  const res: Resolution = {
    mode,
    vars: new Map(),
    defs: new Map(),
    columns: new Map(),
    usesSession: false,
    aggs: [],
    aggLines: [],
    eachValue: mode === 'histogram' && eachValue,
    sort: null,
    source,
  };
  const isColumn = (name: string): boolean => userCols.has(name) || ROW_BUILTINS.has(name) || name === 'event_time';
  const useColumn = (name: string): void => {
    const def = userCols.get(name);
    if (def) res.columns.set(name, def);
    if (name === 'session') res.usesSession = true;
  };

  // Pass 1: functions and assigned names (functions may be defined after their call sites).
  const assign = (at: At, name: string): void => {
    if (isColumn(name)) err(at, 'assign_to_column', `'${name}' is a column and cannot be assigned; use another variable name`);
    if (res.defs.has(name)) err(at, 'assign_to_function', `'${name}' is a function and cannot be assigned`);
    if (!res.vars.has(name)) res.vars.set(name, res.vars.size);
  };
  const collectDefs = (body: Stmt[]): void => {
    for (const s of body) {
      if (s.k === 'def') {
        if (res.defs.has(s.name)) err(s, 'duplicate_function', `function '${s.name}' is defined twice`);
        if (FUNCTIONS[s.name] || SPECIAL_FUNCTIONS[s.name] || TIME_NAMES.has(s.name) || isColumn(s.name)) {
          err(s, 'reserved_function', `'${s.name}' is a built-in name and cannot be redefined`);
        }
        res.defs.set(s.name, s);
      }
      forEachBody(s, collectDefs);
    }
  };
  const collectVars = (body: Stmt[]): void => {
    for (const s of body) {
      if (s.k === 'assign' || s.k === 'del') assign(s.target, s.target.name);
      else if (s.k === 'for') for (const v of s.vars) assign(s, v);
      else if (s.k === 'def') for (const p of s.params) assign(s, p);
      forEachBody(s, collectVars);
    }
  };
  collectDefs(script.body);
  collectVars(script.body);

  const checkName = (e: At & { name: string }): void => {
    const n = e.name;
    if (res.vars.has(n)) return;
    if (isColumn(n)) return useColumn(n);
    if (TIME_NAMES.has(n)) {
      if (n === 'session_count') res.usesSession = true;
      return;
    }
    if (n === 'each_value' && res.eachValue) return;
    if (res.defs.has(n) || FUNCTIONS[n] || SPECIAL_FUNCTIONS[n]) err(e, 'function_as_value', `'${n}' is a function; call it with ()`);
    err(e, 'unknown_name', `'${n}' is not a column, variable or built-in`);
  };

  const checkColumnRef = (at: At, name: string, what: string): void => {
    if (!isColumn(name)) err(at, 'unknown_column', `${what} '${name}' is not a column`);
    useColumn(name);
  };

  const checkCall = (e: Extract<Expr, { k: 'call' }>): void => {
    for (const a of e.args) checkExpr(a, false);
    const fn = e.fn;
    if (fn.k === 'attr') {
      checkExpr(fn.e, false);
      if (!METHOD_NAMES.has(fn.name)) err(fn, 'unknown_method', `'${fn.name}' is not a list, set, dict or str method`);
      return;
    }
    if (fn.k !== 'name') err(fn, 'not_callable', 'only functions and methods can be called');
    const name = (fn as { name: string }).name;
    const n = e.args.length;
    const arity = (min: number, max: number): void => {
      if (n < min || n > max) {
        const want = min === max ? `${min}` : max >= 64 ? `at least ${min}` : `${min} to ${max}`;
        err(e, 'arity', `${name}() takes ${want} argument${want === '1' ? '' : 's'}, got ${n}`);
      }
    };
    if (res.vars.has(name)) err(fn, 'not_callable', `'${name}' is a variable, not a function`);
    const def = res.defs.get(name);
    if (def) return arity(def.params.length, def.params.length);
    if (TIME_NAMES.has(name)) {
      if (name === 'session_count') res.usesSession = true;
      return arity(0, 0);
    }
    const special = SPECIAL_FUNCTIONS[name];
    if (special) {
      if (name === 'tally' && mode === 'histogram') err(e, 'tally_in_histogram', 'histogram scripts return a value; tally() is not allowed');
      if (name === 'schedule' && e.args[1]?.k === 'str' && !res.defs.has(e.args[1].v)) {
        err(e.args[1], 'unknown_function', `schedule() names '${e.args[1].v}', which is not defined with def`);
      }
      return arity(special[0], special[1]);
    }
    const builtin = FUNCTIONS[name];
    if (builtin) return arity(builtin.min, builtin.max);
    err(fn, 'unknown_function', `'${name}' is not a function`);
  };

  const checkExpr = (e: Expr, cond: boolean): void => {
    switch (e.k) {
      case 'num': case 'str': case 'const':
        return;
      case 'name':
        return checkName(e);
      case 'list':
        return e.items.forEach((x) => checkExpr(x, false));
      case 'dict':
        return e.entries.forEach((x) => (checkExpr(x.key, false), checkExpr(x.value, false)));
      case 'bin':
        checkExpr(e.l, false);
        return checkExpr(e.r, false);
      case 'neg': case 'pos': case 'time':
        return checkExpr(e.e, false);
      case 'not':
        return checkExpr(e.e, cond);
      case 'and': case 'or':
        checkExpr(e.l, cond);
        return checkExpr(e.r, cond);
      case 'cmp':
        if (!cond && e.ops.includes('=')) err(e, 'assign_in_expression', "'=' compares only in if/while/where conditions; use '=='");
        return e.operands.forEach((x) => checkExpr(x, cond));
      case 'call':
        return checkCall(e);
      case 'index':
        checkExpr(e.e, false);
        return checkExpr(e.index, false);
      case 'slice':
        checkExpr(e.e, false);
        if (e.from) checkExpr(e.from, false);
        if (e.to) checkExpr(e.to, false);
        return;
      case 'attr':
        return err(e, 'bad_attribute', `'.${e.name}' must be called as a method`);
      case 'agg':
        checkColumnRef(e, e.column, `${e.fn}`);
        if (e.with) checkColumnRef(e, e.with, 'with');
        if (e.where) checkExpr(e.where, true);
        return;
    }
  };

  const checkTarget = (t: Target): void => {
    for (const i of t.index) checkExpr(i, false);
  };

  const checkBody = (body: Stmt[], ctx: Ctx): void => {
    for (const s of body) checkStmt(s, ctx);
  };

  const checkStmt = (s: Stmt, ctx: Ctx): void => {
    switch (s.k) {
      case 'assign':
        checkTarget(s.target);
        return checkExpr(s.e, false);
      case 'expr':
        return checkExpr(s.e, false);
      case 'if':
        for (const b of s.branches) {
          checkExpr(b.cond, true);
          checkBody(b.body, ctx);
        }
        if (s.orelse) checkBody(s.orelse, ctx);
        return;
      case 'for':
        checkExpr(s.iter, false);
        return checkBody(s.body, { ...ctx, loops: ctx.loops + 1 });
      case 'while':
        checkExpr(s.cond, true);
        return checkBody(s.body, { ...ctx, loops: ctx.loops + 1 });
      case 'match':
        if (s.count) checkExpr(s.count, false);
        if (s.where) checkExpr(s.where, true);
        return checkBody(s.body, { ...ctx, loops: ctx.loops + 1 });
      case 'def':
        return checkBody(s.body, { loops: 0, inDef: true });
      case 'return':
        if (s.e) checkExpr(s.e, false);
        return;
      case 'break':
        if (typeof s.n === 'number') {
          if (s.n < 1) err(s, 'bad_break', 'break needs a positive count');
          if (s.n > 1 && s.n > ctx.loops) err(s, 'bad_break', `break ${s.n} leaves more loops than the ${ctx.loops} enclosing it`);
        }
        return;
      case 'del':
        if (s.target.index.length === 0) err(s, 'bad_del', 'del needs a subscript: del x[key]');
        return checkTarget(s.target);
      case 'continue': case 'pass': case 'exit':
        return;
    }
  };

  checkBody(script.body, { loops: 0, inDef: false });
  checkAggregates(script.aggs, res, userCols, isColumn, useColumn, err);
  for (const s of script.sort ?? []) {
    const name = s.name === 'people' ? 'person' : s.name;
    if (!res.aggs.some((a) => a.alias === name) && name !== 'person') err(s, 'bad_sort', `sort: '${s.name}' is not an aggregator alias`);
    res.sort ??= name;
  }
  return res;
}

/** The aggregate: section (pyql.md §2) → AggSpec list; default `count person`. */
function checkAggregates(
  lines: AggLine[] | null,
  res: Resolution,
  userCols: Map<string, ColumnDef>,
  isColumn: (n: string) => boolean,
  useColumn: (n: string) => void,
  err: (at: At, code: string, detail: string) => never,
): void {
  const list = lines ?? [{ line: 1, col: 1, kind: 'count', name: 'person', alias: null, with: null, all: false } satisfies AggLine];
  const aliases = new Set<string>();
  for (const l of list) {
    const alias = l.alias ?? (l.name === 'people' ? 'person' : l.name);
    if (aliases.has(alias)) err(l, 'duplicate_alias', `aggregator alias '${alias}' is used twice; add 'as other_name'`);
    aliases.add(alias);
    if (l.with) {
      if (!isColumn(l.with)) err(l, 'unknown_column', `with '${l.with}' is not a column`);
      useColumn(l.with);
    }
    let spec: AggSpec;
    if (l.kind === 'var') {
      if (!res.vars.has(l.name)) err(l, 'unknown_variable', `var '${l.name}' is never assigned in the script`);
      spec = { kind: 'var', alias, source: { type: 'variable', name: l.name }, all: l.all };
    } else if (l.name === 'person' || l.name === 'people') {
      if (l.kind !== 'count') err(l, 'bad_aggregate', `only 'count person' aggregates the person id`);
      spec = { kind: 'count', alias, source: { type: 'person' }, all: l.all };
    } else {
      if (!isColumn(l.name)) err(l, 'unknown_column', `aggregator '${l.kind} ${l.name}': '${l.name}' is neither a column nor var`);
      const def = userCols.get(l.name);
      const numeric = def ? def.type !== 'text' : l.name !== 'action';
      if ((l.kind === 'sum' || l.kind === 'avg' || l.kind === 'min' || l.kind === 'max') && !numeric) {
        err(l, 'bad_aggregate', `${l.kind} needs a numeric column; '${l.name}' is text`);
      }
      useColumn(l.name);
      spec = { kind: l.kind, alias, source: { type: 'column', name: l.name }, all: l.all };
    }
    if (l.with) spec.withColumn = l.with;
    res.aggs.push(spec);
    res.aggLines.push(l);
  }
}

/** Calls f on every nested statement list of s. */
function forEachBody(s: Stmt, f: (body: Stmt[]) => void): void {
  switch (s.k) {
    case 'if':
      for (const b of s.branches) f(b.body);
      if (s.orelse) f(s.orelse);
      return;
    case 'for': case 'while': case 'match': case 'def':
      f(s.body);
      return;
  }
}
