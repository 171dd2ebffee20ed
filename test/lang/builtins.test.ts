import { describe, expect, it } from 'vitest';
import { DbError } from '../../lang/errors.ts';
import { FUNCTIONS, roundDecimal } from '../../lang/runtime/builtins.ts';
import { bucketOf } from '../../lang/runtime/bucket.ts';
import { parseIsoStamp, toEpochMs } from '../../lang/runtime/time.ts';
import type { PyDict, Value } from '../../lang/runtime/values.ts';

const call = (name: string, ...args: Value[]): Value => {
  const f = FUNCTIONS[name];
  if (!f) throw new Error(`no builtin ${name}`);
  expect(args.length).toBeGreaterThanOrEqual(f.min);
  expect(args.length).toBeLessThanOrEqual(f.max);
  return f.fn(args);
};

describe('function table', () => {
  it('has no prototype names', () => {
    expect(FUNCTIONS['toString']).toBeUndefined();
    expect(FUNCTIONS['constructor']).toBeUndefined();
  });
  it('lists every pure function of §6', () => {
    const names = 'bucket round trunc fix int float str len abs min max range set list dict to_seconds to_minutes to_hours to_days get_second get_minute get_hour get_day_of_week get_day_of_month get_day_of_year get_month get_quarter get_year date_second date_minute date_hour date_day date_week date_month date_quarter date_year url_decode'.split(' ');
    for (const n of names) expect(FUNCTIONS[n], n).toBeDefined();
  });
});

describe('bucket, round, trunc, fix', () => {
  it('spec examples', () => {
    expect(call('bucket', 513, 25)).toBe(500);
    expect(call('bucket', 5.51, 0.25)).toBe(5.5);
    expect(call('round', 2.345, 2)).toBe(2.35);
    expect(call('fix', 0.015, 2)).toBe('0.02');
    expect(call('fix', -1234.5678, 0)).toBe('-1235');
  });
  it('bucket edges', () => {
    expect(call('bucket', 7, 0)).toBe(0);
    expect(call('bucket', -1, 25)).toBe(-25);
    expect(call('bucket', 0.3, 0.1)).toBe(0.3);
    expect(call('bucket', 0.7, 0.1)).toBe(0.7);
    expect(call('bucket', 99.99, 50)).toBe(50);
    expect(call('bucket', null, 5)).toBe(null);
    expect(bucketOf(650, 50)).toBe(650);
  });
  it('bucketOf (also the column and histogram bucket=) snaps float noise but not real fractions', () => {
    expect(bucketOf(5.51, 0.25)).toBe(5.5);
    expect(bucketOf(513, 25)).toBe(500);
    expect(bucketOf(-1, 50)).toBe(-50);
    expect(bucketOf(0.3, 0.1)).toBe(0.3);
    expect(bucketOf(9999999999.999998, 1)).toBe(9999999999);
    expect(bucketOf(1 / 3, 1 / 3)).toBe(1 / 3);
    expect(bucketOf(3.7e-7, 1e-7)).toBe(3e-7);
  });
  it('round half away from zero on the decimal value', () => {
    expect(call('round', 2.5)).toBe(3);
    expect(call('round', -2.5)).toBe(-3);
    expect(call('round', 0.5)).toBe(1);
    expect(call('round', 1.005, 2)).toBe(1.01);
    expect(call('round', 2.675, 2)).toBe(2.68);
    expect(call('round', -2.345, 2)).toBe(-2.35);
    expect(call('round', 1234.5, -2)).toBe(1200);
    expect(call('round', 1250, -2)).toBe(1300);
    expect(call('round', 9.99, 1)).toBe(10);
    expect(call('round', 0.0004, 2)).toBe(0);
    expect(call('round', 7, 3)).toBe(7);
    expect(call('round', -0.4)).toBe(0);
    expect(Object.is(call('round', -0.4), -0)).toBe(false);
    expect(call('round', null)).toBe(null);
    expect(call('round', 1e300, 2)).toBe(1e300);
  });
  it('trunc', () => {
    expect(call('trunc', 2.9)).toBe(2);
    expect(call('trunc', -2.9)).toBe(-2);
    expect(call('trunc', null)).toBe(null);
  });
  it('fix gives exactly n decimals', () => {
    expect(call('fix', 3, 2)).toBe('3.00');
    expect(call('fix', 0.996, 2)).toBe('1.00');
    expect(call('fix', 17.99, 1)).toBe('18.0');
    expect(call('fix', 0.001, 2)).toBe('0.00');
    expect(call('fix', -0.001, 2)).toBe('0.00');
    expect(call('fix', 123.456, 5)).toBe('123.45600');
    expect(call('fix', 1e-7, 8)).toBe('0.00000010');
    expect(call('fix', 1e21, 1)).toBe('1000000000000000000000.0');
    expect(roundDecimal(0.5, 0)).toBe('1');
  });
});

