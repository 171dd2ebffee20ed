/**
 * PyQL run-time values and operators with Python semantics (pyql.md §4).
 *
 * Ints and floats are both JS numbers: an integral number behaves as an int, so `str(2.0)` prints `2`.
 * Scalars never allocate; container operators (`+`, `-`) return new containers like Python's binary
 * operators do (the compiler implements in-place augmented assignment itself if it wants to).
 */
import { DbError } from '../errors.ts';

export type Key = null | boolean | number | string;
export type PyDict = Map<Key, Value>;
export type PySet = Set<Key>;
export type Value = null | boolean | number | string | Value[] | PyDict | PySet;

export function runErr(code: string, detail: string): DbError {
  return new DbError('run_time', code, detail);
}

/** Python's type name, for error messages. */
export function typeName(v: Value): string {
  if (v === null) return 'NoneType';
  switch (typeof v) {
    case 'boolean': return 'bool';
    case 'number': return Number.isInteger(v) ? 'int' : 'float';
    case 'string': return 'str';
  }
  if (Array.isArray(v)) return 'list';
  return v instanceof Map ? 'dict' : 'set';
}

export function isKey(v: Value): v is Key {
  return v === null || typeof v !== 'object';
}

/** A value usable as a dict key, set member or tally key; containers are unhashable as in Python. */
export function toKey(v: Value): Key {
  if (v === null || typeof v !== 'object') return v;
  throw runErr('unhashable', `unhashable type: '${typeName(v)}' cannot be a key or set member`);
}

export function truthy(v: Value): boolean {
  if (v === null) return false;
  switch (typeof v) {
    case 'boolean': return v;
    case 'number': return v !== 0;
    case 'string': return v.length > 0;
  }
  return Array.isArray(v) ? v.length > 0 : v.size > 0;
}

/** Number view of a numeric operand (bool counts as 0/1 as in Python), or null when not numeric. */
function num(v: Value): number | null {
  if (typeof v === 'number') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return null;
}

// ---------------------------------------------------------------------------------------------
// Equality and ordering

export function eq(a: Value, b: Value): boolean {
  if (a === b) return a === a; // NaN != NaN
  if (a === null || b === null) return false;
  const ta = typeof a;
  const tb = typeof b;
  if (ta !== 'object' || tb !== 'object') {
    if ((ta === 'number' || ta === 'boolean') && (tb === 'number' || tb === 'boolean')) return num(a) === num(b);
    return false;
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!eq(a[i]!, b[i]!)) return false;
    return true;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map) || a.size !== b.size) return false;
    for (const [k, v] of a) {
      if (!b.has(k) || !eq(v, b.get(k)!)) return false;
    }
    return true;
  }
  if (!(b instanceof Set) || (a as PySet).size !== b.size) return false;
  for (const k of a as PySet) if (!b.has(k)) return false;
  return true;
}

export function ne(a: Value, b: Value): boolean {
  return !eq(a, b);
}

/** Compares strings by code point (JS `<` compares UTF-16 units, which differs above U+FFFF). */
export function cmpStr(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y >= 0xe000 : x >= 0xe000)) return xs ? 1 : -1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * Python ordering: -1/0/1, or NaN when the values are not ordered (None, mixed types, dicts, sets),
 * which makes every ordering comparison False.
 */
export function compare(a: Value, b: Value): number {
  const x = num(a);
  if (x !== null) {
    const y = num(b);
    if (y === null) return NaN;
    return x < y ? -1 : x > y ? 1 : x === y ? 0 : NaN;
  }
  if (typeof a === 'string') return typeof b === 'string' ? Math.sign(cmpStr(a, b)) : NaN;
  if (Array.isArray(a) && Array.isArray(b)) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      if (eq(a[i]!, b[i]!)) continue;
      return compare(a[i]!, b[i]!);
    }
    return Math.sign(a.length - b.length);
  }
  if (a instanceof Set && b instanceof Set) {
    // Python set ordering is subset inclusion; only the cases lt/le/gt/ge need are encoded.
    const aInB = [...a].every((k) => b.has(k));
    const bInA = [...b].every((k) => a.has(k));
    if (aInB && bInA) return 0;
    if (aInB) return -1;
    if (bInA) return 1;
    return NaN;
  }
  return NaN;
}

export function lt(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  return compare(a, b) < 0;
}
export function le(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a <= b;
  return compare(a, b) <= 0;
}
export function gt(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a > b;
  return compare(a, b) > 0;
}
export function ge(a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a >= b;
  return compare(a, b) >= 0;
}

/** `is` / `is not`: identity for containers, equality for scalars (None, bools, numbers, strings). */
export function is(a: Value, b: Value): boolean {
  if (a === null || b === null) return a === b;
  if (typeof a === 'object' || typeof b === 'object') return a === b;
  if (typeof a !== typeof b) return false;
  return a === b;
}

// ---------------------------------------------------------------------------------------------
// Arithmetic

function badOperands(op: string, a: Value, b: Value): DbError {
  return runErr('type_error', `unsupported operand types for ${op}: '${typeName(a)}' and '${typeName(b)}'`);
}

