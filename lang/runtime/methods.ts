/**
 * Methods on list, set, dict and str values (pyql.md §4, §6). Mutating methods change the receiver
 * in place and return None, as in Python. Lookups that Python turns into exceptions (pop from an
 * empty list, remove of a missing element) give None / do nothing, like reading a missing key.
 */
import { eq, runErr, sliceBound, toKey, typeName } from './values.ts';
import type { Key, PyDict, PySet, Value } from './values.ts';

/** Every method name of any type, for the compile-time check; argument counts are checked per type when called. */
export const METHOD_NAMES: ReadonlySet<string> = new Set([
  'append', 'pop', 'remove', 'clear', 'add', 'update', 'keys', 'values', 'items', 'get',
  'find', 'rfind', 'split', 'strip', 'lstrip', 'rstrip', 'lower', 'upper', 'startswith', 'endswith', 'replace',
]);

function noMethod(receiver: Value, name: string): never {
  throw runErr('unknown_method', `'${typeName(receiver)}' object has no method '${name}'`);
}

function arity(name: string, args: Value[], min: number, max: number): void {
  if (args.length < min || args.length > max) {
    const want = min === max ? `${min}` : `${min} to ${max}`;
    throw runErr('bad_arguments', `${name}() takes ${want} argument${max === 1 ? '' : 's'}, got ${args.length}`);
  }
}

function str(v: Value, what: string): string {
  if (typeof v !== 'string') throw runErr('type_error', `${what} must be a str, not ${typeName(v)}`);
  return v;
}

