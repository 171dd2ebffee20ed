/**
 * Attribute coercion to column types (data-model §2): int truncates floats, double keeps full
 * precision, text takes the text form of numbers and booleans, bool takes true/false/0/1.
 * `null` means absent; anything that cannot be converted is an error the caller reports per row.
 */
import type { ColumnType } from '../../lang/schema.ts';

export type Scalar = number | string | boolean;
export type Cell = Scalar | Scalar[];

/** Marker for "cannot convert" so the hot path returns a value without allocating an error object. */
export const INVALID: unique symbol = Symbol('invalid');

function toNumber(v: unknown): number | typeof INVALID {
  if (typeof v === 'number') return Number.isFinite(v) ? v : INVALID;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return INVALID;
    const n = Number(s);
    return Number.isFinite(n) ? n : INVALID;
  }
  return INVALID;
}

/** One scalar coerced to `type`; null for absent; INVALID when it cannot be converted. */
export function coerceScalar(type: ColumnType, v: unknown): Scalar | null | typeof INVALID {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'int': {
      const n = toNumber(v);
      if (n === INVALID) return INVALID;
      const t = Math.trunc(n);
      return Number.isSafeInteger(t) ? t : INVALID;
    }
    case 'double':
      return toNumber(v);
    case 'text':
      if (typeof v === 'string') return v;
      if (typeof v === 'number') return Number.isFinite(v) ? String(v) : INVALID;
      if (typeof v === 'boolean') return v ? 'true' : 'false';
      return INVALID;
    case 'bool':
      if (typeof v === 'boolean') return v;
      if (v === 1 || v === 0) return v === 1;
      if (typeof v === 'string') {
        const s = v.trim().toLowerCase();
        if (s === 'true' || s === '1') return true;
        if (s === 'false' || s === '0') return false;
      }
      return INVALID;
  }
}

/**
 * A set column value: an array (each element coerced, nulls skipped, duplicates dropped in first-seen
 * order) or a scalar (a one-element set). Empty → null (absent).
 */
export function coerceSet(type: ColumnType, v: unknown): Scalar[] | null | typeof INVALID {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) {
    const one = coerceScalar(type, v);
    return one === null || one === INVALID ? one : [one];
  }
  const out: Scalar[] = [];
  for (const el of v) {
    if (Array.isArray(el)) return INVALID;
    const c = coerceScalar(type, el);
    if (c === INVALID) return INVALID;
    if (c !== null && !out.includes(c)) out.push(c);
  }
  return out.length === 0 ? null : out;
}

/** Short rendering of a rejected value for error messages. */
export function describeValue(v: unknown): string {
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}
