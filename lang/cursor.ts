/**
 * Row-cursor movement for the iter_* built-ins (pyql.md §5). The cursor is `Frame.row`; moving
 * past either end ends the innermost `match` loop, or the person's script outside any loop.
 */
import { END_LOOP, EXIT_SIGNAL, type Frame } from './frame.ts';
import { DbError } from './errors.ts';
import type { Value } from './runtime/values.ts';
import { toEpochMs as toMs } from './runtime/time.ts';

function pastEnd(f: Frame): never {
  throw f.matchDepth > 0 ? END_LOOP : EXIT_SIGNAL;
}

/** First row of the event holding row r. */
function eventStart(f: Frame, r: number): number {
  const ev = f.event;
  const e = ev[r];
  while (r > f.start && ev[r - 1] === e) r--;
  return r;
}

export function iterNext(f: Frame): Value {
  const ev = f.event;
  const e = ev[f.row];
  let r = f.row + 1;
  while (r < f.end && ev[r] === e) r++;
  if (r >= f.end) pastEnd(f);
  f.row = r;
  return true;
}

export function iterPrev(f: Frame): Value {
  const s = eventStart(f, f.row);
  if (s <= f.start) pastEnd(f);
  f.row = eventStart(f, s - 1);
  return true;
}

export function iterGet(f: Frame): Value {
  return f.row - f.start;
}

export function iterSet(f: Frame, i: Value): Value {
  const n = f.end - f.start;
  if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n) {
    throw new DbError('run_time', 'bad_cursor', `iter_set(${String(i)}) is outside rows 0..${n - 1}`);
  }
  f.row = f.start + i;
  return true;
}

export function iterMoveFirst(f: Frame): Value {
  f.row = f.start;
  return true;
}

export function iterMoveLast(f: Frame): Value {
  f.row = eventStart(f, f.end - 1);
  return true;
}

export function iterWithin(f: Frame, span: Value, stamp: Value): Value {
  const t = toMs(stamp);
  if (typeof span !== 'number' || t === null) return false;
  const d = f.stamp[f.row]! - t;
  return d <= span && -d <= span;
}

export function iterBetween(f: Frame, a: Value, b: Value): Value {
  const lo = toMs(a);
  const hi = toMs(b);
  if (lo === null || hi === null) return false;
  const s = f.stamp[f.row]!;
  return lo <= s && s < hi;
}
