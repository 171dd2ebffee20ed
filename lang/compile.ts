/**
 * Statements → closures returning a completion signal (frame.ts NORMAL/BREAK/CONTINUE/RETURN/EXIT).
 * Loops (match, reverse_match, for, while) handle `break N` by counting `Frame.breakLevels` down.
 * A `match` body gets its own cursor: the loop sets `Frame.row` to each row it matches and restores
 * the enclosing cursor when it ends; iter_next() past the end throws END_LOOP to the innermost match.
 */
import type { Expr, Stmt, Target } from './ast.ts';
import { ACTION_SLOT, BREAK, CONTINUE, END_LOOP, EXIT, EXIT_SIGNAL, NORMAL, RETURN, type Frame } from './frame.ts';
import { ExprCompiler, type Cond, type Ev } from './compile-expr.ts';
import type { Resolution } from './check.ts';
import { makeTally } from './tally.ts';
import { DbError } from './errors.ts';
import { add, delItem, div, getItem, mul, pyStr, setItem, sub, typeName, type Value } from './runtime/values.ts';

export type Run = (f: Frame) => number;

const SEGMENT_MATH = new Set(['population', 'intersection', 'union', 'difference', 'complement', 'compliment']);

export interface Compiled {
  main: Run;
  cx: ExprCompiler;
}

export function compileScript(body: Stmt[], res: Resolution): Compiled {
  const cx = new ExprCompiler(res);
  cx.tally = makeTally(cx, res);
  const sc = new StmtCompiler(cx, res);
  for (const [name, def] of res.defs) {
    const fnBody = sc.block(def.body, 0);
    cx.userFns.get(name)!.run = (f) => {
      const sig = fnBody(f);
      if (sig === RETURN) {
        const v = f.retVal;
        f.retVal = null;
        return v;
      }
      if (sig === EXIT) throw EXIT_SIGNAL;
      return null;
    };
  }
  return { main: sc.block(body, 0), cx };
}

function augFn(op: string): (a: Value, b: Value) => Value {
  switch (op) {
    case '+=': return add;
    case '-=': return sub;
    case '*=': return mul;
    default: return div;
  }
}

class StmtCompiler {
  readonly cx: ExprCompiler;
  readonly res: Resolution;

  constructor(cx: ExprCompiler, res: Resolution) {
    this.cx = cx;
    this.res = res;
  }

  block(stmts: Stmt[], loops: number): Run {
    const runs = stmts.filter((s) => s.k !== 'def').map((s) => this.stmt(s, loops));
    const n = runs.length;
    if (n === 0) return () => NORMAL;
    if (n === 1) return runs[0]!;
    if (n === 2) {
      const [a, b] = runs as [Run, Run];
      return (f) => {
        const s = a(f);
        return s !== NORMAL ? s : b(f);
      };
    }
    return (f) => {
      for (let i = 0; i < n; i++) {
        const s = runs[i]!(f);
        if (s !== NORMAL) return s;
      }
      return NORMAL;
    };
  }

