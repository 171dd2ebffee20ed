/**
 * Recognises segment scripts that value indexes answer exactly, so the shard can skip running
 * them per person. Deliberately conservative: anything not listed returns null and the script runs
 * per person (results are identical either way; tests compare both paths).
 *
 * Recognised shapes (after {{param}} substitution; comments and blank lines ignored):
 *   match where COND:          COND := ALL ('or' ALL)*, optionally parenthesised;
 *                              ALL := TEST ('and' TEST)*, all on one scalar column
 *       tally | tally()        TEST := col in [lit, ...] | lit in col | col == lit | col = lit
 *                                      | col is lit | col <|<=|>|>= number   (numeric scalar columns)
 *   population('s') | union('a','b') | intersection('a','b') | difference('a','b') | complement('a')
 *
 * Why these are exact: a person is a member when some row satisfies COND; each TEST is a property of
 * a single row's value of one column, and a disjunction holds on some row iff one of its tests holds
 * on some row, so membership is the union of the postings of the values that pass. `!=`, `not` and
 * `and` across columns are excluded: they need rows where the value is absent, or two tests on
 * the same row.
 */
import type { ColumnDef, TableSchema } from '../../lang/schema.ts';
import type { IndexKey } from '../index/values.ts';

export type ValueTest = (k: IndexKey) => boolean;

export type IndexPlan =
  | { kind: 'values'; tests: { column: string; test: ValueTest }[] }
  | { kind: 'math'; op: 'population' | 'union' | 'intersection' | 'difference' | 'complement'; names: string[] };

type Tok = { t: 'id' | 'str' | 'num' | 'op'; v: string | number };

function tokenize(line: string): Tok[] | null {
  const out: Tok[] = [];
  let i = 0;
  while (i < line.length) {
    const ch = line[i];
    if (ch === ' ' || ch === '\t') { i++; continue; }
    if (ch === '#') break;
    if (ch === "'" || ch === '"') {
      let s = '';
      i++;
      while (i < line.length && line[i] !== ch) {
        if (line[i] === '\\') {
          const e = line[i + 1];
          const map: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '/': '/' };
          if (e === undefined || map[e] === undefined) return null;
          s += map[e];
          i += 2;
        } else s += line[i++];
      }
      if (i >= line.length) return null;
      i++;
      out.push({ t: 'str', v: s });
      continue;
    }
    const num = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?(?![A-Za-z_.])/.exec(line.slice(i));
    if (num !== null) { out.push({ t: 'num', v: Number(num[0]) }); i += num[0].length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(line.slice(i));
    if (id !== null) { out.push({ t: 'id', v: id[0] }); i += id[0].length; continue; }
    const op = /^(?:==|!=|<>|<=|>=|[<>=\[\](),:\-])/.exec(line.slice(i));
    if (op === null) return null;
    out.push({ t: 'op', v: op[0] });
    i += op[0].length;
  }
  return out;
}

/** Logical lines: comments stripped, blank lines dropped, with their indentation width. */
function lines(script: string): { indent: number; toks: Tok[] }[] | null {
  const out: { indent: number; toks: Tok[] }[] = [];
  for (const raw of script.replace(/\r\n?/g, '\n').split('\n')) {
    const toks = tokenize(raw);
    if (toks === null) return null;
    if (toks.length === 0) continue;
    const m = /^[ \t]*/.exec(raw)![0];
    out.push({ indent: m.replace(/\t/g, '    ').length, toks });
  }
  return out;
}

const MATH = ['population', 'union', 'intersection', 'difference', 'complement', 'compliment'] as const;
const ARITY: Record<string, number> = { population: 1, complement: 1, compliment: 1, union: 2, intersection: 2, difference: 2 };

