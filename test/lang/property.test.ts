/** fast-check: random and mutated scripts never make compile() throw anything but a parse DbError. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compile } from '../../lang/index.ts';
import { DbError } from '../../lang/errors.ts';
import { buildBlock, schemaOf } from '../fixtures/rows.ts';

const schema = schemaOf({ page: 'text', price: 'double', n: 'int', tags: 'text[]' });
const { slices } = buildBlock(schema, [
  {
    id: 'p',
    rows: [
      { stamp: 1_600_000_000_000, action: 'a', page: 'x', price: 1, n: 1, tags: ['t'] },
      { stamp: 1_600_000_060_000, action: 'b', page: 'y', price: 2, n: 2 },
    ],
  },
]);

const SEEDS = [
  "aggregate:\n    count person\n    sum price as total with page\nmatch where page == 'x' and\n      n > 0:\n    tally(page, n)",
  'c = 0\nmatch 2 events where price > 1:\n    c += 1\n    if c >= 2:\n        break top\n    else:\n        continue\nreturn c',
  "def f(a, b):\n    return a + b\nx = [1, 2, {'k': 3}]\nfor k, v in {'a': 1}:\n    x.append(f(k, v))\ndel x[0]",
  "while n < 3:\n    iter_next()\nreturn SUM price where page != None with page",
  "x = [1, 2]\nreverse_match where 'o' in tags:\n    debug(iter_within(5 days, stamp))\nlog(x[1:2], -3 // 2 % 4)",
];

const TOKENS = [
  'match', 'reverse_match', 'where', 'if', 'elif', 'else', 'for', 'in', 'while', 'def', 'return', 'break', 'top', 'all',
  'continue', 'pass', 'del', 'exit', 'and', 'or', 'not', 'is', 'None', 'True', 'False', 'SUM', 'COUNT', 'with', 'tally',
  'iter_next()', 'page', 'price', 'n', 'tags', 'x', 'y', 'f', '(', ')', '[', ']', '{', '}', ':', ',', '.', '=', '==', '!=',
  '<', '>=', '+', '-', '*', '/', '//', '%', '+=', '1', '2.5', "'s'", '"t"', '\n', '\n    ', '\n        ', '\t', '\\', '#',
  '{{p}}', 'days', 'events', 'aggregate:', 'count', 'as', '@',
];

function assertOnlyParseErrors(script: string): void {
  let program;
  try {
    program = compile(script, schema, { mode: 'event' });
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    expect((e as DbError).body.class).toBe('parse');
    expect(typeof (e as DbError).body.line).toBe('number');
    return;
  }
  // Whatever compiles runs to completion or fails with a run-time error.
  try {
    const result = program.newResult();
    program.run(slices[0]!, { result, now: 0, sessionTime: 1_800_000, budget: { remaining: 10_000 } });
  } catch (e) {
    expect(e).toBeInstanceOf(DbError);
    expect((e as DbError).body.class).toBe('run_time');
  }
}

describe('compiler robustness (fast-check)', () => {
  it('random token soups', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), fc.array(fc.constantFrom(' ', ''), { maxLength: 40 }), (toks, seps) => {
        assertOnlyParseErrors(toks.map((t, i) => t + (seps[i] ?? ' ')).join(''));
      }),
      { numRuns: 400 },
    );
  });
  it('random strings', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), assertOnlyParseErrors), { numRuns: 300 });
  });
  it('mutated valid scripts', () => {
    const mutation = fc.record({
      seed: fc.constantFrom(...SEEDS),
      edits: fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 4 }), ins: fc.constantFrom('', ...TOKENS) }), { minLength: 1, maxLength: 4 }),
    });
    fc.assert(
      fc.property(mutation, ({ seed, edits }) => {
        let s = seed;
        for (const e of edits) {
          const at = e.at % (s.length + 1);
          s = s.slice(0, at) + e.ins + s.slice(at + e.del);
        }
        assertOnlyParseErrors(s);
      }),
      { numRuns: 600 },
    );
  });
  it('deep nesting is a parse error, not a crash', () => {
    assertOnlyParseErrors(`x = ${'('.repeat(5000)}1${')'.repeat(5000)}`);
    assertOnlyParseErrors(`x = ${'-'.repeat(20000)}1`);
  });
  it('the seeds themselves compile', () => {
    for (const s of SEEDS) expect(() => compile(s, schema, { mode: 'event' })).not.toThrow();
  });
});
