/** Parses prepared PyQL text (see indent.ts) with the Ohm grammar and builds the AST of ast.ts. */
import * as ohm from 'ohm-js';
import { GRAMMAR_SOURCE } from './grammar.ts';
import { prepare, compileError, type Prepared } from './indent.ts';
import type { AggLine, AggWord, At, BinOp, CmpOp, Expr, InlineAggFn, Script, Stmt, Target } from './ast.ts';

// The grammar and its semantics are immutable and hold no query state, so one copy serves every query.
const grammar = ohm.grammar(GRAMMAR_SOURCE);
const semantics = grammar.createSemantics();

/** Set only while one synchronous parse runs: maps output offsets back to source lines. */
let current: Prepared | null = null;

function at(node: ohm.Node): At {
  const p = current!;
  const idx = node.source.startIdx;
  return { line: p.lines[idx]!, col: p.cols[idx]! };
}

const UNIT_MS: Record<string, number> = {
  second: 1000, seconds: 1000, minute: 60_000, minutes: 60_000,
  hour: 3_600_000, hours: 3_600_000, day: 86_400_000, days: 86_400_000,
};

const ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', '/': '/' };

function unescape(body: string): string {
  return body.replace(/\\(.)/g, (all, ch: string) => ESCAPES[ch] ?? all);
}

function opt<T>(node: ohm.Node, f: (n: ohm.Node) => T): T | null {
  return node.numChildren > 0 ? f(node.child(0)) : null;
}

function stmts(node: ohm.Node): Stmt[] {
  return node.children.map((c) => c.stmt() as Stmt);
}

semantics.addOperation('script', {
  Script(aggs, sort, body, _end) {
    return {
      aggs: opt(aggs, (a) => a.aggs() as AggLine[]),
      sort: opt(sort, (s) => s.child(4).children.map((l) => ({ ...at(l), name: l.child(0).sourceString }))),
      body: stmts(body),
    } satisfies Script;
  },
});

semantics.addOperation('aggs', {
  AggSection(_head, _colon, _nl, _indent, lines, _dedent) {
    return lines.children.map((l) => l.aggLine());
  },
});

function aggLine(node: ohm.Node, kind: string, name: ohm.Node, as: ohm.Node, w: ohm.Node, all: ohm.Node): AggLine {
  const word = (kind === 'val' ? 'value' : kind) as AggWord;
  return {
    ...at(node),
    kind: word,
    name: name.sourceString,
    alias: opt(as, (a) => a.child(1).sourceString),
    with: opt(w, (a) => a.child(1).sourceString),
    all: all.numChildren > 0,
  };
}

semantics.addOperation('aggLine', {
  AggLine_kind(kind, name, as, w, all, _nl) {
    return aggLine(this, kind.sourceString, name, as, w, all);
  },
  AggLine_bare(name, as, w, all, _nl) {
    return aggLine(this, 'count', name, as, w, all);
  },
});

semantics.addOperation('suite', {
  Suite_block(_nl, _indent, body, _dedent) {
    return stmts(body);
  },
  Suite_inline(s, _nl) {
    return [s.stmt()];
  },
});

function target(node: ohm.Node): Target {
  return { ...at(node), name: node.child(0).sourceString, index: node.child(1).children.map((c) => c.child(1).expr() as Expr) };
}

