/**
 * The pure built-in functions of pyql.md §6. Functions that need the cursor or run context (tally,
 * iter_*, event_count, time names, segment math, emit, schedule, debug, log) are compiled by
 * lang/compile.ts instead.
 *
 * Conversions that fail give None (`int('x')`, `float([])`), as do functions given None.
 */
import { bucketOf } from './bucket.ts';
import { TIME_FUNCTIONS } from './time.ts';
import { compare, pyStr, runErr, toKey, typeName } from './values.ts';
import type { Key, PyDict, PySet, Value } from './values.ts';

export interface BuiltinFunction {
  min: number;
  max: number;
  fn: (args: Value[]) => Value;
}

/** Upper bound on argument counts of variadic functions. */
const MAX_ARGS = 255;
/** `range()` refuses to build lists larger than this. */
export const MAX_RANGE = 10_000_000;

/** Number view of a numeric argument (bools count as 0/1), else null. */
function asNum(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

function asInt(v: Value, what: string): number {
  const n = asNum(v);
  if (n === null || !Number.isInteger(n)) throw runErr('type_error', `${what} must be an int, not ${typeName(v)}`);
  return n;
}

/** Decimal rounding on a digit string: exact for the decimal the number prints as. */
function incrementDigits(d: string): string {
  const chars = d.split('');
  let i = chars.length - 1;
  while (i >= 0 && chars[i] === '9') chars[i--] = '0';
  if (i < 0) return '1' + chars.join('');
  chars[i] = String.fromCharCode(chars[i]!.charCodeAt(0) + 1);
  return chars.join('');
}

/**
 * `x` rounded half away from zero at `n` decimals (n < 0 rounds to tens, hundreds, ...), as a
 * plain decimal string with exactly max(n, 0) decimals. Works on the shortest decimal that prints
 * as `x`, so 2.345 rounds up even though its binary value is slightly below 2.345.
 */
export function roundDecimal(x: number, n: number): string {
  const neg = x < 0;
  const [mant, e] = Math.abs(x).toExponential().split('e') as [string, string];
  const digits = mant.replace('.', '');
  let intLen = Number(e) + 1;
  const keep = intLen + n;
  let kept = '';
  if (x !== 0 && keep >= 0) {
    if (keep >= digits.length) {
      kept = digits + '0'.repeat(keep - digits.length);
    } else {
      kept = digits.slice(0, keep);
      if (digits.charCodeAt(keep) >= 53) {
        const up = incrementDigits(kept);
        if (up.length > kept.length) intLen++;
        kept = up;
      }
    }
  }
  let intPart: string;
  let frac: string;
  if (kept === '' || /^0*$/.test(kept)) {
    intPart = '0';
    frac = '';
  } else if (intLen <= 0) {
    intPart = '0';
    frac = '0'.repeat(-intLen) + kept;
  } else {
    intPart = kept.slice(0, intLen).padEnd(intLen, '0');
    frac = kept.slice(intLen);
  }
  const decimals = Math.max(n, 0);
  frac = frac.padEnd(decimals, '0').slice(0, decimals);
  const body = decimals > 0 ? `${intPart}.${frac}` : intPart;
  return neg && /[1-9]/.test(body) ? '-' + body : body;
}

/** Python-like float literal text, including inf/nan. */
const FLOAT_TEXT = /^[+-]?(\d+(_\d+)*\.?(\d+(_\d+)*)?|\.\d+(_\d+)*)(e[+-]?\d+)?$/i;
const INT_TEXT = /^[+-]?\d+(_\d+)*$/;

function toInt(v: Value): Value {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return Number.isFinite(v) ? Math.trunc(v) + 0 : null;
  if (typeof v === 'string') {
    const s = v.trim();
    return INT_TEXT.test(s) ? Number(s.replace(/_/g, '')) : null;
  }
  return null;
}

function toFloat(v: Value): Value {
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    const sign = s.startsWith('-') ? -1 : 1;
    const bare = s.replace(/^[+-]/, '');
    if (bare === 'inf' || bare === 'infinity') return sign * Infinity;
    if (bare === 'nan') return NaN;
    return FLOAT_TEXT.test(s) ? Number(s.replace(/_/g, '')) : null;
  }
  return null;
}

/** Elements of a container argument (dict → keys), or null when `v` is not a container. */
function elements(v: Value): Value[] | null {
  if (Array.isArray(v)) return v;
  if (v instanceof Map || v instanceof Set) return [...v.keys()];
  return null;
}

function extreme(args: Value[], sign: 1 | -1, name: string): Value {
  const items = args.length === 1 ? (elements(args[0]!) ?? args) : args;
  let best: Value = null;
  for (const v of items) {
    if (v === null) continue;
    if (best === null) {
      best = v;
      continue;
    }
    const c = compare(v, best);
    if (c !== c) throw runErr('type_error', `${name}() cannot compare ${typeName(v)} with ${typeName(best)}`);
    if (c * sign > 0) best = v;
  }
  return best;
}

function range(args: Value[]): Value {
  const a = args.length === 1 ? 0 : asInt(args[0]!, 'range() start');
  const b = asInt(args.length === 1 ? args[0]! : args[1]!, 'range() stop');
  const step = args.length === 3 ? asInt(args[2]!, 'range() step') : 1;
  if (step === 0) throw runErr('value_error', 'range() step must not be zero');
  const count = Math.max(0, Math.ceil((b - a) / step));
  if (count > MAX_RANGE) throw runErr('range_too_large', `range() of ${count} elements exceeds the limit of ${MAX_RANGE}`);
  const out: Value[] = new Array<Value>(count);
  for (let i = 0; i < count; i++) out[i] = a + i * step;
  return out;
}

function percentDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}

const URL_WITH_SCHEME = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/;
const URL_NO_SCHEME = /^([^?#]*)(?:\?([^#]*))?/;

/** `{"host", "path", "query", "params"}`; missing parts are None; a param without `=` is True. */
function urlDecode(url: string): PyDict {
  let host: string | null = null;
  let path: string | null;
  let query: string | null;
  const m = URL_WITH_SCHEME.exec(url);
  if (m !== null) {
    host = m[1] || null;
    path = m[2] || null;
    query = m[3] ?? null;
  } else {
    const n = URL_NO_SCHEME.exec(url)!;
    path = n[1] || null;
    query = n[2] ?? null;
  }
  const params: PyDict = new Map();
  if (query !== null) {
    for (const part of query.split('&')) {
      if (part === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) params.set(percentDecode(part), true);
      else params.set(percentDecode(part.slice(0, eq)), percentDecode(part.slice(eq + 1)));
    }
  }
  return new Map<Key, Value>([
    ['host', host],
    ['path', path],
    ['query', query],
    ['params', params],
  ]);
}

/** A function of a number (first argument) and its other arguments; a first argument that is not a number gives None. */
function numeric(f: (x: number, args: Value[]) => Value): (args: Value[]) => Value {
  return (args) => {
    const x = asNum(args[0]!);
    return x === null ? null : f(x, args);
  };
}

const PURE: Record<string, BuiltinFunction> = {
  bucket: {
    min: 2,
    max: 2,
    fn: ([x, size]) => {
      const a = asNum(x!);
      const b = asNum(size!);
      return a === null || b === null ? null : bucketOf(a, b);
    },
  },
  round: {
    min: 1,
    max: 2,
    fn: numeric((v, [, nd]) => {
      const n = nd === undefined || nd === null ? 0 : asInt(nd, 'round() digits');
      if (!Number.isFinite(v) || n > 20) return v;
      return Number(roundDecimal(v, n)) + 0;
    }),
  },
  trunc: { min: 1, max: 1, fn: numeric((x) => (Number.isFinite(x) ? Math.trunc(x) + 0 : x)) },
  fix: {
    min: 2,
    max: 2,
    fn: numeric((v, [, nd]) => {
      const n = asInt(nd!, 'fix() decimals');
      if (!Number.isFinite(v)) return pyStr(v);
      if (n > 100) throw runErr('value_error', 'fix() allows at most 100 decimals');
      return roundDecimal(v, n);
    }),
  },
  int: { min: 1, max: 1, fn: ([x]) => toInt(x!) },
  float: { min: 1, max: 1, fn: ([x]) => toFloat(x!) },
  str: { min: 1, max: 1, fn: ([x]) => pyStr(x!) },
  len: {
    min: 1,
    max: 1,
    fn: ([x]) => {
      if (typeof x === 'string' || Array.isArray(x)) return x.length;
      if (x instanceof Map || x instanceof Set) return x.size;
      return null;
    },
  },
  abs: { min: 1, max: 1, fn: numeric((x) => Math.abs(x)) },
  min: { min: 1, max: MAX_ARGS, fn: (args) => extreme(args, -1, 'min') },
  max: { min: 1, max: MAX_ARGS, fn: (args) => extreme(args, 1, 'max') },
  range: { min: 1, max: 3, fn: range },
  set: {
    min: 0,
    max: MAX_ARGS,
    fn: (args) => {
      const items = args.length === 1 ? (elements(args[0]!) ?? args) : args;
      const out: PySet = new Set();
      for (const v of items) out.add(toKey(v));
      return out;
    },
  },
  list: {
    min: 0,
    max: MAX_ARGS,
    fn: (args) => (args.length === 1 ? (elements(args[0]!)?.slice() ?? [args[0]!]) : args.slice()),
  },
  dict: {
    min: 0,
    max: MAX_ARGS,
    fn: (args) => {
      const one = args.length === 1 ? args[0]! : undefined;
      if (one instanceof Map) return new Map(one);
      const out: PyDict = new Map();
      if (Array.isArray(one)) {
        for (const pair of one) {
          if (!Array.isArray(pair) || pair.length !== 2) throw runErr('value_error', 'dict() of a list needs [key, value] pairs');
          out.set(toKey(pair[0]!), pair[1]!);
        }
        return out;
      }
      if (args.length % 2 !== 0) throw runErr('value_error', 'dict() takes key, value pairs: got an odd number of arguments');
      for (let i = 0; i < args.length; i += 2) out.set(toKey(args[i]!), args[i + 1]!);
      return out;
    },
  },
  url_decode: { min: 1, max: 1, fn: ([u]) => (typeof u === 'string' ? urlDecode(u) : null) },
};

function buildTable(): Record<string, BuiltinFunction> {
  // No prototype: FUNCTIONS['toString'] must be undefined for the name checker.
  const table = Object.create(null) as Record<string, BuiltinFunction>;
  Object.assign(table, PURE);
  for (const [name, fn] of Object.entries(TIME_FUNCTIONS)) table[name] = { min: 1, max: 1, fn };
  return table;
}

export const FUNCTIONS: Record<string, BuiltinFunction> = buildTable();
