/** pyql.md §9: the checks from OpenSet's own tests, over datasets A and B. */
import { describe, expect, it } from 'vitest';
import { render } from '../../lang/result.ts';
import { runScript } from './run-script.ts';
import { schemaOf, type PersonInput } from '../fixtures/rows.ts';

const schemaA = schemaOf({ fruit: 'text', price: 'double' });
const fruits: [string, number][] = [['orange', 5.55], ['apple', 9.95], ['pear', 12.49], ['banana', 2.49], ['orange', 5.55]];
const datasetA: PersonInput[] = [
  { id: 'user1@test.com', rows: fruits.map(([fruit, price], i) => ({ stamp: 1458820830 + i, action: 'purchase', fruit, price })) },
];

/** Runs a script over dataset A and returns what it passed to debug(). */
function dbg(script: string, people = datasetA, schema = schemaA): unknown[] {
  return runScript(script, schema, people).debug;
}

const lines = (...l: string[]): string => l.join('\n');

describe('pyql §9 dataset A: loops and break', () => {
  it('match counts every row', () => {
    expect(dbg(lines('counter = 0', 'match:', '    counter += 1', 'debug(counter)'))).toEqual([5]);
  });
  it('break after the increment leaves after one row', () => {
    expect(dbg(lines('counter = 0', 'match:', '    counter += 1', '    break', 'debug(counter)'))).toEqual([1]);
  });
  /** [outer, inner] after `body` runs with both counters starting at 0. */
  const counters = (...body: string[]): unknown[] => dbg(lines('outer = 0', 'inner = 0', ...body, 'debug(outer)', 'debug(inner)'));
  const nested = (brk: string): unknown[] =>
    counters('match:', '    match:', '        inner += 1', '        if inner == 2 or inner == 4:', `            ${brk}`, '    outer += 1', '    if outer == 2:', '        break');
  /** Three nested matches counting the innermost rows; `after` follows the innermost match. */
  const triple = (...after: string[]): unknown[] => counters('match:', '    match:', '        match:', '            inner += 1', ...after);
  it('nested match with break → outer 2, inner 4', () => {
    expect(nested('break')).toEqual([2, 4]);
  });
  it('nested match with break 2 → outer 0, inner 2', () => {
    expect(nested('break 2')).toEqual([0, 2]);
  });
  it('break top → outer 5, inner 5', () => {
    expect(triple('            break top', '    outer += 1')).toEqual([5, 5]);
  });
  it('break all → outer 0, inner 1', () => {
    expect(triple('            break all', '    outer += 1')).toEqual([0, 1]);
  });
  it('continue in the outer body → outer 0, inner 35', () => {
    expect(triple('    continue', '    outer += 1')).toEqual([0, 35]);
  });
});

describe('pyql §9 dataset A: events and iterators', () => {
  it('event_count() → 5', () => {
    expect(dbg('debug(event_count())')).toEqual([5]);
  });
  it('iter_next() at top level then match counts 4', () => {
    expect(dbg(lines('counter = 0', 'iter_next()', 'match:', '    counter += 1', 'debug(counter)'))).toEqual([4]);
  });
  it('five iter_next() in one match body → 4', () => {
    const body = Array.from({ length: 5 }, () => ['    iter_next()', '    counter += 1']).flat();
    expect(dbg(lines('counter = 0', 'match:', ...body, 'debug(counter)'))).toEqual([4]);
  });
  it('five top-level iter_next() with debug: only 1..4 logged', () => {
    const body = Array.from({ length: 5 }, () => ['iter_next()', 'k += 1', 'debug(k)']).flat();
    expect(dbg(lines('k = 0', ...body))).toEqual([1, 2, 3, 4]);
  });
});

describe('pyql §9 dataset A: inline aggregators', () => {
  const agg = (e: string): unknown => dbg(`debug(${e})`)[0];
  it.each([
    ["SUM price where fruit != 'banana'", 33.54],
    ["AVG price where fruit != 'banana'", 8.385],
    ["MAX price where fruit != 'banana'", 12.49],
    ["MIN price where fruit != 'banana'", 5.55],
    ["COUNT fruit where fruit != 'banana'", 4],
    ["DISTINCT fruit where fruit != 'banana'", 3],
    ['DISTINCT fruit', 4],
  ])('%s → %s', (e, want) => {
    expect(agg(e)).toBeCloseTo(want as number, 9);
  });
});

describe('pyql §9 dataset A: slices, strings and url_decode', () => {
  const L = "['zero','one','two','three','four','five']";
  it.each([
    ['[1:3]', ['one', 'two']],
    ['[:2]', ['zero', 'one']],
    ['[2:]', ['two', 'three', 'four', 'five']],
    ['[-1:]', ['five']],
    ['[-3:-2]', ['three']],
  ])('slice %s', (s, want) => {
    expect(dbg(`x = ${L}\ndebug(x${s})`)).toEqual([want]);
  });
  it('find / rfind', () => {
    const s = "s = 'the rain in spain'\ndebug(s.find('rain'))\ndebug(s.find('in', 8))\ndebug(s.rfind('in'))\ndebug(s.find('rain', 0, 7))";
    expect(dbg(s)).toEqual([4, 9, 15, -1]);
  });
  it('url_decode', () => {
    const s = lines(
      'u = url_decode("http://somehost.com/this/is/the/path?param1=one&param2=two&param3")',
      "debug(u['host'])",
      "debug(u['path'])",
      "debug(len(u['params']))",
      "debug(u['params']['param3'])",
      "debug(u['params']['param1'])",
    );
    expect(dbg(s)).toEqual(['somehost.com', '/this/is/the/path', 3, true, 'one']);
  });
});

describe('pyql §9 dataset B: sessions', () => {
  const base = [1458800000, 1458800100, 1458800200, 1545220000, 1545220100, 1545220900, 1631600000, 1631600400, 1631601200];
  const people: PersonInput[] = [{ id: 'sess', rows: base.map((stamp) => ({ stamp, action: 'visit' })) }];
  const schema = schemaOf({});
  it('count session at the root is 3 and session_count is 3', () => {
    const run = runScript(lines('aggregate:', '    count session', 'match:', "    tally('root')", 'debug(session_count)'), schema, people);
    expect(render(run.result.toPartial())).toEqual({ _: [{ g: 'root', c: [3] }] });
    expect(run.debug).toEqual([3]);
    expect(run.program.usesSession).toBe(true);
  });
  it('session numbers 1..3 per row', () => {
    const run = runScript(lines('s = []', 'match:', '    s.append(session)', 'debug(s)'), schema, people);
    expect(run.debug).toEqual([[1, 1, 1, 2, 2, 2, 3, 3, 3]]);
  });
});