semantics.addOperation('stmt', {
  Stmt_simple(s, _nl) {
    return s.stmt();
  },
  CompoundStmt(s) {
    return s.stmt();
  },
  SimpleStmt(s) {
    return s.stmt();
  },
  IfStmt(_if, cond, _c, body, elifs, orelse) {
    const branches = [{ cond: cond.expr() as Expr, body: body.suite() as Stmt[] }];
    for (const e of elifs.children) branches.push({ cond: e.child(1).expr(), body: e.child(3).suite() });
    return { ...at(this), k: 'if', branches, orelse: opt(orelse, (e) => e.child(2).suite() as Stmt[]) };
  },
  ForStmt(_for, v1, _comma, v2, _in, iter, _c, body) {
    const vars = [v1.sourceString];
    if (v2.numChildren > 0) vars.push(v2.child(0).sourceString);
    return { ...at(this), k: 'for', vars, iter: iter.expr(), body: body.suite() };
  },
  WhileStmt(_w, cond, _c, body) {
    return { ...at(this), k: 'while', cond: cond.expr(), body: body.suite() };
  },
  MatchStmt(kw, _f1, count, _f2, where, _c, body) {
    return {
      ...at(this),
      k: 'match',
      reverse: kw.sourceString === 'reverse_match',
      count: opt(count, (c) => c.child(0).expr() as Expr),
      where: opt(where, (w) => w.child(1).expr() as Expr),
      body: body.suite(),
    };
  },
  DefStmt(_def, name, _o, params, _cl, _c, body) {
    return {
      ...at(this),
      k: 'def',
      name: name.sourceString,
      params: params.asIteration().children.map((p) => p.sourceString),
      body: body.suite(),
    };
  },
  PassStmt(_p) {
    return { ...at(this), k: 'pass' };
  },
  BreakStmt(_b, arg) {
    const text = arg.sourceString;
    const n = text === '' ? 1 : text === 'top' || text === 'all' ? text : Number(text);
    return { ...at(this), k: 'break', n };
  },
  ContinueStmt(_c) {
    return { ...at(this), k: 'continue' };
  },
  ReturnStmt(_r, e) {
    return { ...at(this), k: 'return', e: opt(e, (x) => x.expr() as Expr) };
  },
  DelStmt(_d, t) {
    return { ...at(this), k: 'del', target: target(t) };
  },
  ExitStmt(_e, _o, _c) {
    return { ...at(this), k: 'exit' };
  },
  AssignStmt(t, _eq, e) {
    return { ...at(this), k: 'assign', target: target(t), op: '=', e: e.expr() };
  },
  AugAssignStmt(t, op, e) {
    return { ...at(this), k: 'assign', target: target(t), op: op.sourceString, e: e.expr() };
  },
  ExprStmt(e) {
    const x = e.expr() as Expr;
    // A bare `tally` statement (OpenSet's segment samples) means `tally()`.
    if (x.k === 'name' && x.name === 'tally') return { ...at(this), k: 'expr', e: { ...x, k: 'call', fn: x, args: [] } };
    return { ...at(this), k: 'expr', e: x };
  },
});

function cmpOpOf(text: string): CmpOp {
  const t = text.replace(/\s+/g, ' ');
  return (t === '<>' ? '!=' : t) as CmpOp;
}

