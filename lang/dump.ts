/** The `debug=true` listing: referenced columns, aggregators, variable slots and the parsed script. */
import type { Expr, Script, Stmt, Target } from './ast.ts';
import type { Resolution } from './check.ts';

function expr(e: Expr): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'str': return JSON.stringify(e.v);
    case 'const': return e.v === null ? 'None' : e.v ? 'True' : 'False';
    case 'name': return e.name;
    case 'list': return `[${e.items.map(expr).join(', ')}]`;
    case 'dict': return `{${e.entries.map((x) => `${expr(x.key)}: ${expr(x.value)}`).join(', ')}}`;
    case 'bin': return `(${expr(e.l)} ${e.op} ${expr(e.r)})`;
    case 'neg': return `(-${expr(e.e)})`;
    case 'pos': return `(+${expr(e.e)})`;
    case 'not': return `(not ${expr(e.e)})`;
    case 'and': case 'or': return `(${expr(e.l)} ${e.k} ${expr(e.r)})`;
    case 'cmp': return `(${e.operands.map((o, i) => (i === 0 ? expr(o) : `${e.ops[i - 1] === '=' ? '==' : e.ops[i - 1]} ${expr(o)}`)).join(' ')})`;
    case 'call': return `${expr(e.fn)}(${e.args.map(expr).join(', ')})`;
    case 'index': return `${expr(e.e)}[${expr(e.index)}]`;
    case 'slice': return `${expr(e.e)}[${e.from ? expr(e.from) : ''}:${e.to ? expr(e.to) : ''}]`;
    case 'attr': return `${expr(e.e)}.${e.name}`;
    case 'time': return `(${expr(e.e)} * ${e.unitMs}ms)`;
    case 'agg': return `(${e.fn} ${e.column}${e.where ? ` where ${expr(e.where)}` : ''}${e.with ? ` with ${e.with}` : ''})`;
  }
}

function target(t: Target): string {
  return t.name + t.index.map((i) => `[${expr(i)}]`).join('');
}

function stmts(body: Stmt[], depth: number, out: string[]): void {
  const pad = '    '.repeat(depth);
  const line = (s: Stmt, text: string): void => {
    out.push(`${String(s.line).padStart(4)}  ${pad}${text}`);
  };
  for (const s of body) {
    switch (s.k) {
      case 'assign': line(s, `${target(s.target)} ${s.op} ${expr(s.e)}`); break;
      case 'expr': line(s, expr(s.e)); break;
      case 'if':
        s.branches.forEach((b, i) => {
          line(s, `${i === 0 ? 'if' : 'elif'} ${expr(b.cond)}:`);
          stmts(b.body, depth + 1, out);
        });
        if (s.orelse) {
          line(s, 'else:');
          stmts(s.orelse, depth + 1, out);
        }
        break;
      case 'for': line(s, `for ${s.vars.join(', ')} in ${expr(s.iter)}:`); stmts(s.body, depth + 1, out); break;
      case 'while': line(s, `while ${expr(s.cond)}:`); stmts(s.body, depth + 1, out); break;
      case 'match':
        line(s, `${s.reverse ? 'reverse_match' : 'match'}${s.count ? ` ${expr(s.count)}` : ''}${s.where ? ` where ${expr(s.where)}` : ''}:  # own cursor`);
        stmts(s.body, depth + 1, out);
        break;
      case 'def': line(s, `def ${s.name}(${s.params.join(', ')}):`); stmts(s.body, depth + 1, out); break;
      case 'return': line(s, `return${s.e ? ` ${expr(s.e)}` : ''}`); break;
      case 'break': line(s, `break ${s.n}`); break;
      case 'del': line(s, `del ${target(s.target)}`); break;
      default: line(s, s.k);
    }
  }
}

export function dumpProgram(script: Script, res: Resolution): string {
  const out: string[] = [];
  out.push(`mode: ${res.mode}`);
  out.push(`columns: ${[...res.columns.keys()].join(', ') || '(none)'}`);
  out.push(`uses session: ${res.usesSession}`);
  out.push('aggregate:');
  for (const a of res.aggs) {
    const src = a.source.type === 'person' ? 'person' : a.source.type === 'variable' ? `var ${a.source.name}` : a.source.name;
    out.push(`    ${a.kind} ${src} as ${a.alias}${a.withColumn ? ` with ${a.withColumn}` : ''}${a.all ? ' all' : ''}`);
  }
  out.push(`variables: ${[...res.vars].map(([n, s]) => `${n}@${s}`).join(', ') || '(none)'}`);
  out.push('program:');
  stmts(script.body, 1, out);
  return out.join('\n');
}
