/** PyQL syntax tree. Every node carries the original 1-based line and column it starts at. */

export interface At {
  line: number;
  col: number;
}

export type BinOp = '+' | '-' | '*' | '/' | '//' | '%';
export type CmpOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'is' | 'is not' | 'in' | 'not in' | '=';
export type InlineAggFn = 'SUM' | 'AVG' | 'MIN' | 'MAX' | 'COUNT' | 'DISTINCT';

export type Expr = At &
  (
    | { k: 'num'; v: number }
    | { k: 'str'; v: string }
    | { k: 'const'; v: boolean | null }
    | { k: 'name'; name: string }
    | { k: 'list'; items: Expr[] }
    | { k: 'dict'; entries: { key: Expr; value: Expr }[] }
    | { k: 'bin'; op: BinOp; l: Expr; r: Expr }
    | { k: 'neg'; e: Expr }
    | { k: 'pos'; e: Expr }
    | { k: 'not'; e: Expr }
    | { k: 'and'; l: Expr; r: Expr }
    | { k: 'or'; l: Expr; r: Expr }
    /** Chained comparison `a < b < c`: operands.length === ops.length + 1. */
    | { k: 'cmp'; ops: CmpOp[]; operands: Expr[] }
    | { k: 'call'; fn: Expr; args: Expr[] }
    | { k: 'index'; e: Expr; index: Expr }
    | { k: 'slice'; e: Expr; from: Expr | null; to: Expr | null }
    | { k: 'attr'; e: Expr; name: string }
    /** `N days`: N times the unit in milliseconds. */
    | { k: 'time'; e: Expr; unitMs: number }
    | { k: 'agg'; fn: InlineAggFn; column: string; where: Expr | null; with: string | null }
  );

export interface Target extends At {
  name: string;
  index: Expr[];
}

export type AugOp = '=' | '+=' | '-=' | '*=' | '/=';

export type Stmt = At &
  (
    | { k: 'assign'; target: Target; op: AugOp; e: Expr }
    | { k: 'expr'; e: Expr }
    | { k: 'if'; branches: { cond: Expr; body: Stmt[] }[]; orelse: Stmt[] | null }
    | { k: 'for'; vars: string[]; iter: Expr; body: Stmt[] }
    | { k: 'while'; cond: Expr; body: Stmt[] }
    | { k: 'match'; reverse: boolean; count: Expr | null; where: Expr | null; body: Stmt[] }
    | { k: 'def'; name: string; params: string[]; body: Stmt[] }
    | { k: 'return'; e: Expr | null }
    | { k: 'break'; n: number | 'top' | 'all' }
    | { k: 'continue' }
    | { k: 'pass' }
    | { k: 'exit' }
    | { k: 'del'; target: Target }
  );

export type AggWord = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'value' | 'var';

export interface AggLine extends At {
  kind: AggWord;
  name: string;
  alias: string | null;
  with: string | null;
  all: boolean;
}

export interface Script {
  aggs: AggLine[] | null;
  /** Aggregator aliases named in a `sort:` section (OpenSet samples), first one wins. */
  sort: (At & { name: string })[] | null;
  body: Stmt[];
}
