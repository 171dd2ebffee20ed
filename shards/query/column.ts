/**
 * Column query: distinct-people counts per value of one column, answered from the value index.
 * `parseColumnQuery` validates the URL parameters once in the router; `columnPartial` runs on a
 * shard; `mergeColumnPartials` adds shard partials (every person lives in exactly one partition,
 * so counts simply add).
 */
import { bucketOf } from '../../lang/runtime/bucket.ts';
import { DbError } from '../../lang/errors.ts';
import type { ColumnDef } from '../../lang/schema.ts';
import type { IndexKey, ValueIndex } from '../index/values.ts';
import { countIn, PeopleBitmap } from '../index/bitmap.ts';

export type ColumnFilter =
  | { op: 'gt' | 'gte' | 'lt' | 'lte'; value: number }
  | { op: 'eq'; value: IndexKey }
  | { op: 'between'; lo: number; hi: number }
  | { op: 'rx'; source: string }
  | { op: 'sub'; text: string };

export interface ColumnQuery {
  filter: ColumnFilter | null;
  /** floor(v / bucket) * bucket grouping for numeric columns. */
  bucket: number | null;
}

/** Rows of the result: one per value (or bucket), c[s] = people of segment s. */
export interface ColumnPartial {
  root: number[];
  rows: { g: IndexKey; c: number[] }[];
}

const FILTERS = ['gt', 'gte', 'lt', 'lte', 'eq', 'between', 'rx', 'sub'] as const;

function bad(code: string, detail: string): DbError {
  return new DbError('query', code, detail);
}

function parseNumber(name: string, raw: string): number {
  const t = raw.trim();
  const v = t === '' ? NaN : Number(t);
  if (!Number.isFinite(v)) throw bad('bad_parameter', `'${name}=' must be a number, got '${raw}'`);
  return v;
}

/**
 * Validates the filter/bucket parameters of a column query against the column's type.
 * Throws DbError('query', ...) naming the problem.
 */
export function parseColumnQuery(column: ColumnDef, params: URLSearchParams): ColumnQuery {
  const given = FILTERS.filter((f) => params.has(f));
  if (given.length > 1) throw bad('bad_filter', `only one filter at a time; got ${given.map((f) => `'${f}='`).join(', ')}`);
  if (params.has('and') && !params.has('between')) throw bad('bad_filter', `'and=' is only valid together with 'between='`);
  const numeric = column.type === 'int' || column.type === 'double';
  const kind = `${column.type}${column.isSet ? ' set' : ''}`;
  let filter: ColumnFilter | null = null;
  const op = given[0];
  if (op !== undefined) {
    const raw = params.get(op) ?? '';
    if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte' || op === 'between') {
      if (!numeric) throw bad('bad_filter', `filter '${op}=' needs a numeric column; '${column.name}' is ${kind}`);
      if (op === 'between') {
        const hi = params.get('and');
        if (hi === null) throw bad('bad_filter', `'between=' needs 'and=' (between=a&and=b selects a <= value < b)`);
        filter = { op, lo: parseNumber('between', raw), hi: parseNumber('and', hi) };
      } else {
        filter = { op, value: parseNumber(op, raw) };
      }
    } else if (op === 'eq') {
      if (numeric) filter = { op, value: parseNumber('eq', raw) };
      else if (column.type === 'bool') {
        const t = raw.trim().toLowerCase();
        if (t === 'true' || t === '1') filter = { op, value: true };
        else if (t === 'false' || t === '0') filter = { op, value: false };
        else throw bad('bad_parameter', `'eq=' on bool column '${column.name}' must be true or false, got '${raw}'`);
      } else filter = { op, value: raw };
    } else {
      if (column.type !== 'text') throw bad('bad_filter', `filter '${op}=' needs a text column; '${column.name}' is ${kind}`);
      if (op === 'rx') {
        try {
          new RegExp(raw);
        } catch (e) {
          throw bad('bad_regex', `'rx=${raw}' is not a valid regular expression: ${(e as Error).message}`);
        }
        filter = { op, source: raw };
      } else {
        if (raw === '') throw bad('bad_parameter', `'sub=' needs a non-empty search string`);
        filter = { op, text: raw };
      }
    }
  }
  let bucket: number | null = null;
  const b = params.get('bucket');
  if (b !== null) {
    if (!numeric) throw bad('bad_filter', `'bucket=' needs a numeric column; '${column.name}' is ${kind}`);
    bucket = parseNumber('bucket', b);
    if (bucket <= 0) throw bad('bad_parameter', `'bucket=' must be greater than 0, got '${b}'`);
  }
  return { filter, bucket };
}