  private stmt(s: Stmt, loops: number): Run {
    const L = s.line;
    switch (s.k) {
      case 'assign':
        return this.assign(L, s.target, s.op, this.cx.expr(s.e));
      case 'expr':
        return this.exprStmt(L, s.e);
      case 'if': {
        const conds = s.branches.map((b) => this.cx.cond(b.cond));
        const bodies = s.branches.map((b) => this.block(b.body, loops));
        const orelse = s.orelse ? this.block(s.orelse, loops) : null;
        if (conds.length === 1) {
          const c = conds[0]!;
          const b = bodies[0]!;
          return orelse
            ? (f) => {
                f.line = L;
                return c(f) ? b(f) : orelse(f);
              }
            : (f) => {
                f.line = L;
                return c(f) ? b(f) : NORMAL;
              };
        }
        return (f) => {
          f.line = L;
          for (let i = 0; i < conds.length; i++) if (conds[i]!(f)) return bodies[i]!(f);
          return orelse ? orelse(f) : NORMAL;
        };
      }
      case 'for':
        return this.forLoop(L, s, loops);
      case 'while': {
        const c = this.cx.cond(s.cond);
        const body = this.block(s.body, loops + 1);
        return (f) => {
          f.line = L;
          while (c(f)) {
            if (--f.budget < 0) f.charge(0);
            const sig = body(f);
            if (sig !== NORMAL) {
              if (sig === BREAK) {
                if (--f.breakLevels > 0) return BREAK;
                break;
              }
              if (sig !== CONTINUE) return sig;
            }
            f.line = L;
          }
          return NORMAL;
        };
      }
      case 'match':
        return this.match(L, s, loops);
      case 'def':
        return () => NORMAL;
      case 'return': {
        const e = s.e ? this.cx.expr(s.e) : null;
        return (f) => {
          f.line = L;
          f.retVal = e ? e(f) : null;
          return RETURN;
        };
      }
      case 'break': {
        // break/continue outside any loop end the person's script.
        if (loops === 0) return () => EXIT;
        const n = s.n === 'all' ? loops : s.n === 'top' ? loops - 1 : s.n;
        if (n === 0) return () => CONTINUE;
        return (f) => {
          f.breakLevels = n;
          return BREAK;
        };
      }
      case 'continue':
        return loops === 0 ? () => EXIT : () => CONTINUE;
      case 'pass':
        return () => NORMAL;
      case 'exit':
        return () => EXIT;
      case 'del': {
        const slot = this.res.vars.get(s.target.name)!;
        const idx = s.target.index.map((i) => this.cx.expr(i));
        const last = idx.pop()!;
        return (f) => {
          f.line = L;
          let obj: Value = f.slots[slot]!;
          for (const i of idx) obj = getItem(obj, i(f));
          delItem(obj, last(f));
          return NORMAL;
        };
      }
    }
  }

  private assign(L: number, t: Target, op: string, e: Ev): Run {
    const slot = this.res.vars.get(t.name)!;
    if (t.index.length === 0) {
      if (op === '=') {
        return (f) => {
          f.line = L;
          f.slots[slot] = e(f);
          return NORMAL;
        };
      }
      if (op === '+=') {
        return (f) => {
          f.line = L;
          const a = f.slots[slot]!;
          const b = e(f);
          f.slots[slot] = typeof a === 'number' && typeof b === 'number' ? a + b : add(a, b);
          return NORMAL;
        };
      }
      const fn = augFn(op);
      return (f) => {
        f.line = L;
        f.slots[slot] = fn(f.slots[slot]!, e(f));
        return NORMAL;
      };
    }
    const idx = t.index.map((i) => this.cx.expr(i));
    const last = idx.pop()!;
    const fn = op === '=' ? null : augFn(op);
    return (f) => {
      f.line = L;
      const v = e(f);
      let obj: Value = f.slots[slot]!;
      for (const i of idx) obj = getItem(obj, i(f));
      const k = last(f);
      setItem(obj, k, fn ? fn(getItem(obj, k), v) : v);
      return NORMAL;
    };
  }

  private exprStmt(L: number, e: Expr): Run {
    if (e.k === 'call' && e.fn.k === 'name' && !this.cx.userFns.has(e.fn.name)) {
      const name = e.fn.name;
      // Statements that end the script return EXIT directly instead of throwing.
      if (name === 'tally' && this.res.mode === 'segment') {
        return (f) => {
          f.member = true;
          return EXIT;
        };
      }
      if (SEGMENT_MATH.has(name) && this.res.mode === 'segment') {
        const c = this.cx.cond(e);
        return (f) => {
          f.line = L;
          f.member = c(f);
          return EXIT;
        };
      }
      if (name === 'emit') {
        const msg = this.cx.expr(e.args[0]!);
        return (f) => {
          f.line = L;
          const m = msg(f);
          f.ctx!.emit?.(pyStr(m));
          return EXIT;
        };
      }
    }
    const x = this.cx.expr(e);
    return (f) => {
      f.line = L;
      x(f);
      return NORMAL;
    };
  }

