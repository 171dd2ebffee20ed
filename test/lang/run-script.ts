/** Runs PyQL programs over plain row objects (built into a RowBlock by test/fixtures/rows.ts). */
import type { TableSchema } from '../../lang/schema.ts';
import { compile, type CompileOptions, type Program, type RunContext, type RunOutcome } from '../../lang/index.ts';
import type { ResultTree } from '../../lang/result.ts';
import type { Value } from '../../lang/runtime/values.ts';
import { buildBlock, type PersonInput } from '../fixtures/rows.ts';

export interface RunAll {
  program: Program;
  result: ResultTree;
  outcomes: RunOutcome[];
  debug: Value[];
}

/** Compiles `script` and runs it for every person; collects the result tree, outcomes and debug log. */
export function runScript(
  script: string,
  schema: TableSchema,
  people: PersonInput[],
  opts: Partial<CompileOptions> = {},
  ctxExtra: Partial<RunContext> = {},
): RunAll {
  const program = compile(script, schema, { mode: 'event', ...opts });
  const result = program.newResult();
  const debug: Value[] = [];
  const { slices } = buildBlock(schema, people);
  const ctx: RunContext = {
    result,
    now: Date.parse('2020-01-01T00:00:00Z'),
    sessionTime: 30 * 60_000,
    budget: { remaining: 1e7 },
    debugLog: debug,
    ...ctxExtra,
  };
  const outcomes = slices.map((s) => program.run(s, ctx));
  return { program, result, outcomes, debug };
}
