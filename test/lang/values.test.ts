import { describe, expect, it } from 'vitest';
import { DbError } from '../../lang/errors.ts';
import {
  add, contains, delItem, div, eq, floordiv, ge, getItem, getSlice, gt, is, isKey, le, lt, mod, mul, ne, neg,
  pyRepr, pyStr, setColEq, setColIn, setColNe, setItem, sub, toKey, truthy,
} from '../../lang/runtime/values.ts';
import type { PyDict, PySet, Value } from '../../lang/runtime/values.ts';

const dict = (...kv: [string | number, Value][]): PyDict => new Map(kv);
const set = (...k: (string | number)[]): PySet => new Set(k);

describe('truthiness', () => {
  it('falsy values', () => {
    for (const v of [null, false, 0, -0, '', [], new Map(), new Set()] as Value[]) expect(truthy(v)).toBe(false);
  });
  it('truthy values', () => {
    for (const v of [true, 1, -0.5, 'a', [0], dict(['a', null]), set(0)] as Value[]) expect(truthy(v)).toBe(true);
  });
});

describe('comparisons', () => {
  it('None equality and ordering', () => {
    expect(eq(null, null)).toBe(true);
    expect(eq(null, 0)).toBe(false);
    expect(ne(null, 0)).toBe(true);
    for (const f of [lt, le, gt, ge]) {
      expect(f(null, 1)).toBe(false);
      expect(f(1, null)).toBe(false);
      expect(f(null, null)).toBe(false);
    }
  });
  it('number vs string is never equal and never ordered', () => {
    expect(eq(1, '1')).toBe(false);
    expect(lt(1, 'a')).toBe(false);
    expect(ge('a', 1)).toBe(false);
  });
  it('int/float/bool mix as in Python', () => {
    expect(eq(2, 2.0)).toBe(true);
    expect(eq(true, 1)).toBe(true);
    expect(lt(false, 0.5)).toBe(true);
    expect(le(3, 3)).toBe(true);
    expect(gt(3.5, 3)).toBe(true);
  });
  it('strings compare by code point', () => {
    expect(lt('apple', 'banana')).toBe(true);
    expect(lt('Z', 'a')).toBe(true);
    expect(lt('\uffff', '\u{1f600}')).toBe(true);
    expect(lt('ab', 'abc')).toBe(true);
  });
  it('containers compare structurally', () => {
    expect(eq([1, [2, 'x']], [1, [2, 'x']])).toBe(true);
    expect(eq([1, 2], [1, 2, 3])).toBe(false);
    expect(lt([1, 2], [1, 3])).toBe(true);
    expect(lt([1, 2], [1, 2, 0])).toBe(true);
    expect(eq(dict(['a', 1], ['b', [2]]), dict(['b', [2]], ['a', 1]))).toBe(true);
    expect(eq(dict(['a', 1]), dict(['a', 2]))).toBe(false);
    expect(eq(set(1, 2), set(2, 1))).toBe(true);
    expect(lt(set(1), set(1, 2))).toBe(true);
    expect(lt(dict(), dict())).toBe(false);
  });
  it('is: identity for containers, equality for scalars', () => {
    const l: Value = [1];
    expect(is(l, l)).toBe(true);
    expect(is(l, [1])).toBe(false);
    expect(is(null, null)).toBe(true);
    expect(is(0, null)).toBe(false);
    expect(is('a', 'a')).toBe(true);
  });
});