  private forLoop(L: number, s: Extract<Stmt, { k: 'for' }>, loops: number): Run {
    const iter = this.cx.expr(s.iter);
    const body = this.block(s.body, loops + 1);
    const v1 = this.res.vars.get(s.vars[0]!)!;
    const v2 = s.vars.length > 1 ? this.res.vars.get(s.vars[1]!)! : -1;
    /** Runs the body once; returns -1 to keep looping, else the signal the loop returns. */
    const step = (f: Frame): number => {
      if (--f.budget < 0) f.charge(0);
      const sig = body(f);
      f.line = L;
      if (sig === NORMAL || sig === CONTINUE) return -1;
      if (sig === BREAK) return --f.breakLevels > 0 ? BREAK : NORMAL;
      return sig;
    };
    const unpack = (f: Frame, x: Value): void => {
      if (!Array.isArray(x) || x.length !== 2) {
        throw new DbError('run_time', 'bad_unpack', `cannot unpack ${typeName(x)} into two loop variables`);
      }
      f.slots[v1] = x[0]!;
      f.slots[v2] = x[1]!;
    };
    const setSlot = v2 < 0 ? this.cx.setColumn(s.iter) : null;
    if (setSlot !== null) {
      // `for v in set_column`: walk the row's elements in place instead of building a set.
      const element = this.cx.cols.setElement(setSlot);
      return (f) => {
        f.line = L;
        const o = f.offs[setSlot]!;
        const row = f.row;
        for (let k = o[row]!; k < o[row + 1]!; k++) {
          f.slots[v1] = element(f, k);
          const r = step(f);
          if (r >= 0) return r;
        }
        return NORMAL;
      };
    }
    return (f) => {
      f.line = L;
      const it = iter(f);
      if (Array.isArray(it)) {
        for (let i = 0; i < it.length; i++) {
          if (v2 < 0) f.slots[v1] = it[i]!;
          else unpack(f, it[i]!);
          const r = step(f);
          if (r >= 0) return r;
        }
        return NORMAL;
      }
      if (it instanceof Map) {
        for (const [k, v] of it) {
          f.slots[v1] = k;
          if (v2 >= 0) f.slots[v2] = v;
          const r = step(f);
          if (r >= 0) return r;
        }
        return NORMAL;
      }
      if (it instanceof Set) {
        for (const k of it) {
          if (v2 < 0) f.slots[v1] = k;
          else unpack(f, k);
          const r = step(f);
          if (r >= 0) return r;
        }
        return NORMAL;
      }
      throw new DbError('run_time', 'not_iterable', `cannot iterate over ${typeName(it)} (for needs a list, set or dict)`);
    };
  }

  private match(L: number, s: Extract<Stmt, { k: 'match' }>, loops: number): Run {
    const test = s.where ? this.cx.codeTest(s.where) : null;
    const where: Cond | null = s.where && !test ? this.cx.cond(s.where) : null;
    const count: Ev | null = s.count ? this.cx.expr(s.count) : null;
    const body = this.block(s.body, loops + 1);
    const reverse = s.reverse;
    const tSlot = test ? test.slot : 0;
    const tK = test ? test.k : 0;
    const tNeg = test ? test.negate : false;
    return (f) => {
      f.line = L;
      let limit = Infinity;
      if (count !== null) {
        const c = count(f);
        if (typeof c !== 'number') throw new DbError('run_time', 'bad_match_count', `match N needs a number, got ${typeName(c)}`);
        limit = c;
      }
      const saved = f.row;
      const depth = f.matchDepth++;
      const rows = f.matchRows;
      const step = reverse ? -1 : 1;
      const stop = reverse ? f.start - 1 : f.end;
      // Inlined `col == 'text'` test: compare dictionary codes of the current block directly.
      const codes = test === null ? null : tSlot === ACTION_SLOT ? f.actionCodes : f.codes[tSlot]!;
      const want = test === null ? 0 : f.constCodes[tK]!;
      let hits = 0;
      let out = NORMAL;
      let r = saved;
      rows[depth] = -1;
      try {
        for (; r !== stop && hits < limit; r += step) {
          if (codes !== null) {
            if ((codes[r] === want) === tNeg) continue;
          } else if (where !== null) {
            f.row = r;
            f.line = L;
            if (!where(f)) continue;
          }
          f.row = r;
          rows[depth] = r;
          hits++;
          if (--f.budget < 0) f.charge(0);
          const sig = body(f);
          if (sig !== NORMAL) {
            if (sig === BREAK) {
              if (--f.breakLevels > 0) out = BREAK;
              break;
            }
            if (sig !== CONTINUE) {
              out = sig;
              break;
            }
          }
        }
      } catch (e) {
        if (e !== END_LOOP) throw e;
      } finally {
        f.row = saved;
        f.matchDepth = depth;
      }
      // Rows the loop only looked at cost one budget unit each as well.
      f.budget -= (r - saved) * step - hits;
      return out;
    };
  }
}