/** A predicate over index keys for the filter (null filter keeps everything). */
export function filterPredicate(filter: ColumnFilter | null): (k: IndexKey) => boolean {
  if (filter === null) return () => true;
  switch (filter.op) {
    case 'gt': { const v = filter.value; return (k) => typeof k === 'number' && k > v; }
    case 'gte': { const v = filter.value; return (k) => typeof k === 'number' && k >= v; }
    case 'lt': { const v = filter.value; return (k) => typeof k === 'number' && k < v; }
    case 'lte': { const v = filter.value; return (k) => typeof k === 'number' && k <= v; }
    case 'eq': { const v = filter.value; return (k) => k === v; }
    case 'between': { const { lo, hi } = filter; return (k) => typeof k === 'number' && k >= lo && k < hi; }
    case 'rx': { const re = new RegExp(`^(?:${filter.source})$`); return (k) => typeof k === 'string' && re.test(k); }
    case 'sub': { const t = filter.text; return (k) => typeof k === 'string' && k.includes(t); }
  }
}

/**
 * One shard's answer. `segments[s]` is the people of segment s, or null for everyone (`*`).
 * Filters restrict the rows, not the root count.
 */
export function columnPartial(index: ValueIndex, q: ColumnQuery, segments: (PeopleBitmap | null)[]): ColumnPartial {
  const any = index.any();
  const root = segments.map((seg) => (seg === null ? any.count() : any.and(seg).count()));
  const keep = filterPredicate(q.filter);
  const rows: ColumnPartial['rows'] = [];
  if (q.bucket === null) {
    for (let k = 0; k < index.keys.length; k++) {
      const key = index.keys[k];
      if (!keep(key)) continue;
      const from = index.offsets[k], to = index.offsets[k + 1];
      const c = segments.map((seg) => (seg === null ? to - from : countIn(index.members, from, to, seg)));
      if (c.some((x) => x > 0)) rows.push({ g: key, c });
    }
    return { root, rows };
  }
  // Bucketed: a person counts once per bucket even with several values in it.
  const groups = new Map<number, number[]>();
  for (let k = 0; k < index.keys.length; k++) {
    const key = index.keys[k];
    if (typeof key !== 'number' || !keep(key)) continue;
    const b = bucketOf(key, q.bucket);
    const g = groups.get(b);
    if (g === undefined) groups.set(b, [k]);
    else g.push(k);
  }
  const mark = new Int32Array(index.people).fill(-1);
  let gid = 0;
  for (const [b, slots] of groups) {
    const c: number[] = [];
    for (const seg of segments) {
      gid++;
      let n = 0;
      for (const k of slots) {
        const m = index.members;
        for (let i = index.offsets[k], end = index.offsets[k + 1]; i < end; i++) {
          const o = m[i];
          if (mark[o] === gid || (seg !== null && !seg.has(o))) continue;
          mark[o] = gid;
          n++;
        }
      }
      c.push(n);
    }
    if (c.some((x) => x > 0)) rows.push({ g: b, c });
  }
  return { root, rows };
}

export function mergeColumnPartials(parts: ColumnPartial[]): ColumnPartial {
  if (parts.length === 0) return { root: [], rows: [] };
  const root = parts[0].root.map(() => 0);
  const byKey = new Map<IndexKey, number[]>();
  for (const p of parts) {
    for (let s = 0; s < root.length; s++) root[s] += p.root[s];
    for (const r of p.rows) {
      const c = byKey.get(r.g);
      if (c === undefined) byKey.set(r.g, r.c.slice());
      else for (let s = 0; s < c.length; s++) c[s] += r.c[s];
    }
  }
  return { root, rows: [...byKey].map(([g, c]) => ({ g, c })) };
}
