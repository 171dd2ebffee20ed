/**
 * `floor(x / size) * size`, shared by PyQL's `bucket()` and the column/histogram `bucket=` parameter so
 * both group a value the same way. Floating point: 0.3 / 0.1 is 2.9999999999999996, so a quotient within
 * 1e-9 below an integer counts as that integer, and the product is rounded to the size's decimals
 * (0.30000000000000004 → 0.3). Size 0 gives 0 (the REST layer rejects bucket sizes <= 0 before this).
 */
export function bucketOf(x: number, size: number): number {
  if (size === 0) return 0;
  const q = x / size;
  let f = Math.floor(q);
  if (f + 1 - q < 1e-9) f += 1;
  const r = f * size;
  if (Number.isInteger(r)) return r;
  const decimals = decimalsOf(size);
  return decimals > 0 && decimals <= 100 ? Number(r.toFixed(decimals)) : r;
}

/** Digits after the decimal point in the shortest text form of x (1e-7 → 7, 2.5e-3 → 4). */
function decimalsOf(x: number): number {
  if (Number.isInteger(x)) return 0;
  const s = String(x);
  const dot = s.indexOf('.');
  const e = s.indexOf('e-');
  if (e >= 0) return Number(s.slice(e + 2)) + (dot >= 0 ? e - dot - 1 : 0);
  return s.length - dot - 1;
}