describe('conversions', () => {
  it('int', () => {
    expect(call('int', 3.9)).toBe(3);
    expect(call('int', -3.9)).toBe(-3);
    expect(call('int', ' 42 ')).toBe(42);
    expect(call('int', '-7')).toBe(-7);
    expect(call('int', true)).toBe(1);
    expect(call('int', '3.5')).toBe(null);
    expect(call('int', 'abc')).toBe(null);
    expect(call('int', null)).toBe(null);
    expect(call('int', [1])).toBe(null);
  });
  it('float', () => {
    expect(call('float', '3.25')).toBe(3.25);
    expect(call('float', '1e3')).toBe(1000);
    expect(call('float', '.5')).toBe(0.5);
    expect(call('float', '-inf')).toBe(-Infinity);
    expect(call('float', 2)).toBe(2);
    expect(call('float', 'x1')).toBe(null);
    expect(call('float', '')).toBe(null);
    expect(call('float', null)).toBe(null);
  });
  it('str and len', () => {
    expect(call('str', null)).toBe('None');
    expect(call('str', 2.0)).toBe('2');
    expect(call('str', 1.5)).toBe('1.5');
    expect(call('str', [1, 'a'])).toBe("[1, 'a']");
    expect(call('len', 'abc')).toBe(3);
    expect(call('len', [1, 2])).toBe(2);
    expect(call('len', new Map([['a', 1]]))).toBe(1);
    expect(call('len', new Set([1, 2, 3]))).toBe(3);
    expect(call('len', null)).toBe(null);
  });
});

describe('abs, min, max, range, containers', () => {
  it('abs', () => {
    expect(call('abs', -3.5)).toBe(3.5);
    expect(call('abs', null)).toBe(null);
  });
  it('min and max', () => {
    expect(call('min', 3, 1, 2)).toBe(1);
    expect(call('max', 3, 1, 2)).toBe(3);
    expect(call('max', [4, 9, 2])).toBe(9);
    expect(call('min', new Set([5, 3]))).toBe(3);
    expect(call('max', 'apple', 'pear')).toBe('pear');
    expect(call('min', null, 4, null)).toBe(4);
    expect(call('max', [])).toBe(null);
    expect(call('max', 7)).toBe(7);
    expect(() => call('max', 1, 'a')).toThrow(DbError);
  });
  it('range', () => {
    expect(call('range', 3)).toEqual([0, 1, 2]);
    expect(call('range', 2, 5)).toEqual([2, 3, 4]);
    expect(call('range', 5, 0, -2)).toEqual([5, 3, 1]);
    expect(call('range', 0)).toEqual([]);
    expect(call('range', 5, 2)).toEqual([]);
    expect(() => call('range', 1.5)).toThrow(DbError);
    expect(() => call('range', 0, 5, 0)).toThrow(DbError);
    expect(() => call('range', 1e12)).toThrow(DbError);
  });
  it('set, list, dict from arguments', () => {
    expect(call('set')).toEqual(new Set());
    expect(call('set', 'a', 'b', 'a')).toEqual(new Set(['a', 'b']));
    expect(call('set', [1, 2, 2])).toEqual(new Set([1, 2]));
    expect(call('list')).toEqual([]);
    expect(call('list', 1, 'x')).toEqual([1, 'x']);
    expect(call('list', new Set([1, 2]))).toEqual([1, 2]);
    expect(call('list', 'abc')).toEqual(['abc']);
    expect(call('dict')).toEqual(new Map());
    expect(call('dict', 'a', 1, 'b', 2)).toEqual(new Map<string, Value>([['a', 1], ['b', 2]]));
    expect(call('dict', [['k', 'v']])).toEqual(new Map([['k', 'v']]));
    expect(() => call('dict', 'a')).toThrow(DbError);
    expect(() => call('set', [[1]])).toThrow(DbError);
  });
});

