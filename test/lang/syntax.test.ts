/** Lexical structure, indentation pre-pass, grammar file, precedence and compile errors. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GRAMMAR_SOURCE } from '../../lang/grammar.ts';
import { prepare, INDENT, DEDENT } from '../../lang/indent.ts';
import { compile } from '../../lang/index.ts';
import { DbError } from '../../lang/errors.ts';
import { runScript } from './run-script.ts';
import { schemaOf, type PersonInput } from '../fixtures/rows.ts';

const schema = schemaOf({ fruit: 'text', price: 'double', qty: 'int', tags: 'text[]' });
const people: PersonInput[] = [
  {
    id: 'p1',
    rows: [
      { stamp: 1_600_000_000_000, action: 'view', fruit: 'apple', price: 1.5, qty: 2, tags: ['red', 'sweet'] },
      { stamp: 1_600_000_060_000, action: 'buy', fruit: 'pear', price: 2.5, qty: 1, tags: ['green'] },
    ],
  },
];

function dbg(script: string): unknown[] {
  return runScript(script, schema, people).debug;
}

/** The DbError body thrown by compile(). */
function compileErr(script: string, mode: 'event' | 'segment' | 'histogram' = 'event'): Record<string, unknown> {
  try {
    compile(script, schema, { mode });
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    return { ...(e as DbError).body };
  }
  throw new Error('expected a compile error');
}

describe('grammar file', () => {
  it('lang/grammar.ts holds exactly lang/pyql.ohm', () => {
    expect(GRAMMAR_SOURCE).toBe(readFileSync(new URL('../../lang/pyql.ohm', import.meta.url), 'utf8'));
  });
});

describe('indentation pre-pass', () => {
  it('frames blocks with markers and drops comments and blank lines', () => {
    const p = prepare('if x:  # c\n\n    y = 1\n# only a comment\nz = 2');
    expect(p.text).toBe(`if x:\n${INDENT}y = 1\n${DEDENT}z = 2\n`);
    expect(p.lines[p.text.indexOf('z')]).toBe(5);
  });
  it('accepts CRLF and tabs (4 spaces)', () => {
    expect(dbg('x = 0\r\nif True:\r\n\tx = 1\r\n    x += 1\r\ndebug(x)')).toEqual([2]);
  });
  it('joins lines in brackets, after a backslash and in unfinished block headers', () => {
    const s = ['x = [1,', '     2] + \\', '    [3]', "match where fruit == 'apple' and", '      price > 1:', '    debug(x)'].join('\n');
    expect(dbg(s)).toEqual([[1, 2, 3]]);
  });
  it('keeps a # inside strings', () => {
    expect(dbg("debug('a#b')  # comment")).toEqual(['a#b']);
  });
  it('needs no trailing newline', () => {
    expect(dbg('debug(1)')).toEqual([1]);
  });
  it('reports a dedent to an unknown width with its line', () => {
    const b = compileErr('if True:\n        x = 1\n    y = 2');
    expect(b).toMatchObject({ class: 'parse', message: 'bad_indent', line: 3, source: '    y = 2' });
  });
  it('reports an unexpected indent', () => {
    const b = compileErr('x = 1\n    y = 2');
    expect(b).toMatchObject({ class: 'parse', line: 2 });
  });
});

describe('literals and operators', () => {
  it.each([
    ['10 - 2 - 3', 5],
    ['2 + 3 * 4', 14],
    ['(2 + 3) * 4', 20],
    ['7 / 2', 3.5],
    ['7 // 2', 3],
    ['-7 // 2', -4],
    ['7 % 3', 1],
    ['-2 * 3', -6],
    ['1.5e3', 1500],
    ['.5', 0.5],
    ['5 days', 432000000],
    ['2 hours + 1 minute', 7260000],
    ['1 second', 1000],
    ['(1 + 1) days', 172800000],
    ['7 / 0', null],
    ['None + 1', null],
    ["'a' + 1", 'a1'],
    ["'ab' * 2", 'abab'],
    ['not 1 == 2', true],
    ['1 < 2 < 3', true],
    ['3 > 2 > 2', false],
    ['1 == 1 and 2 or 3', 2],
    ['0 or None', null],
    ["'' or 'x'", 'x'],
    ['None is None', true],
    ['1 is not None', true],
    ["'ell' in 'hello'", true],
    ['3 not in [1, 2]', true],
    ['1 <> 2', true],
    ["1 == '1'", false],
    ['None < 1', false],
    ["'\\t\\'\\\"\\/'", '\t\'"/'],
    ['[1, 2] + [3]', [1, 2, 3]],
    ["{'a': 1}['a']", 1],
    ["{'a': 1}['b']", null],
    ['[1, 2, 3][-1]', 3],
    ['[1, 2, 3][5]', null],
    ["'hello'[1:3]", 'el'],
    ['True and False', false],
    ['+3', 3],
  ])('%s → %j', (e, want) => {
    expect(dbg(`debug(${e})`)).toEqual([want]);
  });
  it('dict and set literals and methods', () => {
    const s = ["d = {'a': 1}", "d['b'] = 2", "d['a'] += 5", "del d['b']", 'debug(d)', 's = set(1, 2)', 's.add(3)', 'debug(len(s))', "debug('A-b'.lower().split('-'))"].join('\n');
    expect(dbg(s)).toEqual([new Map([['a', 6]]), 3, ['a', 'b']]);
  });
  it('nested subscript assignment', () => {
    expect(dbg("d = {'x': {}}\nd['x']['y'] = 3\ndebug(d['x']['y'])")).toEqual([3]);
  });
  it('single = compares in conditions', () => {
    expect(dbg("if fruit = 'apple':\n    debug(1)\nmatch where fruit = 'pear':\n    debug(2)")).toEqual([1, 2]);
  });
});

