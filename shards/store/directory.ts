/**
 * The person directory of one table in one shard: person key <-> person ordinal (pid). Pids are
 * handed out in first-arrival order and never change, so the merged view lists people in pid order
 * and index-based structures (people bitmaps) stay valid across inserts.
 */
import { PackReader, PackWriter } from './pack.ts';

export type PersonKey = string | number;

export interface PersonDirectory {
  /** Person id per person ordinal. */
  ids: PersonKey[];
  /** First row of each person in the block. */
  start: Int32Array;
  /** One past the last row of each person. */
  end: Int32Array;
}

export class PersonIndex {
  readonly ids: PersonKey[] = [];
  private readonly byKey = new Map<PersonKey, number>();

  get size(): number {
    return this.ids.length;
  }

  get(key: PersonKey): number | undefined {
    return this.byKey.get(key);
  }

  getOrAdd(key: PersonKey): number {
    let pid = this.byKey.get(key);
    if (pid === undefined) {
      pid = this.ids.length;
      this.ids.push(key);
      this.byKey.set(key, pid);
    }
    return pid;
  }

  /** Rough resident bytes: the id array, the map entry and the string itself. */
  bytes(): number {
    let n = 0;
    for (const k of this.ids) n += 48 + (typeof k === 'string' ? 16 + k.length * 2 : 0);
    return n;
  }
}

/** Person keys of mixed type: a type flag per key, numbers and strings in their own runs. */
export function writeKeys(w: PackWriter, keys: readonly PersonKey[]): void {
  const flags = new Uint8Array(keys.length);
  const nums: number[] = [];
  const strs: string[] = [];
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (typeof k === 'number') {
      flags[i] = 1;
      nums.push(k);
    } else {
      strs.push(k);
    }
  }
  w.u8s(flags);
  w.f64s(Float64Array.from(nums));
  w.strings(strs);
}

export function readKeys(r: PackReader): PersonKey[] {
  const flags = r.u8s();
  const nums = r.f64s();
  const strs = r.strings();
  const out = new Array<PersonKey>(flags.length);
  let ni = 0;
  let si = 0;
  for (let i = 0; i < flags.length; i++) out[i] = flags[i] === 1 ? nums[ni++]! : strs[si++]!;
  return out;
}