function removeAll(list: Value[], x: Value): Value[] {
  const out: Value[] = [];
  for (const e of list) if (!eq(e, x)) out.push(e);
  return out;
}

export function add(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return a + b;
  if (a === null || b === null) return null;
  if (typeof a === 'string') return a + (typeof b === 'string' ? b : pyStr(b));
  const x = num(a);
  if (x !== null) {
    const y = num(b);
    if (y === null) throw badOperands('+', a, b);
    return x + y;
  }
  if (Array.isArray(a)) {
    if (Array.isArray(b)) return a.concat(b);
    const out = a.slice();
    out.push(b);
    return out;
  }
  if (a instanceof Map) {
    if (!(b instanceof Map)) throw badOperands('+', a, b);
    const out: PyDict = new Map(a);
    for (const [k, v] of b) out.set(k, v);
    return out;
  }
  const out: PySet = new Set(a as PySet);
  if (b instanceof Set) for (const k of b) out.add(k);
  else if (Array.isArray(b)) for (const e of b) out.add(toKey(e));
  else out.add(toKey(b));
  return out;
}

export function sub(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (a === null || b === null) return null;
  const x = num(a);
  if (x !== null) {
    const y = num(b);
    if (y === null) throw badOperands('-', a, b);
    return x - y;
  }
  if (typeof a === 'string') throw badOperands('-', a, b);
  const many: Value[] = Array.isArray(b) ? b : b instanceof Set ? [...b] : [b];
  if (Array.isArray(a)) {
    let out = a;
    for (const e of many) out = removeAll(out, e);
    return out === a ? a.slice() : out;
  }
  if (a instanceof Map) {
    const out: PyDict = new Map(a);
    for (const e of many) if (isKey(e)) out.delete(e);
    return out;
  }
  const out: PySet = new Set(a as PySet);
  for (const e of many) if (isKey(e)) out.delete(e);
  return out;
}

function repeat(seq: string | Value[], n: number): Value {
  const times = Math.max(0, Math.trunc(n));
  if (typeof seq === 'string') return seq.repeat(times);
  const out: Value[] = [];
  for (let i = 0; i < times; i++) for (const e of seq) out.push(e);
  return out;
}

export function mul(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return a * b;
  if (a === null || b === null) return null;
  const x = num(a);
  const y = num(b);
  if (x !== null && y !== null) return x * y;
  if ((typeof a === 'string' || Array.isArray(a)) && y !== null && Number.isInteger(y)) return repeat(a, y);
  if ((typeof b === 'string' || Array.isArray(b)) && x !== null && Number.isInteger(x)) return repeat(b, x);
  throw badOperands('*', a, b);
}

function numPair(op: string, a: Value, b: Value): [number, number] | null {
  if (a === null || b === null) return null;
  const x = num(a);
  const y = num(b);
  if (x === null || y === null) throw badOperands(op, a, b);
  return [x, y];
}

/** True division; division by zero gives None. */
export function div(a: Value, b: Value): Value {
  if (typeof a === 'number' && typeof b === 'number') return b === 0 ? null : a / b;
  const p = numPair('/', a, b);
  if (p === null || p[1] === 0) return null;
  return p[0] / p[1];
}

export function floordiv(a: Value, b: Value): Value {
  const p = typeof a === 'number' && typeof b === 'number' ? [a, b] : numPair('//', a, b);
  if (p === null || p[1] === 0) return null;
  return Math.floor(p[0]! / p[1]!);
}

/** Python modulo: the result has the sign of the divisor. */
export function mod(a: Value, b: Value): Value {
  const p = typeof a === 'number' && typeof b === 'number' ? [a, b] : numPair('%', a, b);
  if (p === null || p[1] === 0) return null;
  const y = p[1]!;
  let r = p[0]! % y;
  if (r !== 0 && r < 0 !== y < 0) r += y;
  return r;
}

export function neg(a: Value): Value {
  if (typeof a === 'number') return -a;
  if (a === null) return null;
  const x = num(a);
  if (x === null) throw runErr('type_error', `bad operand type for unary -: '${typeName(a)}'`);
  return -x;
}

export function not(a: Value): boolean {
  return !truthy(a);
}

/** `item in container`: substring for str, element for list/set, key for dict; `in None` is False. */
export function contains(container: Value, item: Value): boolean {
  if (container === null) return false;
  if (typeof container === 'string') {
    if (typeof item !== 'string') return false;
    return container.includes(item);
  }
  if (Array.isArray(container)) {
    for (const e of container) if (eq(e, item)) return true;
    return false;
  }
  if (container instanceof Map || container instanceof Set) {
    if (!isKey(item)) return false;
    if (container.has(item)) return true;
    // True == 1 in Python; Map/Set keys keep them apart, so try the numeric twin.
    if (typeof item === 'boolean') return container.has(item ? 1 : 0);
    return false;
  }
  throw runErr('type_error', `argument of type '${typeName(container)}' is not a container`);
}

// ---------------------------------------------------------------------------------------------
// Set-column rules (pyql.md §4): the compiler emits these when an operand is statically a set column.

