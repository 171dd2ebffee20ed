/**
 * Stored order: people in pid order, each person's rows by stamp, then z-order rank, then arrival.
 * The base (already in stored order) is merged with the delta rows (in arrival order) without
 * re-sorting the base: only the delta is sorted, then each person's two runs are merged.
 */

export interface BaseOrder {
  /** Base rows per pid (pids at or beyond its length have no base rows); base rows are grouped in pid order. */
  count: Int32Array;
  stamp: Float64Array;
  /** z-order rank per base row. */
  zrank: Int32Array;
  /** Per-person event ordinal per base row. */
  event: Int32Array;
}

export interface DeltaOrder {
  pid: Int32Array;
  stamp: Float64Array;
  zrank: Int32Array;
  /** Event id per delta row, unique across all deltas; rows of one event are consecutive. */
  event: Int32Array;
}

export interface MergedOrder {
  /** Output row -> source row: base rows are 0..B-1, delta row j is B + j. */
  perm: Int32Array;
  start: Int32Array;
  end: Int32Array;
  /** Per-person event ordinal per output row (0-based). */
  event: Int32Array;
}

/** z-order rank of each action in `dict`: its position in `zOrder`, unlisted actions after all listed ones. */
export function zRanks(dict: readonly string[], zOrder: readonly string[]): Int32Array {
  const pos = new Map<string, number>();
  zOrder.forEach((a, i) => {
    if (!pos.has(a)) pos.set(a, i);
  });
  const out = new Int32Array(dict.length);
  for (let i = 0; i < dict.length; i++) out[i] = pos.get(dict[i]!) ?? zOrder.length;
  return out;
}

export function mergeOrder(people: number, base: BaseOrder, delta: DeltaOrder): MergedOrder {
  const B = base.stamp.length;
  const D = delta.pid.length;
  const N = B + D;
  const idx = new Array<number>(D);
  for (let j = 0; j < D; j++) idx[j] = j;
  const dp = delta.pid;
  const ds = delta.stamp;
  const dz = delta.zrank;
  // Array.prototype.sort is stable, so equal keys keep arrival order.
  idx.sort((a, b) => dp[a]! - dp[b]! || ds[a]! - ds[b]! || dz[a]! - dz[b]!);

  const perm = new Int32Array(N);
  const event = new Int32Array(N);
  const start = new Int32Array(people);
  const end = new Int32Array(people);
  const bs = base.stamp;
  const bz = base.zrank;
  const be = base.event;
  const de = delta.event;
  let out = 0;
  let b = 0;
  let j = 0;
  for (let p = 0; p < people; p++) {
    start[p] = out;
    const bEnd = b + (p < base.count.length ? base.count[p]! : 0);
    let ordinal = -1;
    // Source event identity of the previous output row: base ordinal, or -(delta event id) - 1.
    let lastKey = NaN;
    while (b < bEnd || (j < D && dp[idx[j]!] === p)) {
      let takeBase: boolean;
      if (b >= bEnd) takeBase = false;
      else if (j >= D || dp[idx[j]!] !== p) takeBase = true;
      else {
        const d = idx[j]!;
        // Ties go to the base: it arrived first.
        takeBase = bs[b]! < ds[d]! || (bs[b]! === ds[d]! && bz[b]! <= dz[d]!);
      }
      let key: number;
      if (takeBase) {
        perm[out] = b;
        key = be[b]!;
        b++;
      } else {
        const d = idx[j++]!;
        perm[out] = B + d;
        key = -de[d]! - 1;
      }
      if (key !== lastKey) {
        ordinal++;
        lastKey = key;
      }
      event[out] = ordinal;
      out++;
    }
    end[p] = out;
  }
  if (out !== N) throw new Error(`mergeOrder: ${N - out} rows belong to no person`);
  return { perm, start, end, event };
}
