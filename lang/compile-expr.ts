/**
 * Expressions → closures over a Frame. Names and column slots are resolved here, once; the closures
 * only index typed arrays. Common hot shapes get specialised closures: text column vs string literal
 * compares dictionary codes as integers, numeric column vs number literal compares floats, and set
 * columns are scanned in place instead of being materialised.
 */
import type { CmpOp, Expr } from './ast.ts';
import { ACTION_SLOT, EXIT_SIGNAL, type Cond, type Ev, type Frame } from './frame.ts';
import { ColumnTable } from './column-access.ts';
import { TIME_NAMES, type Resolution } from './check.ts';
import { compileError } from './indent.ts';
import * as cur from './cursor.ts';
import { DbError } from './errors.ts';
import {
  add, contains, div, eq, floordiv, ge, getItem, getSlice, gt, is, le, lt, mod, mul, ne, neg, pyStr, sub, truthy,
  type Key, type Value,
} from './runtime/values.ts';
import { FUNCTIONS } from './runtime/builtins.ts';
import { callMethod } from './runtime/methods.ts';
import { compileInlineAgg } from './inline-agg.ts';

export type { Ev, Cond } from './frame.ts';
export type { ColumnAccess } from './column-access.ts';

/** A user function: params are global slots; `run` is filled in after all bodies are compiled. */
export interface UserFn {
  params: number[];
  run: (f: Frame) => Value;
}


const MAX_CALL_DEPTH = 64;

/** Builtins that may keep their argument array, so they get a fresh one each call. */
const KEEPS_ARGS = new Set(['list', 'set', 'dict']);

export class ExprCompiler {
  readonly cols: ColumnTable;
  readonly userFns = new Map<string, UserFn>();
  /** Set by the statement compiler: compiles tally(...) calls (needs the aggregators). */
  tally: ((args: Expr[], at: Expr) => Ev) | null = null;

  readonly res: Resolution;

  constructor(res: Resolution) {
    this.res = res;
    this.cols = new ColumnTable(res.columns);
    for (const [name, d] of res.defs) {
      this.userFns.set(name, { params: d.params.map((p) => res.vars.get(p)!), run: () => null });
    }
  }

  private err(at: Expr, code: string, detail: string): never {
    throw compileError(code, `line ${at.line}: ${detail}`, at.line, at.col, this.res.source);
  }

  private isVar(e: Expr): boolean {
    return e.k === 'name' && this.res.vars.has(e.name);
  }

  /** The user set column an expression names, if it is one. */
  setColumn(e: Expr): number | null {
    if (e.k !== 'name' || this.isVar(e)) return null;
    const i = this.cols.slots.get(e.name);
    return i !== undefined && this.cols.defs[i]!.isSet ? i : null;
  }

  /** Slot of a plain (non-set) text column or the action built-in, for code comparisons. */
  textColumn(e: Expr): number | null {
    if (e.k !== 'name' || this.isVar(e)) return null;
    if (e.name === 'action') return ACTION_SLOT;
    const i = this.cols.slots.get(e.name);
    return i !== undefined && !this.cols.defs[i]!.isSet && this.cols.defs[i]!.type === 'text' ? i : null;
  }

  private numColumn(e: Expr): number | null {
    if (e.k !== 'name' || this.isVar(e)) return null;
    const i = this.cols.slots.get(e.name);
    if (i === undefined) return null;
    const d = this.cols.defs[i]!;
    return !d.isSet && (d.type === 'int' || d.type === 'double') ? i : null;
  }

  /**
   * `textcol == 'literal'` (or `!=`, either side) as a code comparison the match loop can inline:
   * the loop then compares dictionary codes without calling a closure per row.
   */
  codeTest(e: Expr): { slot: number; k: number; negate: boolean } | null {
    if (e.k !== 'cmp' || e.ops.length !== 1) return null;
    const op = e.ops[0];
    if (op !== '==' && op !== '=' && op !== '!=' && op !== 'is' && op !== 'is not') return null;
    const [l, r] = e.operands as [Expr, Expr];
    const [colE, litE] = r.k === 'str' ? [l, r] : l.k === 'str' ? [r, l] : [null, null];
    const slot = colE ? this.textColumn(colE) : null;
    if (slot === null || litE?.k !== 'str') return null;
    return { slot, k: this.cols.textConst(slot, litE.v), negate: op === '!=' || op === 'is not' };
  }

