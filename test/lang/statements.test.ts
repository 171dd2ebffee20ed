/** Statements, cursors and iterators, functions, time names, tally, modes and run-time errors. */
import { describe, expect, it } from 'vitest';
import { compile } from '../../lang/index.ts';
import { DbError } from '../../lang/errors.ts';
import { render } from '../../lang/result.ts';
import { runScript } from './run-script.ts';
import { buildBlock, schemaOf, type PersonInput } from '../fixtures/rows.ts';
import type { Value } from '../../lang/runtime/values.ts';

const schema = schemaOf({ page: 'text', price: 'double', n: 'int', ok: 'bool', words: 'text[]', nums: 'int[]' });
const T0 = 1_600_000_000_000;
const MIN = 60_000;
/** Five rows; rows 1 and 2 form one complex event. */
const person: PersonInput = {
  id: 'Alice',
  rows: [
    { stamp: T0, action: 'view', page: 'home', price: 1, n: 1, ok: true, words: ['a', 'b'], nums: [1, 2] },
    { stamp: T0 + MIN, action: 'buy', event: 7, page: 'cart', price: 2, n: 2, ok: false, words: [] },
    { stamp: T0 + MIN, action: 'buy', event: 7, page: 'cart', price: 3, n: 3 },
    { stamp: T0 + 2 * MIN, action: 'view', page: 'home', price: 4, n: 4, words: ['c'] },
    { stamp: T0 + 3 * MIN, action: 'exit', page: null, price: null, n: 5 },
  ],
};

function dbg(script: string, people: PersonInput[] = [person]): unknown[] {
  return runScript(script, schema, people).debug;
}

const lines = (...l: string[]): string => l.join('\n');

describe('columns and values', () => {
  it('reads the current row; None for absent values', () => {
    expect(dbg('debug(page)\ndebug(price)\ndebug(n)\ndebug(ok)\ndebug(action)\ndebug(person)\ndebug(stamp == event_time)')).toEqual([
      'home', 1, 1, true, 'view', 'alice', true,
    ]);
    expect(dbg('iter_move_last()\ndebug(page)\ndebug(price)\ndebug(words)\ndebug(ok)')).toEqual([null, null, new Set(), null]);
  });
  it('text column compared with expressions', () => {
    const s = lines("x = 'home'", 'debug(page == x)', 'debug(page != x)', 'debug(page == 5)', 'debug(page != None)', 'iter_move_last()', 'debug(page == None)', 'debug(page != x)');
    expect(dbg(s)).toEqual([true, false, false, true, true, true]);
  });
  it('set column rules (§4)', () => {
    const s = lines(
      "debug('a' in words)",
      "debug(words == 'b')",
      "debug(words is 'a')",
      "debug(words != 'z')",
      "debug(words in ['x', 'b'])",
      "debug(words not in ['x', 'y'])",
      "debug('z' not in words)",
      'debug(2 in nums)',
      'debug(len(words))',
    );
    expect(dbg(s)).toEqual([true, true, true, true, true, true, true, true, 2]);
  });
  it('variables reset to None for every person', () => {
    const other: PersonInput = { id: 'bob', rows: [{ stamp: T0, action: 'view' }] };
    expect(dbg('debug(x)\nx = 1', [person, other])).toEqual([null, null]);
  });
});

