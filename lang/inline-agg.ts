/**
 * Inline aggregators `SUM|AVG|MIN|MAX|COUNT|DISTINCT col [where cond] [with col2]` (pyql.md §6):
 * a scan of the person's whole history, independent of the cursor, skipping rows where col is None.
 * SUM/AVG/COUNT count each distinct (with-value, stamp, action) once; equal stamps are adjacent
 * in storage, so duplicates are found by looking back within the current run of equal stamps.
 */
import type { Expr } from './ast.ts';
import type { Frame } from './frame.ts';
import type { ExprCompiler, Ev } from './compile-expr.ts';
import { gt, lt, type Key, type PySet, type Value } from './runtime/values.ts';

type AggExpr = Extract<Expr, { k: 'agg' }>;

export function compileInlineAgg(cx: ExprCompiler, e: AggExpr): Ev {
  const col = cx.cols.access(e.column);
  const withCol = e.with ? cx.cols.access(e.with) : col;
  const where = e.where ? cx.cond(e.where) : null;
  const read = col.read;
  const none = cx.cols.isNone(e.column);
  const same = withCol.same;
  // COUNT only needs to know the value is present; set columns are then never materialised.
  const needsValue = e.fn !== 'COUNT';

  /** Visits every qualifying row with the cursor on it; restores the cursor afterwards. */
  const scan = (f: Frame, visit: (f: Frame, v: Value, r: number) => void): void => {
    const saved = f.row;
    f.charge(f.end - f.start);
    try {
      for (let r = f.start; r < f.end; r++) {
        f.row = r;
        if (none(f)) continue;
        if (where !== null && !where(f)) continue;
        visit(f, needsValue ? read(f) : null, r);
      }
    } finally {
      f.row = saved;
    }
  };

  if (e.fn === 'DISTINCT') {
    return (f) => {
      const seen = new Set<Key>();
      scan(f, (_f, v) => {
        if (v instanceof Set) for (const k of v as PySet) seen.add(k);
        else if (typeof v !== 'object') seen.add(v);
      });
      return seen.size;
    };
  }
  if (e.fn === 'MIN' || e.fn === 'MAX') {
    const better = e.fn === 'MIN' ? lt : gt;
    return (f) => {
      let best: Value = null;
      scan(f, (_f, v) => {
        if (typeof v === 'object') return;
        if (best === null || better(v, best)) best = v;
      });
      return best;
    };
  }
  const fn = e.fn;
  return (f) => {
    let sum = 0;
    let count = 0;
    // Rows already counted in the current run of equal stamps.
    const counted: number[] = [];
    let runStamp = NaN;
    scan(f, (fr, v, r) => {
      const s = fr.stamp[r]!;
      if (s !== runStamp) {
        runStamp = s;
        counted.length = 0;
      }
      for (const q of counted) if (fr.actionCodes[q] === fr.actionCodes[r] && same(fr, q, r)) return;
      counted.push(r);
      count++;
      if (typeof v === 'number') sum += v;
      else if (typeof v === 'boolean') sum += v ? 1 : 0;
    });
    if (fn === 'COUNT') return count;
    if (fn === 'SUM') return sum;
    return count === 0 ? null : sum / count;
  };
}