  /** Compiles an expression used for its truth value. */
  cond(e: Expr): Cond {
    switch (e.k) {
      case 'cmp':
        return this.compare(e);
      case 'and': {
        const l = this.cond(e.l);
        const r = this.cond(e.r);
        return (f) => l(f) && r(f);
      }
      case 'or': {
        const l = this.cond(e.l);
        const r = this.cond(e.r);
        return (f) => l(f) || r(f);
      }
      case 'not': {
        const x = this.cond(e.e);
        return (f) => !x(f);
      }
      case 'const': {
        const v = e.v === true;
        return () => v;
      }
    }
    const x = this.expr(e);
    return (f) => truthy(x(f));
  }

  private compare(e: Extract<Expr, { k: 'cmp' }>): Cond {
    if (e.ops.length === 1) return this.compareOne(e.ops[0]!, e.operands[0]!, e.operands[1]!);
    const parts = e.ops.map((op, i) => ({ op: opFn(op), operand: this.expr(e.operands[i + 1]!) }));
    const first = this.expr(e.operands[0]!);
    return (f) => {
      let a = first(f);
      for (const p of parts) {
        const b = p.operand(f);
        if (!p.op(a, b)) return false;
        a = b;
      }
      return true;
    };
  }

  /**
   * The right side of `in`: a list literal of constants is built once instead of per row (it never
   * escapes the membership test, so sharing it is safe).
   */
  private container(e: Expr): Ev {
    if (e.k === 'list' && e.items.every((x) => x.k === 'num' || x.k === 'str' || x.k === 'const')) {
      const v = e.items.map((x) => (x as { v: Value }).v);
      return () => v;
    }
    return this.expr(e);
  }

  private compareOne(op: CmpOp, le_: Expr, re: Expr): Cond {
    const eqOp = op === '==' || op === '=';
    const neOp = op === '!=';
    // Set columns (pyql.md §4).
    const ls = this.setColumn(le_);
    if (ls !== null) {
      const r = op === 'in' || op === 'not in' ? this.container(re) : this.expr(re);
      if (eqOp || op === 'is') return this.cols.setHas(ls, r);
      if (neOp || op === 'is not') {
        const h = this.cols.setHas(ls, r);
        return (f) => !h(f);
      }
      if (op === 'in') return this.cols.setAnyIn(ls, r);
      if (op === 'not in') {
        const h = this.cols.setAnyIn(ls, r);
        return (f) => !h(f);
      }
    }
    const rs = this.setColumn(re);
    if (rs !== null && (op === 'in' || op === 'not in')) {
      const h = this.cols.setHas(rs, this.expr(le_));
      return op === 'in' ? h : (f) => !h(f);
    }
    // Text column vs string literal (==, !=, is, is not: equal for strings): integer code comparison.
    const test = this.codeTest({ line: 0, col: 0, k: 'cmp', ops: [op], operands: [le_, re] });
    if (test !== null) {
      const { slot, k, negate } = test;
      if (slot === ACTION_SLOT) return negate ? (f) => f.actionCodes[f.row] !== f.constCodes[k] : (f) => f.actionCodes[f.row] === f.constCodes[k];
      return negate ? (f) => f.codes[slot]![f.row] !== f.constCodes[k] : (f) => f.codes[slot]![f.row] === f.constCodes[k];
    }
    // Numeric column vs number literal: float comparison (NaN = None compares false, != true).
    const nslot = this.numColumn(le_);
    if (nslot !== null && re.k === 'num') {
      const c = re.v;
      switch (op) {
        case '==': case '=': return (f) => f.nums[nslot]![f.row] === c;
        case '!=': return (f) => f.nums[nslot]![f.row] !== c;
        case '<': return (f) => f.nums[nslot]![f.row]! < c;
        case '<=': return (f) => f.nums[nslot]![f.row]! <= c;
        case '>': return (f) => f.nums[nslot]![f.row]! > c;
        case '>=': return (f) => f.nums[nslot]![f.row]! >= c;
      }
    }
    // Plain text column vs any expression: strings are equal only to identical strings.
    const tslot = eqOp || neOp ? this.textColumn(le_) : null;
    if (tslot !== null && tslot !== ACTION_SLOT) {
      const r = this.expr(re);
      return eqOp
        ? (f) => {
            const c = f.codes[tslot]![f.row]!;
            const v = r(f);
            return c < 0 ? v === null : f.dicts[tslot]![c] === v;
          }
        : (f) => {
            const c = f.codes[tslot]![f.row]!;
            const v = r(f);
            return c < 0 ? v !== null : f.dicts[tslot]![c] !== v;
          };
    }
    const l = this.expr(le_);
    const r = op === 'in' || op === 'not in' ? this.container(re) : this.expr(re);
    const fn = opFn(op);
    return (f) => fn(l(f), r(f));
  }

