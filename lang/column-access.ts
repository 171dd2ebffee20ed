/**
 * The columns a program reads: slot numbers, per-slot readers over the Frame's bound typed arrays,
 * None tests and in-place set-column operations, and the text constants whose dictionary codes the
 * Frame resolves per RowBlock. Nothing here materialises a row.
 */
import type { ColumnDef } from './schema.ts';
import type { Cond, Ev, Frame } from './frame.ts';
import { contains, type Key, type PySet } from './runtime/values.ts';

/** Anything that reads one row of a column: values, None-ness and raw equality between two rows. */
export interface ColumnAccess {
  read: Ev;
  /** Raw equality of two rows (both None counts as equal). */
  same: (f: Frame, a: number, b: number) => boolean;
  def: ColumnDef | null;
}

export class ColumnTable {
  /** Column name → slot. */
  readonly slots = new Map<string, number>();
  readonly defs: ColumnDef[] = [];
  /** Text literals compared with text columns (slot ACTION_SLOT: the action column). */
  readonly textConsts: { slot: number; text: string }[] = [];

  constructor(columns: Iterable<[string, ColumnDef]>) {
    for (const [name, def] of columns) {
      this.slots.set(name, this.defs.length);
      this.defs.push(def);
    }
  }

  textConst(slot: number, text: string): number {
    const i = this.textConsts.findIndex((c) => c.slot === slot && c.text === text);
    if (i >= 0) return i;
    this.textConsts.push({ slot, text });
    return this.textConsts.length - 1;
  }

  /** Access to a column or row built-in by name. */
  access(name: string): ColumnAccess {
    switch (name) {
      case 'person':
      case 'people':
        return { read: (f) => f.person, same: () => true, def: null };
      case 'stamp':
      case 'event_time':
        return { read: (f) => f.stamp[f.row]!, same: (f, a, b) => f.stamp[a] === f.stamp[b], def: null };
      case 'session':
        return { read: (f) => f.session[f.row - f.start]!, same: (f, a, b) => f.session[a - f.start] === f.session[b - f.start], def: null };
      case 'action':
        return {
          read: (f) => {
            const c = f.actionCodes[f.row]!;
            return c < 0 ? null : f.actionDict[c]!;
          },
          same: (f, a, b) => f.actionCodes[a] === f.actionCodes[b],
          def: null,
        };
    }
    const i = this.slots.get(name)!;
    const def = this.defs[i]!;
    if (def.isSet) {
      const same = (f: Frame, a: number, b: number): boolean => {
        const o = f.offs[i]!;
        const la = o[a + 1]! - o[a]!;
        if (la !== o[b + 1]! - o[b]!) return false;
        if (def.type === 'text') {
          const c = f.codes[i]!;
          for (let k = 0; k < la; k++) if (c[o[a]! + k] !== c[o[b]! + k]) return false;
        } else {
          const v = f.nums[i]!;
          for (let k = 0; k < la; k++) if (v[o[a]! + k] !== v[o[b]! + k]) return false;
        }
        return true;
      };
      const read: Ev =
        def.type === 'text'
          ? (f) => {
              const o = f.offs[i]!;
              const c = f.codes[i]!;
              const d = f.dicts[i]!;
              const s: PySet = new Set();
              for (let k = o[f.row]!; k < o[f.row + 1]!; k++) s.add(d[c[k]!]!);
              return s;
            }
          : (f) => {
              const o = f.offs[i]!;
              const v = f.nums[i]!;
              const s: PySet = new Set();
              for (let k = o[f.row]!; k < o[f.row + 1]!; k++) s.add(def.type === 'bool' ? v[k] !== 0 : v[k]!);
              return s;
            };
      return { read, same, def };
    }
    if (def.type === 'text') {
      return {
        read: (f) => {
          const c = f.codes[i]![f.row]!;
          return c < 0 ? null : f.dicts[i]![c]!;
        },
        same: (f, a, b) => f.codes[i]![a] === f.codes[i]![b],
        def,
      };
    }
    const same = (f: Frame, a: number, b: number): boolean => {
      const v = f.nums[i]!;
      const x = v[a]!;
      const y = v[b]!;
      return x === y || (x !== x && y !== y);
    };
    if (def.type === 'bool') {
      return {
        read: (f) => {
          const v = f.nums[i]![f.row]!;
          return v === v ? v !== 0 : null;
        },
        same,
        def,
      };
    }
    return {
      read: (f) => {
        const v = f.nums[i]![f.row]!;
        return v === v ? v : null;
      },
      same,
      def,
    };
  }

  /** Whether a column (or row built-in) is None on the current row, without materialising it. */
  isNone(name: string): Cond {
    switch (name) {
      case 'person': case 'people': case 'stamp': case 'event_time': case 'session':
        return () => false;
      case 'action':
        return (f) => f.actionCodes[f.row]! < 0;
    }
    const i = this.slots.get(name)!;
    const def = this.defs[i]!;
    if (def.isSet) return (f) => f.offs[i]![f.row + 1]! === f.offs[i]![f.row]!;
    if (def.type === 'text') return (f) => f.codes[i]![f.row]! < 0;
    return (f) => {
      const v = f.nums[i]![f.row]!;
      return v !== v;
    };
  }

  /** Element k of set column slot i's values (text from the dictionary, bools as booleans). */
  setElement(i: number): (f: Frame, k: number) => Key {
    const def = this.defs[i]!;
    if (def.type === 'text') return (f, k) => f.dicts[i]![f.codes[i]![k]!]!;
    if (def.type === 'bool') return (f, k) => f.nums[i]![k] !== 0;
    return (f, k) => f.nums[i]![k]!;
  }

  /** `v in S` for set column slot i at the current row, without materialising S. */
  setHas(i: number, v: Ev): Cond {
    const def = this.defs[i]!;
    if (def.type === 'text') {
      return (f) => {
        const x = v(f);
        if (typeof x !== 'string') return false;
        const o = f.offs[i]!;
        const c = f.codes[i]!;
        const d = f.dicts[i]!;
        for (let k = o[f.row]!; k < o[f.row + 1]!; k++) if (d[c[k]!] === x) return true;
        return false;
      };
    }
    const bool = def.type === 'bool';
    return (f) => {
      const x = v(f);
      const n = typeof x === 'number' ? x : typeof x === 'boolean' ? (x ? 1 : 0) : null;
      if (n === null || (bool && typeof x === 'number')) return false;
      const o = f.offs[i]!;
      const vals = f.nums[i]!;
      for (let k = o[f.row]!; k < o[f.row + 1]!; k++) if (vals[k] === n) return true;
      return false;
    };
  }

  /** `S in container`: any element of set column i is in the container. */
  setAnyIn(i: number, container: Ev): Cond {
    const def = this.defs[i]!;
    return (f) => {
      const cont = container(f);
      const o = f.offs[i]!;
      for (let k = o[f.row]!; k < o[f.row + 1]!; k++) {
        const el: Key = def.type === 'text' ? f.dicts[i]![f.codes[i]![k]!]! : def.type === 'bool' ? f.nums[i]![k] !== 0 : f.nums[i]![k]!;
        if (contains(cont, el)) return true;
      }
      return false;
    };
  }
}