describe('statements', () => {
  it('if / elif / else', () => {
    const s = lines('for v in [1, 2, 3]:', '    if v == 1:', "        debug('one')", '    elif v == 2:', "        debug('two')", '    else:', "        debug('many')");
    expect(dbg(s)).toEqual(['one', 'two', 'many']);
  });
  it('for over list, set, dict keys and key/value pairs', () => {
    const s = lines('t = 0', 'for v in [1, 2]:', '    t += v', 'for v in set(3):', '    t += v', "d = {'a': 10, 'b': 20}", 'for k in d:', '    debug(k)', 'for k, v in d:', '    t += v', 'debug(t)');
    expect(dbg(s)).toEqual(['a', 'b', 36]);
  });
  it('list literals are fresh on every evaluation; constant lists serve `in` tests', () => {
    expect(dbg('for i in [1, 2]:\n    x = [0]\n    x.append(i)\n    debug(len(x))')).toEqual([2, 2]);
    expect(dbg("c = 0\nmatch where n in [1, 4] or page not in ['home', 'cart']:\n    c += 1\ndebug(c)")).toEqual([3]);
  });
  it('for over a set column', () => {
    expect(dbg('for w in words:\n    debug(w)')).toEqual(['a', 'b']);
  });
  it('for over a number is a run-time error with line and person', () => {
    try {
      dbg('x = 1\nfor v in x:\n    pass');
      throw new Error('no error');
    } catch (e) {
      expect(e).toBeInstanceOf(DbError);
      expect((e as DbError).body).toMatchObject({ class: 'run_time', message: 'not_iterable', line: 2, person: 'alice', source: 'for v in x:' });
    }
  });
  it('while with break and continue', () => {
    const s = lines('i = 0', 't = 0', 'while True:', '    i += 1', '    if i > 5:', '        break', '    if i % 2 == 0:', '        continue', '    t += i', 'debug(t)');
    expect(dbg(s)).toEqual([9]);
  });
  it('a runaway loop exhausts the budget', () => {
    const program = compile('while True:\n    pass', schema, { mode: 'event' });
    const { slices } = buildBlock(schema, [person]);
    expect(() => program.run(slices[0]!, { now: 0, sessionTime: 1, budget: { remaining: 1000 } })).toThrowError(/budget/);
  });
  it('exit, and break/continue outside loops, end the script', () => {
    expect(dbg('debug(1)\nexit\ndebug(2)')).toEqual([1]);
    expect(dbg('debug(1)\nbreak\ndebug(2)')).toEqual([1]);
    expect(dbg('debug(1)\ncontinue\ndebug(2)')).toEqual([1]);
  });
  it('def, return, forward definitions, None without return', () => {
    const s = lines('debug(add(2, 3))', 'debug(nothing())', 'def add(a, b):', '    return a + b', 'def nothing():', '    pass');
    expect(dbg(s)).toEqual([5, null]);
  });
  it('recursion works and is limited', () => {
    expect(dbg('def fact(k):\n    if k <= 1:\n        return 1\n    return k * fact(k - 1)\ndebug(fact(10))')).toEqual([3628800]);
    expect(() => dbg('def f(k):\n    return f(k + 1)\nf(0)')).toThrowError(/recursion|deeper/);
  });
  it('a function gets a copy of the caller cursor', () => {
    const s = lines('def peek():', '    iter_next()', '    return page', 'debug(peek())', 'debug(page)');
    expect(dbg(s)).toEqual(['cart', 'home']);
  });
  it('match N and match N where', () => {
    expect(dbg('c = 0\nmatch 2:\n    c += 1\ndebug(c)')).toEqual([2]);
    expect(dbg("c = 0\nmatch 1 events where page == 'cart':\n    c += price\ndebug(c)")).toEqual([2]);
    expect(dbg("c = 0\nmatch of events where page == 'cart':\n    c += price\ndebug(c)")).toEqual([5]);
  });
  it('reverse_match iterates backwards from the cursor', () => {
    expect(dbg('iter_move_last()\nreverse_match:\n    debug(n)')).toEqual([5, 4, 3, 2, 1]);
    expect(dbg("match where page == 'home':\n    reverse_match 2:\n        debug(n)\n    break")).toEqual([1]);
  });
  it('a nested match starts at the cursor the body moved to; the loop still proceeds row by row', () => {
    const s = lines('match 2:', '    iter_next()', '    match 1:', '        debug(n)', '    debug(n)');
    // Row 0: iter_next → row 1 (next event) → inner sees n=2. Row 1: iter_next skips row 2 (same event) → row 3.
    expect(dbg(s)).toEqual([2, 2, 4, 4]);
  });
  it('break top in a single loop continues it; break all leaves a for inside a match', () => {
    expect(dbg('c = 0\nmatch:\n    c += 1\n    break top\n    c += 100\ndebug(c)')).toEqual([5]);
    expect(dbg('c = 0\nmatch:\n    for v in [1, 2]:\n        c += 1\n        break all\ndebug(c)')).toEqual([1]);
  });
  it('iter_next past the end inside a for ends the enclosing match, not the script', () => {
    expect(dbg('c = 0\nmatch:\n    for v in [1, 2, 3, 4, 5]:\n        iter_next()\n        c += 1\ndebug(c)')).toEqual([3]);
  });
  it('functions see and change global variables', () => {
    expect(dbg('total = 0\ndef add(x):\n    total += x\nmatch:\n    add(n)\ndebug(total)\ndebug(x)')).toEqual([15, 5]);
  });
  it('after a match ends the enclosing cursor is where it was', () => {
    expect(dbg('match:\n    pass\ndebug(n)')).toEqual([1]);
  });
});