  expr(e: Expr): Ev {
    switch (e.k) {
      case 'num': case 'str': case 'const': {
        const v = e.v;
        return () => v;
      }
      case 'name':
        return this.name(e);
      case 'list': {
        const items = e.items.map((x) => this.expr(x));
        return (f) => items.map((x) => x(f));
      }
      case 'dict': {
        const entries = e.entries.map((x) => ({ k: this.expr(x.key), v: this.expr(x.value) }));
        return (f) => {
          const m = new Map<Key, Value>();
          for (const x of entries) m.set(keyOf(x.k(f)), x.v(f));
          return m;
        };
      }
      case 'bin':
        return this.binary(e.op, this.expr(e.l), this.expr(e.r));
      case 'neg': {
        const x = this.expr(e.e);
        return (f) => {
          const v = x(f);
          return typeof v === 'number' ? -v : neg(v);
        };
      }
      case 'pos': {
        const x = this.expr(e.e);
        return (f) => {
          const v = x(f);
          if (typeof v === 'number' || v === null) return v;
          if (typeof v === 'boolean') return v ? 1 : 0;
          throw new DbError('run_time', 'type_error', 'unary + needs a number');
        };
      }
      case 'not': {
        const c = this.cond(e.e);
        return (f) => !c(f);
      }
      case 'and': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        return (f) => {
          const a = l(f);
          return truthy(a) ? r(f) : a;
        };
      }
      case 'or': {
        const l = this.expr(e.l);
        const r = this.expr(e.r);
        return (f) => {
          const a = l(f);
          return truthy(a) ? a : r(f);
        };
      }
      case 'cmp':
        return this.compare(e);
      case 'call':
        return this.call(e);
      case 'index': {
        const x = this.expr(e.e);
        const k = this.expr(e.index);
        return (f) => getItem(x(f), k(f));
      }
      case 'slice': {
        const x = this.expr(e.e);
        const a = e.from ? this.expr(e.from) : () => null;
        const b = e.to ? this.expr(e.to) : () => null;
        return (f) => getSlice(x(f), a(f), b(f));
      }
      case 'attr':
        return this.err(e, 'bad_attribute', `'.${e.name}' must be called as a method`);
      case 'time': {
        const unit = e.unitMs;
        if (e.e.k === 'num') {
          const v = e.e.v * unit;
          return () => v;
        }
        const x = this.expr(e.e);
        return (f) => {
          const v = x(f);
          return typeof v === 'number' ? v * unit : mul(v, unit);
        };
      }
      case 'agg':
        return compileInlineAgg(this, e);
    }
  }

  private binary(op: string, l: Ev, r: Ev): Ev {
    switch (op) {
      case '+':
        return (f) => {
          const a = l(f);
          const b = r(f);
          return typeof a === 'number' && typeof b === 'number' ? a + b : add(a, b);
        };
      case '-':
        return (f) => {
          const a = l(f);
          const b = r(f);
          return typeof a === 'number' && typeof b === 'number' ? a - b : sub(a, b);
        };
      case '*':
        return (f) => {
          const a = l(f);
          const b = r(f);
          return typeof a === 'number' && typeof b === 'number' ? a * b : mul(a, b);
        };
      case '/':
        return (f) => div(l(f), r(f));
      case '//':
        return (f) => floordiv(l(f), r(f));
      default:
        return (f) => mod(l(f), r(f));
    }
  }

  private name(e: Extract<Expr, { k: 'name' }>): Ev {
    const n = e.name;
    const slot = this.res.vars.get(n);
    if (slot !== undefined) return (f) => f.slots[slot]!;
    if (n === 'event_time' || this.cols.slots.has(n) || n === 'person' || n === 'people' || n === 'stamp' || n === 'action' || n === 'session') {
      return this.cols.access(n).read;
    }
    if (TIME_NAMES.has(n)) return this.timeName(n);
    if (n === 'each_value') return (f) => f.ctx!.eachValue ?? null;
    return this.err(e, 'unknown_name', `'${n}' is not a column, variable or built-in`);
  }

  private timeName(n: string): Ev {
    switch (n) {
      case 'now':
        return (f) => f.ctx!.now;
      case 'event_time':
        return (f) => f.stamp[f.row]!;
      case 'first_event':
        return (f) => (f.end > f.start ? f.stamp[f.start]! : null);
      case 'last_event':
        return (f) => (f.end > f.start ? f.stamp[f.end - 1]! : null);
      case 'first_match':
        return (f) => matchStamp(f, 0);
      case 'session_count':
        return (f) => f.sessionCount;
      default: // prev_match, last_match: the enclosing match one level out
        return (f) => matchStamp(f, f.matchDepth - 2);
    }
  }

  /** Evaluates argument closures into a reused buffer (fresh when a nested call could re-enter). */
  private args(args: Expr[], fresh: boolean): (f: Frame) => Value[] {
    const fns = args.map((a) => this.expr(a));
    const n = fns.length;
    if (fresh || args.some((a) => this.callsUser(a))) {
      return (f) => {
        const out = new Array<Value>(n);
        for (let i = 0; i < n; i++) out[i] = fns[i]!(f);
        return out;
      };
    }
    const buf = new Array<Value>(n).fill(null);
    return (f) => {
      for (let i = 0; i < n; i++) buf[i] = fns[i]!(f);
      return buf;
    };
  }

  private callsUser(e: Expr): boolean {
    if (e.k === 'call' && e.fn.k === 'name' && this.userFns.has(e.fn.name)) return true;
    for (const v of Object.values(e)) {
      if (v && typeof v === 'object') {
        if (Array.isArray(v)) {
          for (const x of v) if (x && typeof x === 'object' && 'k' in x ? this.callsUser(x as Expr) : isEntry(x) && (this.callsUser(x.key) || this.callsUser(x.value))) return true;
        } else if ('k' in v && this.callsUser(v as Expr)) return true;
      }
    }
    return false;
  }

  private call(e: Extract<Expr, { k: 'call' }>): Ev {
    const fn = e.fn;
    if (fn.k === 'attr') {
      const recv = this.expr(fn.e);
      const args = this.args(e.args, false);
      const name = fn.name;
      return (f) => {
        const r = recv(f);
        return callMethod(r, name, args(f));
      };
    }
    const name = (fn as { name: string }).name;
    const user = this.userFns.get(name);
    if (user) return this.userCall(user, e.args);
    if (TIME_NAMES.has(name)) return this.timeName(name);
    const special = this.special(name, e);
    if (special) return special;
    const builtin = FUNCTIONS[name]!;
    const args = this.args(e.args, KEEPS_ARGS.has(name));
    const impl = builtin.fn;
    return (f) => impl(args(f));
  }

  private userCall(user: UserFn, argExprs: Expr[]): Ev {
    const fns = argExprs.map((a) => this.expr(a));
    const n = fns.length;
    return (f) => {
      // Arguments are evaluated before any parameter is assigned (they may read the parameters).
      const vals = n === 0 ? EMPTY_ARGS : new Array<Value>(n);
      for (let i = 0; i < n; i++) vals[i] = fns[i]!(f);
      for (let i = 0; i < n; i++) f.slots[user.params[i]!] = vals[i]!;
      if (++f.callDepth > MAX_CALL_DEPTH) {
        throw new DbError('run_time', 'recursion_limit', `function calls nest deeper than ${MAX_CALL_DEPTH}`);
      }
      if (--f.budget < 0) f.charge(0);
      const row = f.row;
      try {
        return user.run(f);
      } finally {
        f.row = row;
        f.callDepth--;
      }
    };
  }

  /** Functions that need the cursor or run context (check.ts SPECIAL_FUNCTIONS). */
  private special(name: string, e: Extract<Expr, { k: 'call' }>): Ev | null {
    const a = e.args.map((x) => this.expr(x));
    switch (name) {
      case 'tally':
        return this.tally!(e.args, e);
      case 'iter_next':
        return cur.iterNext;
      case 'iter_prev':
        return cur.iterPrev;
      case 'iter_get':
        return cur.iterGet;
      case 'iter_set':
        return (f) => cur.iterSet(f, a[0]!(f));
      case 'iter_move_first':
        return cur.iterMoveFirst;
      case 'iter_move_last':
        return cur.iterMoveLast;
      case 'iter_within':
        return (f) => cur.iterWithin(f, a[0]!(f), a[1]!(f));
      case 'iter_between':
        return (f) => cur.iterBetween(f, a[0]!(f), a[1]!(f));
      case 'event_count':
        return (f) => f.events();
      case 'population':
      case 'complement':
      case 'compliment': {
        const neg_ = name !== 'population';
        return (f) => inSegment(f, a[0]!(f)) !== neg_;
      }
      case 'intersection':
        return (f) => inSegment(f, a[0]!(f)) && inSegment(f, a[1]!(f));
      case 'union':
        return (f) => inSegment(f, a[0]!(f)) || inSegment(f, a[1]!(f));
      case 'difference':
        return (f) => inSegment(f, a[0]!(f)) && !inSegment(f, a[1]!(f));
      case 'emit':
        return (f) => {
          f.ctx!.emit?.(pyStr(a[0]!(f)));
          throw EXIT_SIGNAL;
        };
      case 'schedule':
        return (f) => {
          const delay = a[0]!(f);
          const fnName = a[1]!(f);
          if (typeof delay !== 'number' || typeof fnName !== 'string' || !this.userFns.has(fnName)) {
            throw new DbError('run_time', 'bad_schedule', 'schedule(delay_ms, "function_name") needs a number and a defined function name');
          }
          f.ctx!.schedule?.(delay, fnName);
          return null;
        };
      case 'debug':
        return (f) => {
          f.ctx!.debugLog?.push(snapshot(a[0]!(f)));
          return null;
        };
      case 'log':
        return (f) => {
          const parts = a.map((x) => pyStr(x(f)));
          f.ctx!.debugLog?.push(parts.join(' '));
          return null;
        };
    }
    return null;
  }
}