export function planSegment(script: string, schema: TableSchema): IndexPlan | null {
  const ls = lines(script);
  if (ls === null || ls.length === 0) return null;
  if (ls.length === 1) return planMath(ls[0].toks);
  if (ls.length !== 2 || ls[1].indent <= ls[0].indent) return null;
  const body = ls[1].toks;
  const isTally = body.length === 1 ? isId(body[0], 'tally') : body.length === 3 && isId(body[0], 'tally') && isOp(body[1], '(') && isOp(body[2], ')');
  if (!isTally) return null;
  const h = ls[0].toks;
  if (h.length < 4 || !isId(h[0], 'match') || !isId(h[1], 'where') || !isOp(h[h.length - 1], ':')) return null;
  let cond = h.slice(2, -1);
  while (cond.length >= 2 && isOp(cond[0], '(') && isOp(cond[cond.length - 1], ')') && closes(cond)) cond = cond.slice(1, -1);
  const tests: { column: string; test: ValueTest }[] = [];
  for (const part of splitTopLevel(cond, 'or')) {
    const t = planConjunction(splitTopLevel(part, 'and'), schema);
    if (t === null) return null;
    tests.push(t);
  }
  return { kind: 'values', tests };
}

/**
 * `a and b and ...` is exact only when every test reads the same scalar column: then one row's
 * single value must pass them all, which is a property of the value. Tests on different columns (or
 * on a set column, whose row holds several values) need the same row and are left to the script.
 */
function planConjunction(parts: Tok[][], schema: TableSchema): { column: string; test: ValueTest } | null {
  const tests: { column: string; test: ValueTest }[] = [];
  for (const p of parts) {
    const t = planTest(p, schema);
    if (t === null) return null;
    tests.push(t);
  }
  if (tests.length === 1) return tests[0];
  const column = tests[0].column;
  const def = column === 'action' ? null : schema.columns.find((c) => c.name === column);
  if (def?.isSet === true || tests.some((t) => t.column !== column)) return null;
  const fs = tests.map((t) => t.test);
  return { column, test: (k) => fs.every((f) => f(k)) };
}

function planMath(toks: Tok[]): IndexPlan | null {
  if (toks.length < 4 || toks[0].t !== 'id' || !isOp(toks[1], '(') || !isOp(toks[toks.length - 1], ')')) return null;
  const fn = toks[0].v as string;
  if (!(MATH as readonly string[]).includes(fn)) return null;
  const names: string[] = [];
  const args = toks.slice(2, -1);
  for (let i = 0; i < args.length; i++) {
    if (i % 2 === 1) { if (!isOp(args[i], ',')) return null; continue; }
    if (args[i].t !== 'str') return null;
    names.push(args[i].v as string);
  }
  if (args.length % 2 === 0 || names.length !== ARITY[fn]) return null;
  const op = fn === 'compliment' ? 'complement' : (fn as Exclude<(typeof MATH)[number], 'compliment'>);
  return { kind: 'math', op, names };
}

/** True when the opening bracket at 0 closes at the very end (so stripping the pair is safe). */
function closes(t: Tok[]): boolean {
  let depth = 0;
  for (let i = 0; i < t.length; i++) {
    if (isOp(t[i], '(') || isOp(t[i], '[')) depth++;
    else if (isOp(t[i], ')') || isOp(t[i], ']')) { depth--; if (depth === 0 && i < t.length - 1) return false; }
  }
  return depth === 0;
}

function splitTopLevel(t: Tok[], word: string): Tok[][] {
  const parts: Tok[][] = [[]];
  let depth = 0;
  for (const tok of t) {
    if (isOp(tok, '(') || isOp(tok, '[')) depth++;
    if (isOp(tok, ')') || isOp(tok, ']')) depth--;
    if (depth === 0 && isId(tok, word)) parts.push([]);
    else parts[parts.length - 1].push(tok);
  }
  return parts;
}

type Lit = { v: IndexKey };

/** Words PyQL reserves: a column spelled like one is left to the compiler. */
const KEYWORDS = new Set([
  'and', 'or', 'not', 'in', 'is', 'if', 'elif', 'else', 'for', 'match', 'reverse_match', 'where', 'def', 'return',
  'break', 'continue', 'pass', 'del', 'exit', 'True', 'False', 'None', 'aggregate', 'agg', 'tally', 'top', 'all',
]);