describe('iterators and events', () => {
  it('event_count counts events, iter_next skips rows of one complex event', () => {
    expect(dbg('debug(event_count())')).toEqual([4]);
    expect(dbg('iter_next()\ndebug(n)\niter_next()\ndebug(n)')).toEqual([2, 4]);
  });
  it('iter_prev, iter_get, iter_set, iter_move_first, iter_move_last', () => {
    const s = lines('iter_set(4)', 'debug(iter_get())', 'iter_prev()', 'debug(n)', 'iter_prev()', 'debug(n)', 'iter_move_last()', 'debug(iter_get())', 'iter_move_first()', 'debug(iter_get())');
    expect(dbg(s)).toEqual([4, 4, 2, 4, 0]);
  });
  it('iter_prev at row 0 ends the script', () => {
    expect(dbg('debug(1)\niter_prev()\ndebug(2)')).toEqual([1]);
  });
  it('iter_set out of range is a run-time error', () => {
    expect(() => dbg('iter_set(99)')).toThrowError(/iter_set/);
  });
  it('iter_within and iter_between', () => {
    const s = lines('t = stamp', 'iter_next()', 'debug(iter_within(1 minute, t))', 'debug(iter_within(59 seconds, t))', `debug(iter_between(${T0 + MIN}, ${T0 + 2 * MIN}))`, "debug(iter_between('2020-09-13T12:27:00Z', '2020-09-13T12:28:00Z'))");
    // T0 + 1 min = 2020-09-13T12:27:20Z
    expect(dbg(s)).toEqual([true, false, true, true]);
  });
  it('last_match in a nested where is the outer matched row; first_match before any hit is None', () => {
    const s = lines(
      "match where page == 'cart':",
      '    match 1 where n > 3 and iter_within(2 minutes, last_match):',
      '        debug(n)',
      '    break',
      'match where first_match == None:',
      '    debug(n)',
      '    break',
    );
    expect(dbg(s)).toEqual([4, 1]);
  });
  it('time names', () => {
    const s = lines(
      'debug(first_event == ' + T0 + ')',
      'debug(last_event() == ' + (T0 + 3 * MIN) + ')',
      'debug(now)',
      'debug(first_match)',
      "match where page == 'cart':",
      '    match where n == 4:',
      '        debug(first_match == ' + (T0 + MIN) + ')',
      '        debug(prev_match == ' + (T0 + MIN) + ')',
      '        match 1:',
      '            debug(prev_match == ' + (T0 + 2 * MIN) + ')',
      '            debug(last_match() == prev_match)',
      '    break',
    );
    expect(runScript(s, schema, [person], {}, { now: 42 }).debug).toEqual([true, true, 42, null, true, true, true, true]);
  });
});

describe('inline aggregators', () => {
  it('scan the whole history regardless of cursor; None rows are ignored', () => {
    expect(dbg('iter_move_last()\ndebug(SUM price)\ndebug(COUNT price)\ndebug(AVG price)\ndebug(MIN n)\ndebug(MAX n)')).toEqual([10, 4, 2.5, 1, 5]);
  });
  it('where and with; COUNT counts distinct (with, stamp, action); empty gives 0 / None', () => {
    expect(dbg("debug(COUNT page with action)\ndebug(SUM price where page = 'cart')\ndebug(AVG price where page == 'x')\ndebug(COUNT page where page == 'x')")).toEqual([3, 5, null, 0]);
  });
  it('DISTINCT counts values, set columns by element', () => {
    expect(dbg('debug(DISTINCT page)\ndebug(DISTINCT words)')).toEqual([2, 3]);
  });
  it('usable inside expressions and ends at a top-level comma', () => {
    expect(dbg("debug(max(SUM price where n > 2, 1) + 1)")).toEqual([8]);
  });
});

describe('tally and aggregation (§7)', () => {
  it('the §7 example gives root [1, 2, 2, 6]', () => {
    const s2 = schemaOf({ page: 'text', referral_source: 'text', referral_search: 'text[]' });
    const rows = [
      { stamp: T0, action: 'visit', page: 'home page', referral_source: 'google', referral_search: ['big', 'red', 'shoes'] },
      { stamp: T0 + MIN, action: 'visit', page: 'home page', referral_source: 'bing', referral_search: ['small', 'blue', 'hat'] },
    ];
    const script = lines(
      'aggregate:',
      '    count person',
      '    count page',
      '    count referral_source',
      '    var ref',
      'match where page is not None:',
      '    for ref in referral_search:',
      '        tally(person, page, referral_source, ref)',
    );
    const { result } = runScript(script, s2, [{ id: 'p', rows }]);
    const tree = render(result.toPartial());
    expect(tree._[0]!.g).toBe('p');
    expect(tree._[0]!.c).toEqual([1, 2, 2, 6]);
  });
  it('equal (with-value, stamp) rows count once; all counts every row', () => {
    const script = lines('aggregate:', '    count person', '    count page', '    sum price', '    sum price as every all', 'match:', "    tally('x')");
    const { result } = runScript(script, schema, [person]);
    // page: (home,T0) (cart,T0+1m) (home,T0+2m) → 3; sum price: rows 1 and 2 share stamp but differ in price.
    expect(render(result.toPartial())._[0]!.c).toEqual([1, 3, 10, 10]);
  });
  it('tally descent stops at the first None key; no args does nothing', () => {
    const { result } = runScript("match:\n    tally(action, page)\n    tally()", schema, [person]);
    const tree = render(result.toPartial(), { sort: 'g', order: 'asc' });
    expect(tree._.map((n) => [n.g, n.c[0], (n._ ?? []).map((k) => k.g)])).toEqual([
      ['buy', 1, ['cart']],
      ['exit', 1, []],
      ['view', 1, ['home']],
    ]);
  });
  it('a container key is a run-time error', () => {
    expect(() => runScript('tally([1])', schema, [person])).toThrowError(/tally/);
  });
});