describe('arithmetic', () => {
  it('numbers', () => {
    expect(add(1, 2)).toBe(3);
    expect(sub(1, 2.5)).toBe(-1.5);
    expect(mul(3, 4)).toBe(12);
    expect(add(true, 1)).toBe(2);
    expect(div(7, 2)).toBe(3.5);
    expect(floordiv(7, 2)).toBe(3);
    expect(floordiv(-7, 2)).toBe(-4);
    expect(mod(7, 3)).toBe(1);
    expect(mod(-7, 3)).toBe(2);
    expect(mod(7, -3)).toBe(-2);
    expect(mod(7.5, 2)).toBe(1.5);
    expect(neg(5)).toBe(-5);
    expect(neg(null)).toBe(null);
    expect(sub(10, sub(2, 3))).toBe(11);
  });
  it('division and modulo by zero give None', () => {
    expect(div(1, 0)).toBe(null);
    expect(div(0, 0)).toBe(null);
    expect(floordiv(1, 0)).toBe(null);
    expect(mod(1, 0)).toBe(null);
    expect(div(1, false)).toBe(null);
  });
  it('arithmetic with None gives None', () => {
    for (const f of [add, sub, mul, div, floordiv, mod]) {
      expect(f(null, 1)).toBe(null);
      expect(f(1, null)).toBe(null);
    }
  });
  it('string concatenation converts the right side', () => {
    expect(add('a', 'b')).toBe('ab');
    expect(add('n=', 2)).toBe('n=2');
    expect(add('x', 2.5)).toBe('x2.5');
    expect(add('x', true)).toBe('xTrue');
    expect(add('x', [1, 'a'])).toBe("x[1, 'a']");
    expect(mul('ab', 3)).toBe('ababab');
    expect(mul(2, [1])).toEqual([1, 1]);
  });
  it('type errors are run-time errors', () => {
    expect(() => add(1, 'a')).toThrow(DbError);
    expect(() => sub('a', 'b')).toThrow(DbError);
    expect(() => div('a', 2)).toThrow(DbError);
    expect(() => neg('a')).toThrow(DbError);
    try {
      add(1, 'a');
    } catch (e) {
      expect((e as DbError).body.class).toBe('run_time');
    }
  });
  it('container + and -', () => {
    const l = [1, 2];
    expect(add(l, [3])).toEqual([1, 2, 3]);
    expect(add(l, 3)).toEqual([1, 2, 3]);
    expect(l).toEqual([1, 2]);
    expect(sub([1, 2, 1, 3], 1)).toEqual([2, 3]);
    expect(sub([1, 2, 3], [1, 3])).toEqual([2]);
    const d = dict(['a', 1], ['b', 2]);
    expect(add(d, dict(['b', 3], ['c', 4]))).toEqual(dict(['a', 1], ['b', 3], ['c', 4]));
    expect(sub(d, 'a')).toEqual(dict(['b', 2]));
    expect(sub(d, ['a', 'b'])).toEqual(dict());
    expect(d.size).toBe(2);
    expect(add(set(1), set(2))).toEqual(set(1, 2));
    expect(add(set(1), 5)).toEqual(set(1, 5));
    expect(sub(set(1, 2, 3), 2)).toEqual(set(1, 3));
    expect(sub(set(1, 2, 3), [1, 2])).toEqual(set(3));
    expect(sub(set(1, 2, 3), set(3))).toEqual(set(1, 2));
    expect(() => add(set(1), [[1]])).toThrow(DbError);
    expect(() => add(dict(), 1)).toThrow(DbError);
  });
});

describe('in and set-column rules', () => {
  it('contains', () => {
    expect(contains('the rain', 'rain')).toBe(true);
    expect(contains('the rain', 'snow')).toBe(false);
    expect(contains([1, 'a'], 'a')).toBe(true);
    expect(contains([1, 'a'], 2)).toBe(false);
    expect(contains([1.0, 2], 1)).toBe(true);
    expect(contains(set('x'), 'x')).toBe(true);
    expect(contains(dict(['k', 0]), 'k')).toBe(true);
    expect(contains(dict(['k', 0]), 0)).toBe(false);
    expect(contains(null, 1)).toBe(false);
    expect(contains(set(1), true)).toBe(true);
    expect(() => contains(5, 1)).toThrow(DbError);
  });
  it('S == v, S != v, S in [...]', () => {
    const s = set('outdoor', 'angling');
    expect(setColEq(s, 'outdoor')).toBe(true);
    expect(setColEq(s, 'garage')).toBe(false);
    expect(setColEq(set(), 'x')).toBe(false);
    expect(setColNe(s, 'garage')).toBe(true);
    expect(setColNe(s, 'angling')).toBe(false);
    expect(setColIn(s, ['garage', 'angling'])).toBe(true);
    expect(setColIn(s, ['garage', 'kitchen'])).toBe(false);
    expect(setColIn(set(), ['a'])).toBe(false);
    expect(setColEq(s, ['outdoor'])).toBe(false);
  });
});