/** A literal: string, (negative) number, True/False. None and anything else: null. */
function literal(t: Tok[]): Lit | null {
  if (t.length === 1 && t[0].t === 'str') return { v: t[0].v };
  if (t.length === 1 && t[0].t === 'num') return { v: t[0].v };
  if (t.length === 2 && isOp(t[0], '-') && t[1].t === 'num') return { v: -(t[1].v as number) };
  if (t.length === 1 && isId(t[0], 'True')) return { v: true };
  if (t.length === 1 && isId(t[0], 'False')) return { v: false };
  return null;
}

function columnOf(t: Tok[], schema: TableSchema): ColumnDef | null {
  if (t.length !== 1 || t[0].t !== 'id') return null;
  const name = t[0].v as string;
  if (KEYWORDS.has(name)) return null;
  if (name === 'action') return { name, type: 'text', isSet: false, id: -1 };
  return schema.columns.find((c) => c.name === name) ?? null;
}

/**
 * Whether a literal can be compared to this column's values with JS === exactly as PyQL's == does:
 * booleans and numbers compare equal in Python (True == 1), so mixing them is left to the script.
 */
function comparable(col: ColumnDef, v: IndexKey): boolean {
  if (col.type === 'bool') return typeof v === 'boolean';
  return typeof v !== 'boolean';
}

function planTest(t: Tok[], schema: TableSchema): { column: string; test: ValueTest } | null {
  const opAt = t.findIndex((x) => x.t === 'op' && ['==', '=', '<', '<=', '>', '>='].includes(x.v as string) || isId(x, 'in') || isId(x, 'is'));
  if (opAt <= 0) return null;
  const op = t[opAt].v as string;
  const left = t.slice(0, opAt), right = t.slice(opAt + 1);
  if (op === 'in') {
    const col = columnOf(right, schema);
    if (col !== null) {
      // `lit in col`: set membership, or substring for a text scalar
      const lit = literal(left);
      if (lit === null || !comparable(col, lit.v)) return null;
      if (col.isSet) { const v = lit.v; return { column: col.name, test: (k) => k === v }; }
      if (col.type !== 'text' || typeof lit.v !== 'string') return null;
      const s = lit.v;
      return { column: col.name, test: (k) => typeof k === 'string' && k.includes(s) };
    }
    const lcol = columnOf(left, schema);
    if (lcol === null || right.length < 2 || !isOp(right[0], '[') || !isOp(right[right.length - 1], ']')) return null;
    const items = right.slice(1, -1);
    const vals = new Set<IndexKey>();
    for (const part of splitComma(items)) {
      const lit = literal(part);
      if (lit === null || !comparable(lcol, lit.v)) return null;
      vals.add(lit.v);
    }
    return { column: lcol.name, test: (k) => vals.has(k) };
  }
  const col = columnOf(left, schema);
  const lit = literal(right);
  if (col === null || lit === null || !comparable(col, lit.v)) return null;
  const v = lit.v;
  if (op === '==' || op === '=' || op === 'is') return { column: col.name, test: (k) => k === v };
  if (col.isSet || typeof v !== 'number' || (col.type !== 'int' && col.type !== 'double')) return null;
  switch (op) {
    case '<': return { column: col.name, test: (k) => (k as number) < v };
    case '<=': return { column: col.name, test: (k) => (k as number) <= v };
    case '>': return { column: col.name, test: (k) => (k as number) > v };
    case '>=': return { column: col.name, test: (k) => (k as number) >= v };
  }
  return null;
}

function splitComma(t: Tok[]): Tok[][] {
  if (t.length === 0) return [];
  const parts: Tok[][] = [[]];
  for (const tok of t) {
    if (isOp(tok, ',')) parts.push([]);
    else parts[parts.length - 1].push(tok);
  }
  if (parts[parts.length - 1].length === 0) parts.pop();
  return parts;
}

function isId(t: Tok, v: string): boolean {
  return t.t === 'id' && t.v === v;
}

function isOp(t: Tok, v: string): boolean {
  return t.t === 'op' && t.v === v;
}
