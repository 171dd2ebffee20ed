/**
 * Event time parsing. Numbers below 4102444800 (2100-01-01 in seconds) are epoch seconds, larger ones
 * epoch milliseconds. Strings are ISO-8601: `YYYY-MM-DD[(T| )HH:MM[:SS[.fff...]]][Z|±hh[:]mm]`,
 * UTC when no offset is given; digits-only strings are read as numbers. Result: integer epoch ms.
 */

export const SECONDS_LIMIT = 4102444800;
/** ECMAScript Date range: ±100,000,000 days from the epoch. */
const MAX_MS = 8.64e15;

const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const NUMERIC = /^-?\d+(?:\.\d+)?$/;
const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function fromNumber(n: number): number | string {
  if (!Number.isFinite(n)) return 'stamp must be a finite number';
  const ms = Math.round(Math.abs(n) < SECONDS_LIMIT ? n * 1000 : n);
  if (Math.abs(ms) > MAX_MS) return `stamp ${n} is outside the representable date range`;
  return ms;
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function fromIso(s: string): number | string {
  const m = ISO.exec(s);
  if (m === null) return `stamp '${s}' is not ISO-8601 (YYYY-MM-DDTHH:MM:SS[.fff][Z|±hh:mm]) nor epoch seconds/milliseconds`;
  const year = Number(m[1]), month = Number(m[2]), day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  if (month < 1 || month > 12) return `stamp '${s}' has month ${month}`;
  if (day < 1 || day > DAYS_IN_MONTH[month - 1] || (month === 2 && day === 29 && !isLeap(year))) return `stamp '${s}' has no day ${day} in that month`;
  if (hour > 23 || minute > 59 || second > 59) return `stamp '${s}' has an invalid time of day`;
  // Fractional seconds are real fractions: keep millisecond precision (truncating finer digits).
  const ms = m[7] === undefined ? 0 : Number((m[7] + '00').slice(0, 3));
  let offsetMin = 0;
  const tz = m[8];
  if (tz !== undefined && tz !== 'Z' && tz !== 'z') {
    const sign = tz[0] === '-' ? -1 : 1;
    const digits = tz.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 23 || om > 59) return `stamp '${s}' has an invalid UTC offset`;
    offsetMin = sign * (oh * 60 + om);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  // Date.UTC maps years 0..99 to 1900+; setUTCFullYear puts them back.
  const d = new Date(utc);
  if (year < 100) d.setUTCFullYear(year);
  return d.getTime() - offsetMin * 60_000;
}

/** Epoch ms for a stamp value, or the reason it is not one. */
export function parseStamp(v: unknown): number | string {
  if (typeof v === 'number') return fromNumber(v);
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return 'stamp is empty';
    if (NUMERIC.test(s)) return fromNumber(Number(s));
    return fromIso(s);
  }
  if (v === undefined || v === null) return 'missing stamp';
  return `stamp must be an ISO-8601 string or epoch number, got ${typeof v}`;
}

/** ISO-8601 UTC rendering with milliseconds, as the person endpoint shows `stamp_iso`. */
export function stampIso(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? '' : d.toISOString();
}