describe('compile errors carry class parse, line, column and source', () => {
  it.each([
    ['x = 1\ny = (2 +', 'syntax_error', 2],
    ['x = 1\nx = 1 = 2', 'assign_in_expression', 2],
    ['debug(nope)', 'unknown_name', 1],
    ['x = 1\ndebug(fooo(1))', 'unknown_function', 2],
    ['def f(a):\n    return a\ndebug(f(1, 2))', 'arity', 3],
    ['debug(len())', 'arity', 1],
    ['x = [1]\nx.frobnicate()', 'unknown_method', 2],
    ['match:\n    break 2', 'bad_break', 2],
    ['fruit = 1', 'assign_to_column', 1],
    ['aggregate:\n    sum nope\ndebug(1)', 'unknown_column', 2],
    ['aggregate:\n    sum price\n    avg price\ndebug(1)', 'duplicate_alias', 3],
    ['aggregate:\n    var v\ndebug(1)', 'unknown_variable', 2],
    ['aggregate:\n    sum fruit\ndebug(1)', 'bad_aggregate', 2],
    ['x = SUM nope', 'unknown_column', 1],
    ['x = len', 'function_as_value', 1],
    ["x = 'unterminated", 'unterminated_string', 1],
    ["schedule(10, 'missing')", 'unknown_function', 1],
    ['aggregate:\n    count person\nsort:\n    nope\npass', 'bad_sort', 4],
  ])('%j → %s', (script, code, line) => {
    const b = compileErr(script);
    expect(b.class).toBe('parse');
    expect(b.message).toBe(code);
    expect(b.line).toBe(line);
    expect(typeof b.column).toBe('number');
    expect(b.source).toBe(script.split('\n')[line - 1]);
  });
  it('tally is a compile error in histogram scripts', () => {
    expect(compileErr('match:\n    tally(fruit)\nreturn 1', 'histogram')).toMatchObject({ message: 'tally_in_histogram', line: 2 });
  });
  it('unknown each_value outside foreach histograms', () => {
    expect(compileErr('return each_value', 'histogram')).toMatchObject({ message: 'unknown_name' });
    expect(() => compile('return each_value', schema, { mode: 'histogram', eachValue: true })).not.toThrow();
  });
});

describe('program surface', () => {
  it('lists only the referenced columns and the aggregators', () => {
    const p = compile("aggregate:\n    count person\n    sum price as total\nmatch where fruit == 'x':\n    tally(fruit)", schema, { mode: 'event' });
    expect([...p.columns].sort()).toEqual(['fruit', 'price']);
    expect(p.aggs.map((a) => a.alias)).toEqual(['person', 'total']);
    expect(p.usesSession).toBe(false);
    expect(p.dump()).toContain('columns: ');
    expect(p.dump()).toContain('match where');
  });
  it('default aggregate is count person', () => {
    expect(compile('pass', schema, { mode: 'event' }).aggs).toEqual([{ kind: 'count', alias: 'person', source: { type: 'person' }, all: false }]);
  });
  it('aggregator forms: val, bare name, with, all', () => {
    const p = compile('agg:\n    fruit\n    val price as v with fruit all\n    max qty', schema, { mode: 'event' });
    expect(p.aggs).toEqual([
      { kind: 'count', alias: 'fruit', source: { type: 'column', name: 'fruit' }, all: false },
      { kind: 'value', alias: 'v', source: { type: 'column', name: 'price' }, withColumn: 'fruit', all: true },
      { kind: 'max', alias: 'qty', source: { type: 'column', name: 'qty' }, all: false },
    ]);
  });
});