semantics.addOperation('expr', {
  Expr(e) {
    return e.expr();
  },
  OrExpr_or(l, _o, r) {
    return { ...at(this), k: 'or', l: l.expr(), r: r.expr() };
  },
  AndExpr_and(l, _a, r) {
    return { ...at(this), k: 'and', l: l.expr(), r: r.expr() };
  },
  NotExpr_not(_n, e) {
    return { ...at(this), k: 'not', e: e.expr() };
  },
  CmpExpr(first, tails) {
    if (tails.numChildren === 0) return first.expr();
    const ops: CmpOp[] = [];
    const operands: Expr[] = [first.expr()];
    for (const t of tails.children) {
      ops.push(cmpOpOf(t.child(0).sourceString));
      operands.push(t.child(1).expr());
    }
    return { ...at(this), k: 'cmp', ops, operands };
  },
  AddExpr_bin(l, op, r) {
    return { ...at(this), k: 'bin', op: op.sourceString as BinOp, l: l.expr(), r: r.expr() };
  },
  MulExpr_bin(l, op, r) {
    return { ...at(this), k: 'bin', op: op.sourceString as BinOp, l: l.expr(), r: r.expr() };
  },
  UnaryExpr_neg(_m, e) {
    return { ...at(this), k: 'neg', e: e.expr() };
  },
  UnaryExpr_pos(_p, e) {
    return { ...at(this), k: 'pos', e: e.expr() };
  },
  PostfixExpr_call(fn, _o, args, _comma, _c) {
    return { ...at(this), k: 'call', fn: fn.expr(), args: args.asIteration().children.map((a) => a.expr()) };
  },
  PostfixExpr_slice(e, _o, from, _colon, to, _c) {
    return {
      ...at(this),
      k: 'slice',
      e: e.expr(),
      from: opt(from, (x) => x.expr() as Expr),
      to: opt(to, (x) => x.expr() as Expr),
    };
  },
  PostfixExpr_index(e, _o, index, _c) {
    return { ...at(this), k: 'index', e: e.expr(), index: index.expr() };
  },
  PostfixExpr_attr(e, _dot, name) {
    return { ...at(this), k: 'attr', e: e.expr(), name: name.sourceString };
  },
  TimeExpr_unit(base, unit) {
    return { ...at(this), k: 'time', e: base.expr(), unitMs: UNIT_MS[unit.sourceString]! };
  },
  TimeBase_paren(_o, e, _c) {
    return e.expr();
  },
  Primary_paren(_o, e, _c) {
    return e.expr();
  },
  Primary_list(_o, items, _comma, _c) {
    return { ...at(this), k: 'list', items: items.asIteration().children.map((i) => i.expr()) };
  },
  Primary_dict(_o, entries, _comma, _c) {
    return {
      ...at(this),
      k: 'dict',
      entries: entries.asIteration().children.map((e) => ({ key: e.child(0).expr(), value: e.child(2).expr() })),
    };
  },
  Primary_true(_t) {
    return { ...at(this), k: 'const', v: true };
  },
  Primary_false(_t) {
    return { ...at(this), k: 'const', v: false };
  },
  Primary_none(_t) {
    return { ...at(this), k: 'const', v: null };
  },
  InlineAgg(fn, col, where, w) {
    return {
      ...at(this),
      k: 'agg',
      fn: fn.sourceString as InlineAggFn,
      column: col.sourceString,
      where: opt(where, (x) => x.child(1).expr() as Expr),
      with: opt(w, (x) => x.child(1).sourceString),
    };
  },
  number(_n) {
    return { ...at(this), k: 'num', v: Number(this.sourceString) };
  },
  string(_s) {
    const text = this.sourceString;
    return { ...at(this), k: 'str', v: unescape(text.slice(1, -1)) };
  },
  ident(_start, _rest) {
    return { ...at(this), k: 'name', name: this.sourceString };
  },
  _nonterminal(...children) {
    if (children.length === 1) return children[0]!.expr();
    throw new Error(`no expr action for ${this.ctorName}`);
  },
});

/** Human words for the marker characters in Ohm's "expected ..." text. */
function readableExpected(text: string): string {
  return text.replace(/"\\u0001"/g, 'an indented block').replace(/"\\u0002"/g, 'the end of a block').replace(/"\\n"/g, 'end of line');
}

/** Parses a script (after {{param}} substitution) into an AST; throws DbError class parse. */
export function parse(script: string): { ast: Script; source: string[] } {
  const prepared = prepare(script);
  const m = grammar.match(prepared.text);
  if (m.failed()) {
    const pos = m.getRightmostFailurePosition();
    const line = prepared.lines[Math.min(pos, prepared.lines.length - 1)]!;
    const col = prepared.cols[Math.min(pos, prepared.cols.length - 1)]!;
    const ch = prepared.text[pos];
    const found =
      ch === undefined ? 'end of script' : ch === '\u0001' ? 'an unexpected indent' : ch === '\u0002' ? 'a dedent' : ch === '\n' ? 'end of line' : `'${ch}'`;
    throw compileError('syntax_error', `line ${line}, column ${col}: found ${found}, expected ${readableExpected(m.getExpectedText())}`, line, col, prepared.source);
  }
  current = prepared;
  try {
    return { ast: semantics(m).script() as Script, source: prepared.source };
  } finally {
    current = null;
  }
}
