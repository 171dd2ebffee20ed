/**
 * PyQL public API: compile a script once per query against a table schema, then run the Program
 * per person. Passes: {{param}} substitution → indentation pre-pass + Ohm parse → check → compile.
 */
import type { TableSchema } from './schema.ts';
import { substituteParams } from './params.ts';
import { parse } from './parse.ts';
import { check, type Mode } from './check.ts';
import { compileScript } from './compile.ts';
import { dumpProgram } from './dump.ts';
import { CompiledProgram, type Program } from './program.ts';
import { DbError } from './errors.ts';

export type { Program, RunOutcome } from './program.ts';
export type { RunContext } from './frame.ts';
export type { Mode } from './check.ts';
export { splitSections, parseDuration, type Section } from './sections.ts';

export interface CompileOptions {
  mode: Mode;
  /** Raw URL parameters: str_x, int_x, dbl_x, bool_x. */
  params?: Record<string, string>;
  /** foreach histograms: `each_value` is defined. */
  eachValue?: boolean;
  /** Added to reported line numbers (a section's body inside a larger request). */
  lineOffset?: number;
}

export function compile(script: string, schema: TableSchema, opts: CompileOptions): Program {
  try {
    const text = substituteParams(script, opts.params ?? {}, new Set(schema.columns.map((c) => c.name)));
    const { ast, source } = parse(text);
    const res = check(ast, schema, opts.mode, opts.eachValue === true, source);
    const compiled = compileScript(ast.body, res);
    return new CompiledProgram(res, compiled, () => dumpProgram(ast, res));
  } catch (e) {
    // Pathological nesting can exhaust the parser's or compiler's stack: still a script error.
    if (e instanceof RangeError) {
      throw new DbError('parse', 'too_complex', 'line 1: the script nests too deeply to compile', { line: 1, column: 1, source: script.split('\n')[0] ?? '' });
    }
    if (e instanceof DbError && opts.lineOffset && e.body.line !== undefined) {
      const line = e.body.line + opts.lineOffset;
      const detail = e.body.detail.replace(/^line \d+/, `line ${line}`);
      throw new DbError(e.body.class, e.body.message, detail, { ...e.body, line });
    }
    throw e;
  }
}
