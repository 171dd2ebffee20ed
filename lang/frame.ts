/**
 * Per-program run state. One Frame lives as long as its Program; `enter()` points it at one person
 * (rebinding typed column arrays only when the RowBlock changes) and resets variables to None.
 * Compiled closures read columns straight from these arrays: nothing is copied per row.
 */
import type { ColumnDef } from './schema.ts';
import type { ColumnVector, PersonSlice, RowBlock } from './columns.ts';
import type { ResultTree } from './result.ts';
import type { Value } from './runtime/values.ts';
import { DbError } from './errors.ts';

export interface RunContext {
  result?: ResultTree;
  segment?: number;
  now: number;
  sessionTime: number;
  budget: { remaining: number };
  eachValue?: Value;
  inSegment?: (name: string) => boolean;
  debugLog?: Value[];
  emit?: (message: string) => void;
  schedule?: (delayMs: number, fn: string) => void;
  /** Trigger mode: the function to run after the top-level statements (default `on_insert`). */
  entry?: string;
}

/** A compiled expression and a compiled condition. */
export type Ev = (f: Frame) => Value;
export type Cond = (f: Frame) => boolean;

/** Statement completion signals. */
export const NORMAL = 0;
export const BREAK = 1;
export const CONTINUE = 2;
export const RETURN = 3;
export const EXIT = 4;

/** Thrown (never allocated per throw) to end the person's script from inside an expression. */
export const EXIT_SIGNAL = { signal: 'exit' };
/** Thrown by iter_next()/iter_prev() past the ends: ends the innermost match loop. */
export const END_LOOP = { signal: 'end_loop' };

/** Slot of the built-in action column in text-constant registrations. */
export const ACTION_SLOT = -1;

const EMPTY_F64 = new Float64Array(0);
const EMPTY_I32 = new Int32Array(0);

export class Frame {
  slots: Value[];
  row = 0;
  start = 0;
  end = 0;
  person: string | number = '';
  block: RowBlock | null = null;
  stamp: Float64Array = EMPTY_F64;
  event: Int32Array = EMPTY_I32;
  actionCodes: Int32Array = EMPTY_I32;
  actionDict: string[] = [];
  /** Per referenced column slot: numbers (num, numset values), codes (text, textset), dict, set offsets. */
  nums: Float64Array[];
  codes: Int32Array[];
  dicts: string[][];
  offs: Int32Array[];
  /** Codes of registered text constants in the current block's dictionaries (-2: not present). */
  constCodes: Int32Array;
  session: Int32Array = new Int32Array(64);
  sessionCount = 0;
  eventCount = -1;
  matchRows: number[] = [];
  matchDepth = 0;
  callDepth = 0;
  breakLevels = 0;
  retVal: Value = null;
  budget = 0;
  line = 0;
  member = false;
  ctx: RunContext | null = null;
  result: ResultTree | null = null;
  segment = 0;
  /** Increments on every run(): lets tally call sites recognise "same person, same run". */
  runSeq = 0;

  readonly columns: readonly ColumnDef[];
  readonly textConsts: readonly { slot: number; text: string }[];
  readonly usesSession: boolean;

  constructor(nvars: number, columns: readonly ColumnDef[], textConsts: readonly { slot: number; text: string }[], usesSession: boolean) {
    this.columns = columns;
    this.textConsts = textConsts;
    this.usesSession = usesSession;
    this.slots = new Array<Value>(nvars).fill(null);
    const n = columns.length;
    this.nums = new Array<Float64Array>(n).fill(EMPTY_F64);
    this.codes = new Array<Int32Array>(n).fill(EMPTY_I32);
    this.dicts = new Array<string[]>(n).fill([]);
    this.offs = new Array<Int32Array>(n).fill(EMPTY_I32);
    this.constCodes = new Int32Array(textConsts.length).fill(-2);
  }

  /** Points the frame at one person and resets per-person state. */
  enter(p: PersonSlice, ctx: RunContext): void {
    if (p.block !== this.block) this.bind(p.block);
    this.runSeq++;
    this.start = p.start;
    this.end = p.end;
    this.row = p.start;
    this.person = p.id;
    if (this.slots.length > 0) this.slots.fill(null);
    this.eventCount = -1;
    this.matchDepth = 0;
    this.callDepth = 0;
    this.breakLevels = 0;
    this.retVal = null;
    this.member = false;
    this.ctx = ctx;
    this.result = ctx.result ?? null;
    this.segment = ctx.segment ?? 0;
    this.budget = ctx.budget.remaining;
    if (this.usesSession) this.computeSessions(ctx.sessionTime);
  }

  private bind(block: RowBlock): void {
    this.block = block;
    this.stamp = block.stamp;
    this.event = block.event;
    this.actionCodes = block.action.codes;
    this.actionDict = block.action.dict;
    this.columns.forEach((def, i) => {
      const v = block.columns.get(def.name) ?? this.absentVector(def, block.length);
      switch (v.kind) {
        case 'num':
          this.nums[i] = v.values;
          break;
        case 'text':
          this.codes[i] = v.codes;
          this.dicts[i] = v.dict;
          break;
        case 'numset':
          this.offs[i] = v.offsets;
          this.nums[i] = v.values;
          break;
        case 'textset':
          this.offs[i] = v.offsets;
          this.codes[i] = v.codes;
          this.dicts[i] = v.dict;
          break;
      }
    });
    this.textConsts.forEach((c, k) => {
      const dict = c.slot === ACTION_SLOT ? this.actionDict : this.dicts[c.slot]!;
      this.constCodes[k] = dict.indexOf(c.text);
      if (this.constCodes[k] < 0) this.constCodes[k] = -2;
    });
  }

  /** A column the block does not carry reads as None (sets: empty) on every row. */
  private absentVector(def: ColumnDef, length: number): ColumnVector {
    if (def.isSet) {
      const offsets = new Int32Array(length + 1);
      return def.type === 'text' ? { kind: 'textset', offsets, codes: EMPTY_I32, dict: [] } : { kind: 'numset', offsets, values: EMPTY_F64 };
    }
    return def.type === 'text'
      ? { kind: 'text', codes: new Int32Array(length).fill(-1), dict: [] }
      : { kind: 'num', values: new Float64Array(length).fill(NaN) };
  }

  private computeSessions(sessionTime: number): void {
    const n = this.end - this.start;
    if (this.session.length < n) this.session = new Int32Array(Math.max(n, this.session.length * 2));
    const st = this.stamp;
    let s = 0;
    for (let r = this.start; r < this.end; r++) {
      if (r === this.start || st[r]! - st[r - 1]! > sessionTime) s++;
      this.session[r - this.start] = s;
    }
    this.sessionCount = s;
  }

  /** Number of events (not rows) of the person; computed once per person. */
  events(): number {
    if (this.eventCount < 0) {
      const ev = this.event;
      let n = 0;
      for (let r = this.start; r < this.end; r++) if (r === this.start || ev[r] !== ev[r - 1]) n++;
      this.eventCount = n;
    }
    return this.eventCount;
  }

  /** Charges `n` units of the per-query budget. */
  charge(n: number): void {
    this.budget -= n;
    if (this.budget < 0) throw budgetExceeded();
  }
}

function budgetExceeded(): DbError {
  return new DbError('run_time', 'budget_exceeded', 'the query ran out of its execution budget (a runaway loop?)');
}
