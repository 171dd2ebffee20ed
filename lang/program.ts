/**
 * A compiled query: runs once per person over a PersonSlice. All per-query state lives in the
 * Program's Frame, so nothing leaks between queries; variables reset to None for every person.
 */
import type { PersonSlice } from './columns.ts';
import { DbError } from './errors.ts';
import { EXIT, EXIT_SIGNAL, END_LOOP, Frame, RETURN, type RunContext } from './frame.ts';
import type { Compiled } from './compile.ts';
import type { Resolution } from './check.ts';
import { ResultTree, type AggSpec } from './result.ts';
import type { Value } from './runtime/values.ts';

export type RunOutcome = Readonly<{ member: boolean; value: Value }>;

/** The outcomes without a value, shared: most runs return one of them, so a run allocates nothing. */
const NOT_MEMBER: RunOutcome = Object.freeze({ member: false, value: null });
const MEMBER: RunOutcome = Object.freeze({ member: true, value: null });

export interface Program {
  /** User columns the script references (the store decodes only these). */
  columns: string[];
  /** From the aggregate: section (default: count person). */
  aggs: AggSpec[];
  usesSession: boolean;
  /** Aggregator alias named in the script's `sort:` section (OpenSet samples), else null. */
  sort: string | null;
  /** Readable listing for debug=true. */
  dump(): string;
  newResult(segmentCount?: number): ResultTree;
  /** Runs the script for one person. */
  run(person: PersonSlice, ctx: RunContext): RunOutcome;
}

export class CompiledProgram implements Program {
  readonly columns: string[];
  readonly aggs: AggSpec[];
  readonly usesSession: boolean;
  readonly sort: string | null;
  private readonly frame: Frame;
  private readonly res: Resolution;
  private readonly compiled: Compiled;
  private readonly listing: () => string;

  constructor(res: Resolution, compiled: Compiled, listing: () => string) {
    this.res = res;
    this.compiled = compiled;
    this.listing = listing;
    this.columns = [...res.columns.keys()];
    this.aggs = res.aggs;
    this.usesSession = res.usesSession;
    this.sort = res.sort;
    const cx = compiled.cx;
    this.frame = new Frame(res.vars.size, cx.cols.defs, cx.cols.textConsts, res.usesSession);
  }

  dump(): string {
    return this.listing();
  }

  newResult(segmentCount = 1): ResultTree {
    return new ResultTree(this.aggs, segmentCount);
  }

  run(person: PersonSlice, ctx: RunContext): RunOutcome {
    // A person always has rows; an empty slice would leave the cursor on someone else's row.
    if (person.end <= person.start) return NOT_MEMBER;
    const f = this.frame;
    f.enter(person, ctx);
    ctx.result?.beginPerson();
    let value: Value = null;
    try {
      const sig = this.compiled.main(f);
      if (sig === RETURN) value = f.retVal;
      if (this.res.mode === 'trigger' && sig !== EXIT) this.runEntry(f, ctx.entry ?? 'on_insert');
    } catch (e) {
      if (e !== EXIT_SIGNAL && e !== END_LOOP) throw this.annotate(e);
    } finally {
      ctx.budget.remaining = f.budget;
    }
    if (value === null) return f.member ? MEMBER : NOT_MEMBER;
    return { member: f.member, value };
  }

  private runEntry(f: Frame, name: string): void {
    const fn = this.compiled.cx.userFns.get(name);
    if (!fn) throw new DbError('run_time', 'unknown_function', `trigger function '${name}' is not defined`);
    f.row = f.start;
    fn.run(f);
  }

  /** Adds line, person and source line to a run-time error; wraps unexpected faults. */
  private annotate(e: unknown): DbError {
    const f = this.frame;
    const extra = { line: f.line, person: f.person, source: this.res.source[f.line - 1] ?? '' };
    if (e instanceof DbError) {
      if (e.body.class !== 'run_time') return e;
      return new DbError('run_time', e.body.message, `line ${f.line}: ${e.body.detail}`, extra);
    }
    const msg = e instanceof Error ? e.message : String(e);
    if (e instanceof RangeError) return new DbError('run_time', 'resource_limit', `line ${f.line}: ${msg}`, extra);
    return new DbError('run_time', 'internal_error', `line ${f.line}: ${msg}`, extra);
  }
}
