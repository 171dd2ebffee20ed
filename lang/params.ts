/**
 * `{{name}}` substitution (pyql.md §8), done on the raw script before parsing. URL parameters arrive
 * as `str_name`, `int_name`, `dbl_name` or `bool_name`; a placeholder nobody supplied is a compile error.
 */
import { DbError } from './errors.ts';

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const INT = /^[+-]?\d+$/;
const DBL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function quote(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}'`;
}

/** The PyQL literal text for parameter `name`, or null when no URL parameter supplies it. */
function literalFor(name: string, params: Record<string, string>, columns: ReadonlySet<string>): string | null {
  const str = params[`str_${name}`];
  if (str !== undefined) return columns.has(str) ? str : quote(str);
  for (const kind of ['int', 'dbl'] as const) {
    const raw = params[`${kind}_${name}`];
    if (raw === undefined) continue;
    const text = raw.trim();
    if (!(kind === 'int' ? INT : DBL).test(text)) {
      throw new DbError('query', 'bad_param', `parameter ${kind}_${name} must be ${kind === 'int' ? 'an integer' : 'a number'}, got '${raw}'`);
    }
    // Negative values are parenthesised so `x-{{n}}` stays a subtraction of a negative number.
    return text.startsWith('-') ? `(${text})` : text.replace(/^\+/, '');
  }
  const b = params[`bool_${name}`];
  if (b !== undefined) {
    const t = b.trim().toLowerCase();
    if (t !== 'true' && t !== 'false') throw new DbError('query', 'bad_param', `parameter bool_${name} must be true or false, got '${b}'`);
    return t === 'true' ? 'True' : 'False';
  }
  return null;
}

export function substituteParams(script: string, params: Record<string, string>, columns: ReadonlySet<string>): string {
  return script.replace(PLACEHOLDER, (_whole, name: string, offset: number) => {
    const lit = literalFor(name, params, columns);
    if (lit !== null) return lit;
    const before = script.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const source = script.split('\n')[line - 1]!.replace(/\r$/, '');
    throw new DbError('parse', 'missing_param', `line ${line}: no value for {{${name}}}; pass str_${name}, int_${name}, dbl_${name} or bool_${name}`, {
      line,
      column,
      source,
    });
  });
}