describe('query modes', () => {
  const { slices } = buildBlock(schema, [person, { id: 'bob', rows: [{ stamp: T0, action: 'view', page: 'x' }] }]);
  const ctx = { now: 0, sessionTime: 1_800_000, budget: { remaining: 1e6 } };
  it('segment: tally makes the person a member and ends the script', () => {
    const p = compile("match where page == 'cart':\n    tally\n    debug(1)", schema, { mode: 'segment' });
    const log: Value[] = [];
    expect(slices.map((s) => p.run(s, { ...ctx, debugLog: log }).member)).toEqual([true, false]);
    expect(log).toEqual([]);
  });
  it('segment math', () => {
    const inSegment = (name: string): boolean => name === 'a';
    const run = (script: string) => compile(script, schema, { mode: 'segment' }).run(slices[0]!, { ...ctx, inSegment }).member;
    expect(run("population('a')")).toBe(true);
    expect(run("union('b', 'a')")).toBe(true);
    expect(run("intersection('a', 'b')")).toBe(false);
    expect(run("difference('a', 'b')")).toBe(true);
    expect(run("complement('a')")).toBe(false);
    expect(run("compliment('b')")).toBe(true);
    expect(run("if population('a') and page == 'home':\n    tally()")).toBe(true);
  });
  it('histogram: the top-level return value is the measurement', () => {
    const p = compile('c = 0\nmatch:\n    c += 1\n    if c == 3:\n        return c * 10\nreturn None', schema, { mode: 'histogram' });
    expect(slices.map((s) => p.run(s, ctx).value)).toEqual([30, null]);
  });
  it('foreach histograms see each_value', () => {
    const p = compile('return COUNT page where page = each_value', schema, { mode: 'histogram', eachValue: true });
    expect(p.run(slices[0]!, { ...ctx, eachValue: 'home' }).value).toBe(2);
  });
  it('trigger: emit ends the script, schedule names a function', () => {
    const script = lines('def on_insert():', "    schedule(5000, 'later')", "    if page == 'home':", "        emit('hello ' + person)", "    debug('not reached')", 'def later():', '    pass');
    const p = compile(script, schema, { mode: 'trigger' });
    const emitted: string[] = [];
    const scheduled: [number, string][] = [];
    const log: Value[] = [];
    p.run(slices[0]!, { ...ctx, debugLog: log, emit: (m) => emitted.push(m), schedule: (d, f) => scheduled.push([d, f]) });
    expect(emitted).toEqual(['hello alice']);
    expect(scheduled).toEqual([[5000, 'later']]);
    expect(log).toEqual([]);
  });
  it('debug logs a snapshot of containers', () => {
    expect(dbg('x = [1]\ndebug(x)\nx.append(2)')).toEqual([[1]]);
  });
  it('log joins its arguments', () => {
    expect(dbg("log('a', 1, None)")).toEqual(['a 1 None']);
  });
});

describe('params and sections', () => {
  it('substitutes str/int/dbl/bool params; str naming a column stays bare', () => {
    const script = 'debug({{s}})\ndebug({{i}} + 1)\ndebug({{d}})\ndebug({{b}})\ndebug({{col}})';
    const params = { str_s: "it's", int_i: '-3', dbl_d: '2.5', bool_b: 'true', str_col: 'page' };
    expect(runScript(script, schema, [person], { params }).debug).toEqual(["it's", -2, 2.5, true, 'home']);
  });
  it('an unreplaced parameter is a compile error naming it', () => {
    try {
      compile('x = 1\ny = {{missing}}', schema, { mode: 'event' });
      throw new Error('no error');
    } catch (e) {
      expect((e as DbError).body).toMatchObject({ class: 'parse', message: 'missing_param', line: 2, column: 5 });
      expect((e as DbError).body.detail).toContain('missing');
    }
  });
  it('bad int parameter', () => {
    expect(() => compile('x = {{n}}', schema, { mode: 'event', params: { int_n: '1.5' } })).toThrowError(/int_n/);
  });
});
