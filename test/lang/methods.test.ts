import { describe, expect, it } from 'vitest';
import { DbError } from '../../lang/errors.ts';
import { METHOD_NAMES, callMethod } from '../../lang/runtime/methods.ts';
import type { PyDict, Value } from '../../lang/runtime/values.ts';

describe('str methods', () => {
  const s = 'the rain in spain';
  it('pyql.md §9 find/rfind', () => {
    expect(callMethod(s, 'find', ['rain'])).toBe(4);
    expect(callMethod(s, 'find', ['in', 8])).toBe(9);
    expect(callMethod(s, 'rfind', ['in'])).toBe(15);
    expect(callMethod(s, 'find', ['rain', 0, 7])).toBe(-1);
  });
  it('find/rfind edges', () => {
    expect(callMethod(s, 'find', ['xyz'])).toBe(-1);
    expect(callMethod(s, 'find', ['in', -4])).toBe(15);
    expect(callMethod(s, 'rfind', ['in', 0, 12])).toBe(9);
    expect(callMethod(s, 'rfind', ['the', 1])).toBe(-1);
    expect(callMethod('abc', 'find', [''])).toBe(0);
    expect(callMethod('abc', 'find', ['', 3])).toBe(3);
    expect(callMethod('abc', 'find', ['', 5])).toBe(-1);
    expect(callMethod('abc', 'rfind', [''])).toBe(3);
    expect(callMethod(s, 'find', ['rain', 0, 8])).toBe(4);
    expect(() => callMethod(s, 'find', [1])).toThrow(DbError);
  });
  it('split', () => {
    expect(callMethod('a,b,,c', 'split', [','])).toEqual(['a', 'b', '', 'c']);
    expect(callMethod('  a  b c ', 'split', [])).toEqual(['a', 'b', 'c']);
    expect(callMethod('', 'split', [])).toEqual([]);
    expect(callMethod('', 'split', [','])).toEqual(['']);
    expect(callMethod('a,b,c', 'split', [',', 1])).toEqual(['a', 'b,c']);
    expect(callMethod('a b  c', 'split', [null, 1])).toEqual(['a', 'b  c']);
    expect(() => callMethod('a', 'split', [''])).toThrow(DbError);
  });
  it('strip, lower, upper, startswith, endswith, replace', () => {
    expect(callMethod('  x y \n', 'strip', [])).toBe('x y');
    expect(callMethod('xxhixx', 'strip', ['x'])).toBe('hi');
    expect(callMethod('  x ', 'lstrip', [])).toBe('x ');
    expect(callMethod('  x ', 'rstrip', [])).toBe('  x');
    expect(callMethod('MiXed', 'lower', [])).toBe('mixed');
    expect(callMethod('MiXed', 'upper', [])).toBe('MIXED');
    expect(callMethod('prefix', 'startswith', ['pre'])).toBe(true);
    expect(callMethod('prefix', 'startswith', ['fix', 3])).toBe(true);
    expect(callMethod('prefix', 'startswith', [['no', 'pr']])).toBe(true);
    expect(callMethod('prefix', 'endswith', ['fix'])).toBe(true);
    expect(callMethod('prefix', 'endswith', ['pre', 0, 3])).toBe(true);
    expect(callMethod('prefix', 'endswith', ['x', 0, 3])).toBe(false);
    expect(callMethod('a-b-c', 'replace', ['-', '+'])).toBe('a+b+c');
    expect(callMethod('a-b-c', 'replace', ['-', '$&', 1])).toBe('a$&b-c');
    expect(callMethod('ab', 'replace', ['', '-'])).toBe('-a-b-');
    expect(callMethod('abc', 'replace', ['', '-', 2])).toBe('-a-bc');
  });
});

describe('list methods', () => {
  it('append, pop, remove, clear mutate the receiver', () => {
    const l: Value[] = [1, 2, 3];
    expect(callMethod(l, 'append', [4])).toBe(null);
    expect(l).toEqual([1, 2, 3, 4]);
    expect(callMethod(l, 'pop', [])).toBe(4);
    expect(callMethod(l, 'pop', [0])).toBe(1);
    expect(callMethod(l, 'pop', [10])).toBe(null);
    expect(l).toEqual([2, 3]);
    callMethod(l, 'remove', [3]);
    callMethod(l, 'remove', [99]);
    expect(l).toEqual([2]);
    callMethod(l, 'clear', []);
    expect(l).toEqual([]);
    expect(callMethod(l, 'pop', [])).toBe(null);
  });
});

describe('set methods', () => {
  it('add, remove, pop, clear, update', () => {
    const s = new Set<string | number | boolean | null>([1]);
    callMethod(s, 'add', [2]);
    callMethod(s, 'add', [2]);
    expect(s).toEqual(new Set([1, 2]));
    callMethod(s, 'remove', [1]);
    callMethod(s, 'remove', [7]);
    expect(s).toEqual(new Set([2]));
    callMethod(s, 'update', [[3, 4], new Set([5]), 6]);
    expect(s).toEqual(new Set([2, 3, 4, 5, 6]));
    expect(callMethod(s, 'pop', [])).toBe(2);
    callMethod(s, 'clear', []);
    expect(s.size).toBe(0);
    expect(callMethod(s, 'pop', [])).toBe(null);
    expect(() => callMethod(s, 'add', [[1]])).toThrow(DbError);
  });
});

describe('dict methods', () => {
  it('keys, values, items, get, pop, update, clear', () => {
    const d: PyDict = new Map<string | number | boolean | null, Value>([['a', 1], ['b', 2]]);
    expect(callMethod(d, 'keys', [])).toEqual(['a', 'b']);
    expect(callMethod(d, 'values', [])).toEqual([1, 2]);
    expect(callMethod(d, 'items', [])).toEqual([['a', 1], ['b', 2]]);
    expect(callMethod(d, 'get', ['a'])).toBe(1);
    expect(callMethod(d, 'get', ['z'])).toBe(null);
    expect(callMethod(d, 'get', ['z', 0])).toBe(0);
    expect(d.has('z')).toBe(false);
    expect(callMethod(d, 'pop', ['a'])).toBe(1);
    expect(callMethod(d, 'pop', ['a', 'gone'])).toBe('gone');
    callMethod(d, 'update', [new Map([['c', 3]])]);
    callMethod(d, 'update', [[['e', 5]]]);
    expect([...d.keys()]).toEqual(['b', 'c', 'e']);
    callMethod(d, 'clear', []);
    expect(d.size).toBe(0);
  });
});

describe('errors and names', () => {
  it('unknown method for the type, None receiver, wrong argument count', () => {
    expect(() => callMethod([1], 'lower', [])).toThrow(DbError);
    expect(() => callMethod(null, 'append', [1])).toThrow(DbError);
    expect(() => callMethod(5, 'find', ['x'])).toThrow(DbError);
    expect(() => callMethod([1], 'append', [])).toThrow(DbError);
    try {
      callMethod(null, 'append', [1]);
    } catch (e) {
      expect((e as DbError).body.class).toBe('run_time');
      expect((e as DbError).body.detail).toContain('NoneType');
    }
  });
  it('METHOD_NAMES covers §4 and nothing from Object.prototype', () => {
    for (const n of 'append pop remove clear add update keys values items get find rfind split strip lower upper startswith endswith replace'.split(' ')) {
      expect(METHOD_NAMES.has(n), n).toBe(true);
    }
    expect(METHOD_NAMES.has('toString')).toBe(false);
    expect(METHOD_NAMES.has('constructor')).toBe(false);
  });
});
