import { describe, expect, it } from 'vitest';
import { coerceScalar, coerceSet, INVALID } from '../../workers/ingest/coerce.ts';
import { parseStamp, stampIso } from '../../workers/ingest/stamp.ts';

describe('parseStamp', () => {
  it('reads ISO-8601 with Z, offsets, fractions and a space separator', () => {
    expect(parseStamp('2017-01-01T05:30:00Z')).toBe(Date.UTC(2017, 0, 1, 5, 30));
    expect(parseStamp('2017-01-01T05:30:00')).toBe(Date.UTC(2017, 0, 1, 5, 30));
    expect(parseStamp('2017-01-01 05:30:00')).toBe(Date.UTC(2017, 0, 1, 5, 30));
    expect(parseStamp('2017-01-01T05:30:00.25Z')).toBe(Date.UTC(2017, 0, 1, 5, 30, 0, 250));
    expect(parseStamp('2017-01-01T05:30:00.123456Z')).toBe(Date.UTC(2017, 0, 1, 5, 30, 0, 123));
    expect(parseStamp('2017-01-01T07:30:00+02:00')).toBe(Date.UTC(2017, 0, 1, 5, 30));
    expect(parseStamp('2017-01-01T00:30:00-05:00')).toBe(Date.UTC(2017, 0, 1, 5, 30));
    expect(parseStamp('2017-01-01T11:00:00+0530')).toBe(Date.UTC(2017, 0, 1, 5, 30));
  });

  it('numbers below 4102444800 are seconds, others milliseconds', () => {
    expect(parseStamp(1483248600)).toBe(1483248600000);
    expect(parseStamp(1483248600.5)).toBe(1483248600500);
    expect(parseStamp(1483248600000)).toBe(1483248600000);
    expect(parseStamp(4102444799)).toBe(4102444799000);
    expect(parseStamp(4102444800)).toBe(4102444800);
    expect(parseStamp('1483248600')).toBe(1483248600000);
  });

  it('rejects malformed or impossible stamps with a reason', () => {
    for (const bad of ['2017-13-01T00:00:00Z', '2017-02-30T00:00:00Z', '2017-01-01T24:00:00Z', 'yesterday', '', '2017-01-01T00:00:00+25:00']) {
      expect(typeof parseStamp(bad), bad).toBe('string');
    }
    expect(parseStamp(undefined)).toBe('missing stamp');
    expect(typeof parseStamp({})).toBe('string');
    expect(typeof parseStamp(Number.NaN)).toBe('string');
    expect(parseStamp(1e20)).toMatch(/outside the representable date range/);
    expect(parseStamp('2016-02-29T00:00:00Z')).toBe(Date.UTC(2016, 1, 29));
    expect(typeof parseStamp('2017-02-29T00:00:00Z')).toBe('string');
  });

  it('renders stamp_iso in UTC with milliseconds', () => {
    expect(stampIso(Date.UTC(2017, 0, 1, 5, 30))).toBe('2017-01-01T05:30:00.000Z');
  });
});

describe('coercion', () => {
  it('int truncates, accepts numeric strings and booleans', () => {
    expect(coerceScalar('int', 4.9)).toBe(4);
    expect(coerceScalar('int', -4.9)).toBe(-4);
    expect(coerceScalar('int', '42')).toBe(42);
    expect(coerceScalar('int', true)).toBe(1);
    expect(coerceScalar('int', 'x')).toBe(INVALID);
    expect(coerceScalar('int', 2 ** 60)).toBe(INVALID);
  });

  it('double keeps full precision', () => {
    expect(coerceScalar('double', 17.99)).toBe(17.99);
    expect(coerceScalar('double', '0.1')).toBe(0.1);
    expect(coerceScalar('double', {})).toBe(INVALID);
  });

  it('text takes the text form of numbers and booleans', () => {
    expect(coerceScalar('text', 12.5)).toBe('12.5');
    expect(coerceScalar('text', false)).toBe('false');
    expect(coerceScalar('text', 'Fedex')).toBe('Fedex');
    expect(coerceScalar('text', { a: 1 })).toBe(INVALID);
  });

  it('bool takes true/false and 0/1 only', () => {
    expect(coerceScalar('bool', 1)).toBe(true);
    expect(coerceScalar('bool', 0)).toBe(false);
    expect(coerceScalar('bool', 'TRUE')).toBe(true);
    expect(coerceScalar('bool', 2)).toBe(INVALID);
    expect(coerceScalar('bool', 'yes')).toBe(INVALID);
  });

  it('null is absent', () => {
    expect(coerceScalar('int', null)).toBeNull();
    expect(coerceSet('text', null)).toBeNull();
    expect(coerceSet('text', [])).toBeNull();
    expect(coerceSet('text', [null])).toBeNull();
  });

  it('sets coerce each element, dedupe, and wrap scalars', () => {
    expect(coerceSet('text', ['red', 'small', 'red', 3])).toEqual(['red', 'small', '3']);
    expect(coerceSet('int', '7')).toEqual([7]);
    expect(coerceSet('int', [1, 'x'])).toBe(INVALID);
    expect(coerceSet('text', [['nested']])).toBe(INVALID);
  });
});
