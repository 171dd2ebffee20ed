/**
 * The inverse of complex-event expansion, for the person endpoint: the rows of one event are folded
 * into one attribute object whose nested `_` lists expand back into exactly those rows, in order.
 * Attributes equal in every row go on top; the rest are grouped by the first column that all remaining
 * rows carry (consecutive runs of equal values), recursively.
 */
import type { Cell } from './coerce.ts';

export type Attrs = Record<string, Cell>;
export interface Folded {
  [key: string]: Cell | Folded[];
}

function cellKey(c: Cell): string {
  return typeof c === 'object' ? JSON.stringify(c) : typeof c + ':' + String(c);
}

/** `columns` is the schema order, so folding is deterministic. */
export function foldRows(rows: Attrs[], columns: readonly string[]): Folded {
  if (rows.length === 1) return { ...rows[0] };
  const common: Attrs = {};
  for (const k of columns) {
    const first = rows[0][k];
    if (first === undefined) continue;
    const key = cellKey(first);
    if (rows.every((r) => r[k] !== undefined && cellKey(r[k]) === key)) common[k] = first;
  }
  const rest: Attrs[] = rows.map((r) => {
    const o: Attrs = {};
    for (const k of columns) if (r[k] !== undefined && !(k in common)) o[k] = r[k];
    return o;
  });
  const split = columns.find((k) => !(k in common) && rest.every((r) => r[k] !== undefined));
  let children: Folded[] = rest;
  if (split !== undefined) {
    const groups: Attrs[][] = [];
    let prev: string | null = null;
    for (const r of rest) {
      const key = cellKey(r[split]);
      if (key !== prev) groups.push([]);
      groups[groups.length - 1].push(r);
      prev = key;
    }
    if (groups.length < rest.length) children = groups.map((g) => foldRows(g, columns));
  }
  return { ...common, _: children };
}