const EMPTY_ARGS: Value[] = [];

function isEntry(x: unknown): x is { key: Expr; value: Expr } {
  return typeof x === 'object' && x !== null && 'key' in x && 'value' in x;
}

/**
 * Stamp of the row matched by the active match at `depth` (clamped to the outermost); None when no
 * match is active or that match has not matched a row yet (e.g. inside its own where).
 */
function matchStamp(f: Frame, depth: number): Value {
  if (f.matchDepth === 0) return null;
  const r = f.matchRows[depth < 0 ? 0 : depth]!;
  return r >= 0 ? f.stamp[r]! : null;
}

/** A deep copy, so later mutation of a container does not change what debug() logged. */
function snapshot(v: Value): Value {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(snapshot);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, snapshot(x)]));
  return new Set(v);
}

function inSegment(f: Frame, name: Value): boolean {
  const test = f.ctx!.inSegment;
  if (!test) throw new DbError('run_time', 'no_segments', 'segment math (population, union, ...) needs segments; use it in @segment scripts');
  return test(pyStr(name));
}

function keyOf(v: Value): Key {
  if (v === null || typeof v !== 'object') return v;
  throw new DbError('run_time', 'unhashable', 'containers cannot be dict keys');
}

function opFn(op: CmpOp): (a: Value, b: Value) => boolean {
  switch (op) {
    case '==': case '=': return eq;
    case '!=': return ne;
    case '<': return lt;
    case '<=': return le;
    case '>': return gt;
    case '>=': return ge;
    case 'is': return is;
    case 'is not': return (a, b) => !is(a, b);
    case 'in': return (a, b) => contains(b, a);
    case 'not in': return (a, b) => !contains(b, a);
  }
}