describe('str and repr', () => {
  it('scalars', () => {
    expect(pyStr(null)).toBe('None');
    expect(pyStr(true)).toBe('True');
    expect(pyStr(false)).toBe('False');
    expect(pyStr(2.0)).toBe('2');
    expect(pyStr(-0)).toBe('0');
    expect(pyStr(2.5)).toBe('2.5');
    expect(pyStr(0.1 + 0.2)).toBe('0.30000000000000004');
    expect(pyStr(0.00001)).toBe('1e-05');
    expect(pyStr(1.5e-10)).toBe('1.5e-10');
    expect(pyStr(Infinity)).toBe('inf');
    expect(pyStr('x')).toBe('x');
  });
  it('containers use repr of their elements', () => {
    expect(pyStr([1, 'a', null, [true]])).toBe("[1, 'a', None, [True]]");
    expect(pyStr(dict(['a', 1], [2, 'b']))).toBe("{'a': 1, 2: 'b'}");
    expect(pyStr(set())).toBe('set()');
    expect(pyStr(set(1, 2))).toBe('{1, 2}');
    expect(pyRepr("it's")).toBe('"it\'s"');
    expect(pyRepr('a\nb\\')).toBe("'a\\nb\\\\'");
  });
});

describe('subscripts and slices', () => {
  const l = ['zero', 'one', 'two', 'three', 'four', 'five'];
  it('pyql.md §9 slices', () => {
    expect(getSlice(l, 1, 3)).toEqual(['one', 'two']);
    expect(getSlice(l, null, 2)).toEqual(['zero', 'one']);
    expect(getSlice(l, 2, null)).toEqual(['two', 'three', 'four', 'five']);
    expect(getSlice(l, -1, null)).toEqual(['five']);
    expect(getSlice(l, -3, -2)).toEqual(['three']);
  });
  it('slice edge cases', () => {
    expect(getSlice(l, 4, 2)).toEqual([]);
    expect(getSlice(l, -100, 100)).toEqual(l);
    expect(getSlice('hello', 1, -1)).toBe('ell');
    expect(getSlice('hello', 10, null)).toBe('');
    expect(getSlice(null, 1, 2)).toBe(null);
    expect(() => getSlice(5, 1, 2)).toThrow(DbError);
    expect(() => getSlice(l, 'a', 2)).toThrow(DbError);
  });
  it('getItem', () => {
    expect(getItem(l, 0)).toBe('zero');
    expect(getItem(l, -1)).toBe('five');
    expect(getItem(l, 6)).toBe(null);
    expect(getItem(l, -7)).toBe(null);
    expect(getItem('abc', -1)).toBe('c');
    const d = dict(['a', 1]);
    expect(getItem(d, 'a')).toBe(1);
    expect(getItem(d, 'missing')).toBe(null);
    expect(d.has('missing')).toBe(false);
    expect(getItem(null, 'a')).toBe(null);
    expect(() => getItem(l, 'x')).toThrow(DbError);
    expect(() => getItem(5, 0)).toThrow(DbError);
  });
  it('setItem and delItem', () => {
    const x: Value[] = [1, 2, 3];
    setItem(x, -1, 9);
    expect(x).toEqual([1, 2, 9]);
    expect(() => setItem(x, 3, 0)).toThrow(DbError);
    delItem(x, 0);
    expect(x).toEqual([2, 9]);
    const d = dict();
    setItem(d, 'k', [1]);
    expect(d.get('k')).toEqual([1]);
    delItem(d, 'k');
    expect(d.size).toBe(0);
    const s = set(1, 2);
    delItem(s, 1);
    expect(s).toEqual(set(2));
    expect(() => setItem(d, [1], 1)).toThrow(DbError);
    expect(() => setItem('abc', 0, 'x')).toThrow(DbError);
  });
  it('keys', () => {
    expect(isKey('a')).toBe(true);
    expect(isKey(null)).toBe(true);
    expect(isKey([])).toBe(false);
    expect(toKey(3)).toBe(3);
    expect(() => toKey(new Map())).toThrow(DbError);
  });
});