function optInt(v: Value | undefined, what: string): number | null {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw runErr('type_error', `${what} must be an int, not ${typeName(v)}`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// list

function listMethod(l: Value[], name: string, args: Value[]): Value {
  switch (name) {
    case 'append':
      arity(name, args, 1, 1);
      l.push(args[0]!);
      return null;
    case 'pop': {
      arity(name, args, 0, 1);
      const i = optInt(args[0], 'pop() index') ?? -1;
      const j = i < 0 ? l.length + i : i;
      if (j < 0 || j >= l.length) return null;
      return l.splice(j, 1)[0]!;
    }
    case 'remove': {
      arity(name, args, 1, 1);
      const j = l.findIndex((e) => eq(e, args[0]!));
      if (j >= 0) l.splice(j, 1);
      return null;
    }
    case 'clear':
      arity(name, args, 0, 0);
      l.length = 0;
      return null;
  }
  return noMethod(l, name);
}

// ---------------------------------------------------------------------------------------------
// set

function addAll(s: PySet, v: Value): void {
  if (Array.isArray(v)) for (const e of v) s.add(toKey(e));
  else if (v instanceof Set || v instanceof Map) for (const k of v.keys()) s.add(k);
  else s.add(toKey(v));
}

function setMethod(s: PySet, name: string, args: Value[]): Value {
  switch (name) {
    case 'add':
      arity(name, args, 1, 1);
      s.add(toKey(args[0]!));
      return null;
    case 'remove':
      arity(name, args, 1, 1);
      s.delete(toKey(args[0]!));
      return null;
    case 'pop': {
      arity(name, args, 0, 0);
      for (const k of s) {
        s.delete(k);
        return k;
      }
      return null;
    }
    case 'clear':
      arity(name, args, 0, 0);
      s.clear();
      return null;
    case 'update':
      arity(name, args, 1, 255);
      for (const a of args) addAll(s, a);
      return null;
  }
  return noMethod(s, name);
}

// ---------------------------------------------------------------------------------------------
// dict

function dictMethod(d: PyDict, name: string, args: Value[]): Value {
  switch (name) {
    case 'keys':
      arity(name, args, 0, 0);
      return [...d.keys()];
    case 'values':
      arity(name, args, 0, 0);
      return [...d.values()];
    case 'items': {
      arity(name, args, 0, 0);
      const out: Value[] = [];
      for (const [k, v] of d) out.push([k, v]);
      return out;
    }
    case 'get': {
      arity(name, args, 1, 2);
      const v = d.get(toKey(args[0]!));
      return v === undefined ? (args[1] ?? null) : v;
    }
    case 'pop': {
      arity(name, args, 1, 2);
      const k = toKey(args[0]!);
      const v = d.get(k);
      if (v === undefined) return args[1] ?? null;
      d.delete(k);
      return v;
    }
    case 'update': {
      arity(name, args, 1, 1);
      const src = args[0]!;
      if (src instanceof Map) {
        for (const [k, v] of src) d.set(k, v);
      } else if (Array.isArray(src)) {
        for (const pair of src) {
          if (!Array.isArray(pair) || pair.length !== 2) throw runErr('value_error', 'update() of a list needs [key, value] pairs');
          d.set(toKey(pair[0]!), pair[1]!);
        }
      } else if (src !== null) {
        throw runErr('type_error', `update() needs a dict, not ${typeName(src)}`);
      }
      return null;
    }
    case 'clear':
      arity(name, args, 0, 0);
      d.clear();
      return null;
  }
  return noMethod(d, name);
}

// ---------------------------------------------------------------------------------------------
// str

/** Python str.find/rfind: search within s[start:end], report the index in s. */
function strFind(s: string, sub: string, start: Value | undefined, end: Value | undefined, last: boolean): number {
  const rawStart = optInt(start, 'start');
  if (rawStart !== null && rawStart > s.length) return -1;
  const a = sliceBound(rawStart, s.length, 0);
  const b = sliceBound(optInt(end, 'end'), s.length, s.length);
  if (b - a < sub.length) return -1;
  if (last) {
    const i = s.lastIndexOf(sub, b - sub.length);
    return i >= a ? i : -1;
  }
  const i = s.indexOf(sub, a);
  return i >= 0 && i + sub.length <= b ? i : -1;
}

const WHITESPACE = ' \t\n\r\v\f';

function stripChars(s: string, chars: Value | undefined, left: boolean, right: boolean): string {
  const set = chars === undefined || chars === null ? WHITESPACE : str(chars, 'strip() chars');
  let a = 0;
  let b = s.length;
  if (left) while (a < b && set.includes(s[a]!)) a++;
  if (right) while (b > a && set.includes(s[b - 1]!)) b--;
  return s.slice(a, b);
}

function split(s: string, sepArg: Value | undefined, maxArg: Value | undefined): Value[] {
  const max = optInt(maxArg, 'split() maxsplit') ?? -1;
  if (sepArg === undefined || sepArg === null) {
    const out: Value[] = [];
    let i = 0;
    while (i < s.length) {
      while (i < s.length && WHITESPACE.includes(s[i]!)) i++;
      if (i >= s.length) break;
      if (max >= 0 && out.length === max) {
        out.push(stripChars(s.slice(i), null, false, true));
        break;
      }
      let j = i;
      while (j < s.length && !WHITESPACE.includes(s[j]!)) j++;
      out.push(s.slice(i, j));
      i = j;
    }
    return out;
  }
  const sep = str(sepArg, 'split() separator');
  if (sep === '') throw runErr('value_error', 'split() separator must not be empty');
  const out: Value[] = [];
  let from = 0;
  for (;;) {
    if (max >= 0 && out.length === max) break;
    const i = s.indexOf(sep, from);
    if (i < 0) break;
    out.push(s.slice(from, i));
    from = i + sep.length;
  }
  out.push(s.slice(from));
  return out;
}

function affix(s: string, args: Value[], atEnd: boolean): boolean {
  const a = sliceBound(optInt(args[1], 'start'), s.length, 0);
  const b = sliceBound(optInt(args[2], 'end'), s.length, s.length);
  const part = b > a ? s.slice(a, b) : '';
  const candidates = Array.isArray(args[0]) ? args[0] : [args[0]!];
  return candidates.some((c) => {
    const x = str(c, atEnd ? 'endswith() suffix' : 'startswith() prefix');
    return atEnd ? part.endsWith(x) : part.startsWith(x);
  });
}

function replace(s: string, args: Value[]): string {
  const from = str(args[0]!, 'replace() old');
  const to = str(args[1]!, 'replace() new');
  const count = optInt(args[2], 'replace() count') ?? -1;
  if (count < 0) {
    if (from !== '') return s.split(from).join(to);
    return s === '' ? to : to + s.split('').join(to) + to;
  }
  let out = '';
  let rest = s;
  for (let n = 0; n < count; n++) {
    const i = rest.indexOf(from);
    if (i < 0) break;
    out += rest.slice(0, i) + to;
    rest = rest.slice(i + from.length);
    if (from === '') {
      if (rest === '') return out + rest;
      out += rest[0];
      rest = rest.slice(1);
    }
  }
  return out + rest;
}

function strMethod(s: string, name: string, args: Value[]): Value {
  switch (name) {
    case 'find':
    case 'rfind':
      arity(name, args, 1, 3);
      return strFind(s, str(args[0]!, `${name}() substring`), args[1], args[2], name === 'rfind');
    case 'split':
      arity(name, args, 0, 2);
      return split(s, args[0], args[1]);
    case 'strip':
    case 'lstrip':
    case 'rstrip':
      arity(name, args, 0, 1);
      return stripChars(s, args[0], name !== 'rstrip', name !== 'lstrip');
    case 'lower':
      arity(name, args, 0, 0);
      return s.toLowerCase();
    case 'upper':
      arity(name, args, 0, 0);
      return s.toUpperCase();
    case 'startswith':
    case 'endswith':
      arity(name, args, 1, 3);
      return affix(s, args, name === 'endswith');
    case 'replace':
      arity(name, args, 2, 3);
      return replace(s, args);
  }
  return noMethod(s, name);
}

/** `receiver.name(*args)`; unknown methods for the receiver's type are run-time errors. */
export function callMethod(receiver: Value, name: string, args: Value[]): Value {
  if (typeof receiver === 'string') return strMethod(receiver, name, args);
  if (Array.isArray(receiver)) return listMethod(receiver, name, args);
  if (receiver instanceof Map) return dictMethod(receiver, name, args);
  if (receiver instanceof Set) return setMethod(receiver as Set<Key>, name, args);
  return noMethod(receiver, name);
}