/** `S == v`, `S is v`, `v in S`. */
export function setColEq(s: PySet, v: Value): boolean {
  return isKey(v) && s.has(v);
}

/** `S != v`, `v not in S`. */
export function setColNe(s: PySet, v: Value): boolean {
  return !setColEq(s, v);
}

/** `S in [a, b]`: any element of S is in the container. */
export function setColIn(s: PySet, container: Value): boolean {
  for (const k of s) if (contains(container, k)) return true;
  return false;
}

// ---------------------------------------------------------------------------------------------
// str() and repr()

function numStr(n: number): string {
  if (Number.isInteger(n)) return Object.is(n, -0) ? '0' : String(n);
  if (n !== n) return 'nan';
  if (n === Infinity) return 'inf';
  if (n === -Infinity) return '-inf';
  const a = Math.abs(n);
  if (a < 1e-4) {
    // Python switches to exponent notation below 1e-4 and pads the exponent to two digits.
    const [m, e] = n.toExponential().split('e') as [string, string];
    const sign = e[0] === '-' ? '-' : '+';
    const digits = e.slice(1).padStart(2, '0');
    return `${m}e${sign}${digits}`;
  }
  return String(n);
}

export function pyStr(v: Value): string {
  if (typeof v === 'string') return v;
  return pyRepr(v);
}

function strRepr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = q;
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += '\\' + q;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return out + q;
}

export function pyRepr(v: Value): string {
  if (v === null) return 'None';
  switch (typeof v) {
    case 'boolean': return v ? 'True' : 'False';
    case 'number': return numStr(v);
    case 'string': return strRepr(v);
  }
  if (Array.isArray(v)) return '[' + v.map(pyRepr).join(', ') + ']';
  if (v instanceof Map) {
    const parts: string[] = [];
    for (const [k, x] of v) parts.push(pyRepr(k) + ': ' + pyRepr(x));
    return '{' + parts.join(', ') + '}';
  }
  if (v.size === 0) return 'set()';
  return '{' + [...v].map(pyRepr).join(', ') + '}';
}

// ---------------------------------------------------------------------------------------------
// Subscripts and slices

/** An integral index, or null when `k` is not an int (bools count as 0/1). */
function intIndex(k: Value): number | null {
  const n = num(k);
  return n !== null && Number.isInteger(n) ? n : null;
}

/** Reading never inserts: out-of-range list index and missing dict key give None. */
export function getItem(v: Value, k: Value): Value {
  if (Array.isArray(v) || typeof v === 'string') {
    const i = intIndex(k);
    if (i === null) throw runErr('type_error', `${typeName(v)} indices must be integers, not ${typeName(k)}`);
    const j = i < 0 ? v.length + i : i;
    if (j < 0 || j >= v.length) return null;
    return v[j]!;
  }
  if (v instanceof Map) {
    if (!isKey(k)) return null;
    const x = v.get(k);
    return x === undefined ? null : x;
  }
  if (v === null) return null;
  throw runErr('type_error', `'${typeName(v)}' object is not subscriptable`);
}

export function setItem(v: Value, k: Value, x: Value): void {
  if (Array.isArray(v)) {
    const i = intIndex(k);
    if (i === null) throw runErr('type_error', `list indices must be integers, not ${typeName(k)}`);
    const j = i < 0 ? v.length + i : i;
    if (j < 0 || j >= v.length) throw runErr('index_error', `list assignment index ${i} out of range`);
    v[j] = x;
    return;
  }
  if (v instanceof Map) {
    v.set(toKey(k), x);
    return;
  }
  throw runErr('type_error', `'${typeName(v)}' object does not support item assignment`);
}

export function delItem(v: Value, k: Value): void {
  if (Array.isArray(v)) {
    const i = intIndex(k);
    if (i === null) throw runErr('type_error', `list indices must be integers, not ${typeName(k)}`);
    const j = i < 0 ? v.length + i : i;
    if (j < 0 || j >= v.length) throw runErr('index_error', `list deletion index ${i} out of range`);
    v.splice(j, 1);
    return;
  }
  if (v instanceof Map || v instanceof Set) {
    if (isKey(k)) v.delete(k);
    return;
  }
  throw runErr('type_error', `'${typeName(v)}' object does not support item deletion`);
}

/** Python slice bound normalisation for a sequence of length `len`. */
export function sliceBound(b: Value, len: number, dflt: number): number {
  if (b === null) return dflt;
  const i = intIndex(b);
  if (i === null) throw runErr('type_error', `slice indices must be integers or None, not ${typeName(b)}`);
  if (i < 0) return Math.max(0, len + i);
  return Math.min(i, len);
}

/** `v[a:b]` on lists and strings; None bounds mean "from the start" / "to the end". */
export function getSlice(v: Value, a: Value, b: Value): Value {
  if (Array.isArray(v) || typeof v === 'string') {
    const s = sliceBound(a, v.length, 0);
    const e = sliceBound(b, v.length, v.length);
    return e <= s ? (typeof v === 'string' ? '' : []) : v.slice(s, e);
  }
  if (v === null) return null;
  throw runErr('type_error', `'${typeName(v)}' object is not sliceable`);
}