describe('url_decode', () => {
  it('pyql.md §9 example', () => {
    const r = call('url_decode', 'http://somehost.com/this/is/the/path?param1=one&param2=two&param3') as PyDict;
    expect(r.get('host')).toBe('somehost.com');
    expect(r.get('path')).toBe('/this/is/the/path');
    expect(r.get('query')).toBe('param1=one&param2=two&param3');
    const params = r.get('params') as PyDict;
    expect(params.size).toBe(3);
    expect(params.get('param1')).toBe('one');
    expect(params.get('param2')).toBe('two');
    expect(params.get('param3')).toBe(true);
  });
  it('percent-decoding and missing parts', () => {
    const r = call('url_decode', 'https://h.io?q=a%20b+c&x=%E2%82%AC&bad=%zz#frag') as PyDict;
    expect(r.get('host')).toBe('h.io');
    expect(r.get('path')).toBe(null);
    const p = r.get('params') as PyDict;
    expect(p.get('q')).toBe('a b c');
    expect(p.get('x')).toBe('€');
    expect(p.get('bad')).toBe('%zz');
    const noQuery = call('url_decode', 'http://h.io/p') as PyDict;
    expect(noQuery.get('query')).toBe(null);
    expect((noQuery.get('params') as PyDict).size).toBe(0);
    const relative = call('url_decode', '/only/path?a=1') as PyDict;
    expect(relative.get('host')).toBe(null);
    expect(relative.get('path')).toBe('/only/path');
    expect(call('url_decode', null)).toBe(null);
  });
});

describe('time', () => {
  // 1458820830 s = 2016-03-24T12:00:30Z, a Thursday, day 84 of a leap year.
  const t = 1458820830;
  it('calendar parts, seconds and milliseconds alike', () => {
    for (const v of [t, t * 1000]) {
      expect(call('get_second', v)).toBe(30);
      expect(call('get_minute', v)).toBe(0);
      expect(call('get_hour', v)).toBe(12);
      expect(call('get_day_of_week', v)).toBe(5);
      expect(call('get_day_of_month', v)).toBe(24);
      expect(call('get_day_of_year', v)).toBe(84);
      expect(call('get_month', v)).toBe(3);
      expect(call('get_quarter', v)).toBe(1);
      expect(call('get_year', v)).toBe(2016);
    }
  });
  it('day of week: 1 = Sunday ... 7 = Saturday; quarters 1..4; day of year to 366', () => {
    expect(call('get_day_of_week', 1483228800)).toBe(1); // 2017-01-01 Sunday
    expect(call('get_day_of_week', 1483228800 - 1)).toBe(7); // Saturday
    expect(call('get_year', 1483228800 * 1000)).toBe(2017);
    expect(call('get_quarter', 1514764799)).toBe(4); // 2017-12-31
    expect(call('get_day_of_year', 1514764799)).toBe(365);
    expect(call('get_day_of_year', 1609459199)).toBe(366); // 2020-12-31
    expect(call('get_quarter', Date.UTC(2017, 6, 1))).toBe(3);
  });
  it('period starts in epoch ms', () => {
    expect(call('date_second', t * 1000 + 999)).toBe(t * 1000);
    expect(call('date_minute', t)).toBe((t - 30) * 1000);
    expect(call('date_hour', t)).toBe((t - 30) * 1000);
    expect(call('date_day', t)).toBe(Date.UTC(2016, 2, 24));
    expect(call('date_week', t)).toBe(1458432000000); // Sunday 2016-03-20
    expect(call('date_week', 1483228800)).toBe(1483228800000); // a Sunday is its own week start
    expect(call('date_month', t)).toBe(1456790400000);
    expect(call('date_quarter', t)).toBe(1451606400000);
    expect(call('date_quarter', Date.UTC(2017, 11, 5))).toBe(1506816000000);
    expect(call('date_year', t)).toBe(1451606400000);
  });
  it('None and non-times give None; ISO strings are accepted', () => {
    expect(call('get_year', null)).toBe(null);
    expect(call('get_year', 'soon')).toBe(null);
    expect(call('get_hour', '2016-03-24T12:00:30Z')).toBe(12);
    expect(parseIsoStamp('2016-03-24 14:00:30+02:00')).toBe(t * 1000);
    expect(parseIsoStamp('2016-03-24T12:00:30.250Z')).toBe(t * 1000 + 250);
    expect(parseIsoStamp('2016-02-30T00:00:00Z')).toBe(null);
    expect(parseIsoStamp('0050-01-01T00:00:00Z')).toBe(-60589296000000);
    expect(parseIsoStamp('2016-03-24')).toBe(Date.UTC(2016, 2, 24));
    expect(parseIsoStamp('2016-03-24T25:00:00Z')).toBe(null);
    expect(toEpochMs(4102444800)).toBe(4102444800);
    expect(toEpochMs(4102444799)).toBe(4102444799000);
  });
  it('durations truncate toward zero for int input', () => {
    expect(call('to_seconds', 1999)).toBe(1);
    expect(call('to_seconds', -1999)).toBe(-1);
    expect(call('to_minutes', 150000)).toBe(2);
    expect(call('to_hours', 7_200_000)).toBe(2);
    expect(call('to_days', 432000000)).toBe(5);
    expect(call('to_days', 86_399_999)).toBe(0);
    expect(call('to_seconds', 1500.5)).toBe(1.5005);
    expect(call('to_days', null)).toBe(null);
  });
});
