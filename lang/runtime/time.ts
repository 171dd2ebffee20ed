/**
 * Time built-ins (pyql.md §6): calendar parts and period starts in UTC, duration conversions.
 * Time inputs are epoch seconds when below 4102444800 (year 2100), else epoch milliseconds.
 */
import type { Value } from './values.ts';

const EPOCH_SECONDS_LIMIT = 4102444800;

const MS_SECOND = 1000;
const MS_MINUTE = 60_000;
const MS_HOUR = 3_600_000;
const MS_DAY = 86_400_000;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?\s*([Zz]|[+-]\d{2}:?\d{2})?$/;

/** ISO-8601 date/time (`T` or space, optional fraction, `Z` or ±hh:mm; no zone = UTC) → epoch ms. */
export function parseIsoStamp(s: string): number | null {
  const m = ISO.exec(s.trim());
  if (m === null) return null;
  const [y, mo, d, h = '0', mi = '0', sec = '0'] = [m[1]!, m[2]!, m[3]!, m[4], m[5], m[6]];
  const year = Number(y);
  const month = Number(mo) - 1;
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(sec);
  if (month > 11 || day < 1 || hour > 23 || minute > 59 || second > 59) return null;
  const date = new Date(0);
  date.setUTCFullYear(year, month, day); // unlike Date.UTC, keeps years 0-99 as written
  date.setUTCHours(hour, minute, second, 0);
  if (date.getUTCDate() !== day) return null; // e.g. Feb 30
  let ms = date.getTime();
  if (m[7] !== undefined) ms += Math.floor(Number(m[7]) * 1000);
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const zh = Number(digits.slice(0, 2));
    const zm = Number(digits.slice(2));
    if (zh > 23 || zm > 59) return null;
    ms -= sign * (zh * MS_HOUR + zm * MS_MINUTE);
  }
  return ms;
}

/** A time value as epoch ms: numbers by the seconds/milliseconds rule, ISO strings parsed; else null. */
export function toEpochMs(v: Value): number | null {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    return v < EPOCH_SECONDS_LIMIT ? v * 1000 : v;
  }
  if (typeof v === 'string') return parseIsoStamp(v);
  return null;
}

function calendar(part: (d: Date, ms: number) => number): (args: Value[]) => Value {
  return (args) => {
    const ms = toEpochMs(args[0]!);
    if (ms === null) return null;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? null : part(d, ms);
  };
}

function dayOfYear(d: Date): number {
  return Math.floor((Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()) - Date.UTC(d.getUTCFullYear(), 0, 1)) / MS_DAY) + 1;
}

function floorTo(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

function duration(unit: number): (args: Value[]) => Value {
  return (args) => {
    const v = args[0]!;
    const x = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (typeof x !== 'number') return null;
    return Number.isInteger(x) ? Math.trunc(x / unit) : x / unit;
  };
}

export const TIME_FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  get_second: calendar((d) => d.getUTCSeconds()),
  get_minute: calendar((d) => d.getUTCMinutes()),
  get_hour: calendar((d) => d.getUTCHours()),
  get_day_of_week: calendar((d) => d.getUTCDay() + 1),
  get_day_of_month: calendar((d) => d.getUTCDate()),
  get_day_of_year: calendar(dayOfYear),
  get_month: calendar((d) => d.getUTCMonth() + 1),
  get_quarter: calendar((d) => Math.floor(d.getUTCMonth() / 3) + 1),
  get_year: calendar((d) => d.getUTCFullYear()),
  date_second: calendar((_, ms) => floorTo(ms, MS_SECOND)),
  date_minute: calendar((_, ms) => floorTo(ms, MS_MINUTE)),
  date_hour: calendar((_, ms) => floorTo(ms, MS_HOUR)),
  date_day: calendar((_, ms) => floorTo(ms, MS_DAY)),
  date_week: calendar((d, ms) => floorTo(ms, MS_DAY) - d.getUTCDay() * MS_DAY),
  date_month: calendar((d) => Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1)),
  date_quarter: calendar((d) => Date.UTC(d.getUTCFullYear(), Math.floor(d.getUTCMonth() / 3) * 3, 1)),
  date_year: calendar((d) => Date.UTC(d.getUTCFullYear(), 0, 1)),
  to_seconds: duration(MS_SECOND),
  to_minutes: duration(MS_MINUTE),
  to_hours: duration(MS_HOUR),
  to_days: duration(MS_DAY),
};
