/**
 * The one place result JSON is shaped, sorted and trimmed (data-model.md §5). Event trees, histogram
 * trees and the plain count trees of the column and segment endpoints all render through here.
 */
import { DbError } from './errors.ts';
import { cmpStr } from './runtime/values.ts';
import type { Key } from './runtime/values.ts';

export type Cell = number | string | boolean | null;

/** `{"g": key, "c": [...], "c2": [...], ..., "_": [...]}`; `cN` only in compare mode, `_` only with children. */
export interface NodeJson {
  g: Key;
  c: Cell[];
  _?: NodeJson[];
  [compare: `c${number}`]: Cell[];
}
export interface ResultJson {
  _: NodeJson[];
}

export interface RenderOptions {
  /** aggregator alias, `person`/`people`, or `g`/`key` */
  sort?: string;
  order?: 'asc' | 'desc';
  /** keep the first N children of every `_` array after sorting */
  trim?: number;
}

/** A node ready to render: `c[segment][aggregator]`. */
export interface RenderNode {
  g: Key;
  c: Cell[][];
  _?: RenderNode[];
}

/** What to sort by: an aggregator index or the group key. */
export type SortBy = number | 'g';

export interface SortableAgg {
  alias: string;
  source: { type: string };
}

export function resolveSort(aggs: readonly SortableAgg[], sort: string | undefined): SortBy {
  if (sort === undefined || sort === '') return 0;
  if (sort === 'g' || sort === 'key') return 'g';
  const byAlias = aggs.findIndex((a) => a.alias === sort);
  if (byAlias >= 0) return byAlias;
  if (sort === 'person' || sort === 'people') {
    const byPerson = aggs.findIndex((a) => a.source.type === 'person');
    if (byPerson >= 0) return byPerson;
  }
  const names = aggs.map((a) => a.alias).concat(['g', 'key']).join(', ');
  throw new DbError('query', 'bad_sort', `unknown sort '${sort}': expected one of ${names}`);
}

/** Sums and averages of decimals carry binary noise that depends on addition order; 15 digits hide it. */
export function tidy(x: number): number {
  if (Number.isInteger(x) || !Number.isFinite(x)) return x;
  return Number(x.toPrecision(15));
}

function keyRank(k: Key): number {
  if (k === null) return 0;
  switch (typeof k) {
    case 'boolean': return 1;
    case 'number': return 2;
    default: return 3;
  }
}

/** Total order over keys (None < bool < number < str; strings by code point), e.g. for value ties. */
export function keyCompare(a: Key, b: Key): number {
  return compareKeys(a, b, false);
}

function compareKeys(a: Key, b: Key, foldCase: boolean): number {
  const ra = keyRank(a);
  const rb = keyRank(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'string') {
    const b2 = b as string;
    return (foldCase ? cmpStr(a.toLowerCase(), b2.toLowerCase()) : 0) || cmpStr(a, b2);
  }
  if (typeof a === 'number') return a < (b as number) ? -1 : a > (b as number) ? 1 : 0;
  if (typeof a === 'boolean') return (a ? 1 : 0) - (b ? 1 : 0);
  return 0;
}

/** A node with its sort keys computed once (lower-casing inside the comparator would allocate). */
interface Sortable {
  n: RenderNode;
  lower: string | null;
  cell: Cell;
}

function groupOrder(x: Sortable, y: Sortable): number {
  if (x.lower !== null && y.lower !== null) return cmpStr(x.lower, y.lower) || cmpStr(x.n.g as string, y.n.g as string);
  return compareKeys(x.n.g, y.n.g, true);
}

export function renderTree(nodes: RenderNode[], by: SortBy, opts: RenderOptions): NodeJson[] {
  const dir = opts.order === 'asc' ? 1 : -1;
  const cmp =
    by === 'g'
      ? (x: Sortable, y: Sortable) => dir * groupOrder(x, y)
      : (x: Sortable, y: Sortable) => dir * compareKeys(x.cell, y.cell, true) || groupOrder(x, y);
  const trim = opts.trim;
  const walk = (list: RenderNode[]): NodeJson[] => {
    const sorted = list.map(
      (n): Sortable => ({
        n,
        lower: typeof n.g === 'string' ? n.g.toLowerCase() : null,
        cell: by === 'g' ? null : (n.c[0]?.[by] ?? null),
      }),
    );
    sorted.sort(cmp);
    const kept = trim !== undefined && trim >= 0 ? sorted.slice(0, trim) : sorted;
    return kept.map(({ n }) => {
      const out: NodeJson = { g: n.g, c: n.c[0] ?? [] };
      for (let s = 1; s < n.c.length; s++) out[`c${s + 1}`] = n.c[s]!;
      if (n._ && n._.length > 0) out._ = walk(n._);
      return out;
    });
  };
  return walk(nodes);
}

/** A node of a people-count tree (column and segment endpoints): one count per segment. */
export interface CountNode {
  g: Key;
  c: number[];
  _?: CountNode[];
}

const COUNT_AGGS: SortableAgg[] = [{ alias: 'people', source: { type: 'person' } }];

function countToRender(n: CountNode): RenderNode {
  const r: RenderNode = { g: n.g, c: n.c.map((x) => [x]) };
  if (n._) r._ = n._.map(countToRender);
  return r;
}

/**
 * Renders people-count trees through the same sort/trim code: the segment endpoint passes one node
 * per segment; the column endpoint passes its root (column name) with the values as children.
 * `sort` accepts `people`/`person`/`g`/`key`.
 */
export function renderCounts(nodes: CountNode[], opts: RenderOptions = {}): ResultJson {
  const by = resolveSort(COUNT_AGGS, opts.sort);
  return { _: renderTree(nodes.map(countToRender), by, opts) };
}
