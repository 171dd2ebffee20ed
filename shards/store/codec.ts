/**
 * Column chunk codec: one ColumnVector <-> bytes, and splitting those bytes into SQLite values
 * under the Durable Object 2 MB value limit.
 *
 * Integers are frame-of-reference packed: (value - min) in 1, 2 or 4 bytes, whichever holds the
 * chunk's range. Numeric columns use that when every present value is an integer with a range
 * under 2^31 (absent = one past the range), else Float64 (absent = NaN). Text is a per-chunk
 * dictionary plus packed codes (absent = -1). Sets store per-row lengths (packed) plus values.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import { PackReader, PackWriter, type StringTable } from './pack.ts';

/** Bytes per SQLite value; well under the 2 MB (2,097,152 bytes) per-value limit. */
export const PART_BYTES = 1 << 20;

const TAG_NUM = 1;
const TAG_TEXT = 3;
const TAG_NUMSET = 4;
const TAG_TEXTSET = 5;

const MAX_RANGE = 2 ** 31 - 2;

/** Writes integers in [min, min + range]; `range` < 2^31. */
function writePacked(w: PackWriter, values: ArrayLike<number>, min: number, range: number): void {
  const n = values.length;
  w.f64(min);
  if (range < 256) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = values[i]! - min;
    w.u32(1);
    w.u8s(out);
  } else if (range < 65536) {
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) out[i] = values[i]! - min;
    w.u32(2);
    w.u16s(out);
  } else {
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) out[i] = values[i]! - min;
    w.u32(4);
    w.i32s(out);
  }
}

/** Reads packed integers as offsets from the returned `min`. */
function readPacked(r: PackReader): { min: number; offsets: Uint8Array | Uint16Array | Int32Array } {
  const min = r.f64();
  const width = r.u32();
  const offsets = width === 1 ? r.u8s() : width === 2 ? r.u16s() : r.i32s();
  return { min, offsets };
}

function writeInts(w: PackWriter, values: Int32Array): void {
  let min = 0;
  let max = 0;
  if (values.length > 0) {
    min = max = values[0]!;
    for (let i = 1; i < values.length; i++) {
      const x = values[i]!;
      if (x < min) min = x;
      else if (x > max) max = x;
    }
  }
  // A range too wide to pack: store the values themselves (offsets from 0) as Int32.
  if (max - min > MAX_RANGE) writePacked(w, values, 0, MAX_RANGE);
  else writePacked(w, values, min, max - min);
}

function readInts(r: PackReader): Int32Array {
  const { min, offsets } = readPacked(r);
  const out = new Int32Array(offsets.length);
  for (let i = 0; i < out.length; i++) out[i] = min + offsets[i]!;
  return out;
}

/** min/max of the present values if all are safe integers (not -0, max + 1 exact) with a packable range, else null. */
function intRange(values: Float64Array): { min: number; max: number } | null {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x !== x) continue;
    if (!Number.isSafeInteger(x) || x === Number.MAX_SAFE_INTEGER || Object.is(x, -0)) return null;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (min === Infinity) return { min: 0, max: 0 };
  return max - min <= MAX_RANGE ? { min, max } : null;
}

function writeNums(w: PackWriter, values: Float64Array): void {
  const range = intRange(values);
  if (range === null) {
    w.u32(0);
    w.f64s(values);
    return;
  }
  const absent = range.max + 1;
  const filled = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    filled[i] = x !== x ? absent : x;
  }
  w.u32(1);
  w.u32(absent - range.min);
  writePacked(w, filled, range.min, absent - range.min);
}

function readNums(r: PackReader): Float64Array {
  if (r.u32() === 0) return r.f64s();
  const absent = r.u32();
  const { min, offsets } = readPacked(r);
  const out = new Float64Array(offsets.length);
  for (let i = 0; i < offsets.length; i++) {
    const o = offsets[i]!;
    out[i] = o === absent ? NaN : min + o;
  }
  return out;
}

function writeLengths(w: PackWriter, offsets: Int32Array): void {
  const n = offsets.length - 1;
  const lengths = new Int32Array(n);
  for (let i = 0; i < n; i++) lengths[i] = offsets[i + 1]! - offsets[i]!;
  w.i32(offsets[0] ?? 0);
  writeInts(w, lengths);
}

function readOffsets(r: PackReader): Int32Array {
  const first = r.i32();
  const lengths = readInts(r);
  const offsets = new Int32Array(lengths.length + 1);
  offsets[0] = first;
  for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
  return offsets;
}

export function writeVector(w: PackWriter, v: ColumnVector): void {
  switch (v.kind) {
    case 'num':
      w.u32(TAG_NUM);
      writeNums(w, v.values);
      return;
    case 'text':
      w.u32(TAG_TEXT);
      w.strings(v.dict);
      writeInts(w, v.codes);
      return;
    case 'numset':
      w.u32(TAG_NUMSET);
      writeLengths(w, v.offsets);
      writeNums(w, v.values);
      return;
    case 'textset':
      w.u32(TAG_TEXTSET);
      writeLengths(w, v.offsets);
      w.strings(v.dict);
      writeInts(w, v.codes);
      return;
  }
}

export function readVector(r: PackReader): ColumnVector {
  const tag = r.u32();
  switch (tag) {
    case TAG_NUM:
      return { kind: 'num', values: readNums(r) };
    case TAG_TEXT: {
      const dict = r.strings();
      return { kind: 'text', dict, codes: readInts(r) };
    }
    case TAG_NUMSET: {
      const offsets = readOffsets(r);
      return { kind: 'numset', offsets, values: readNums(r) };
    }
    case TAG_TEXTSET: {
      const offsets = readOffsets(r);
      const dict = r.strings();
      return { kind: 'textset', offsets, dict, codes: readInts(r) };
    }
    default:
      throw new Error(`column chunk: unknown tag ${tag}`);
  }
}

// ---- one row range (a person's rows) without decoding the rest of the chunk ------------------

function checkRange(rows: number, from: number, to: number): void {
  if (from < 0 || to < from || to > rows) throw new Error(`column chunk: rows ${from}..${to} outside 0..${rows}`);
}

function readIntsRange(r: PackReader, from: number, to: number): Int32Array {
  const { min, offsets } = readPacked(r);
  checkRange(offsets.length, from, to);
  const out = new Int32Array(to - from);
  for (let i = from; i < to; i++) out[i - from] = min + offsets[i]!;
  return out;
}

function readNumsRange(r: PackReader, from: number, to: number): Float64Array {
  if (r.u32() === 0) {
    const values = r.f64s();
    checkRange(values.length, from, to);
    return values.slice(from, to);
  }
  const absent = r.u32();
  const { min, offsets } = readPacked(r);
  checkRange(offsets.length, from, to);
  const out = new Float64Array(to - from);
  for (let i = from; i < to; i++) {
    const o = offsets[i]!;
    out[i - from] = o === absent ? NaN : min + o;
  }
  return out;
}

/** Offsets of rows from..to, rebased to 0, and the element range they cover in the chunk. */
function readOffsetsRange(r: PackReader, from: number, to: number): { offsets: Int32Array; first: number; last: number } {
  let first = r.i32();
  const { min, offsets: lengths } = readPacked(r);
  checkRange(lengths.length, from, to);
  for (let i = 0; i < from; i++) first += min + lengths[i]!;
  const offsets = new Int32Array(to - from + 1);
  for (let i = from; i < to; i++) offsets[i - from + 1] = offsets[i - from]! + min + lengths[i]!;
  return { offsets, first, last: first + offsets[to - from]! };
}

/** The strings `codes` use (-1 = absent) as a small dictionary, and the codes renumbered into it. */
function pickDict(table: StringTable, codes: Int32Array): { dict: string[]; codes: Int32Array } {
  const used = Array.from(new Set(codes)).filter((c) => c >= 0).sort((a, b) => a - b);
  if (used.length > 0 && used[used.length - 1]! >= table.lengths.length) throw new Error('column chunk: text code outside its dictionary');
  const dict: string[] = [];
  const index = new Map<number, number>();
  let at = 0;
  let i = 0;
  for (const c of used) {
    for (; i < c; i++) at += table.lengths[i]!;
    index.set(c, dict.length);
    dict.push(table.joined.slice(at, at + table.lengths[c]!));
  }
  const out = new Int32Array(codes.length);
  for (let k = 0; k < codes.length; k++) out[k] = codes[k]! < 0 ? -1 : index.get(codes[k]!)!;
  return { dict, codes: out };
}

/**
 * Rows [from, to) of an encoded chunk, decoding only what they need: no other row is converted and
 * a text dictionary shrinks to the strings those rows use (the same values as decodeVector's rows).
 */
export function decodeVectorRange(bytes: Uint8Array, from: number, to: number): ColumnVector {
  const r = new PackReader(bytes);
  const tag = r.u32();
  switch (tag) {
    case TAG_NUM:
      return { kind: 'num', values: readNumsRange(r, from, to) };
    case TAG_TEXT: {
      const table = r.stringTable();
      return { kind: 'text', ...pickDict(table, readIntsRange(r, from, to)) };
    }
    case TAG_NUMSET: {
      const { offsets, first, last } = readOffsetsRange(r, from, to);
      return { kind: 'numset', offsets, values: readNumsRange(r, first, last) };
    }
    case TAG_TEXTSET: {
      const { offsets, first, last } = readOffsetsRange(r, from, to);
      const table = r.stringTable();
      return { kind: 'textset', offsets, ...pickDict(table, readIntsRange(r, first, last)) };
    }
    default:
      throw new Error(`column chunk: unknown tag ${tag}`);
  }
}

export function encodeVector(v: ColumnVector): Uint8Array {
  const w = new PackWriter(64 + v.kind.length * 8);
  writeVector(w, v);
  return w.finish();
}

export function decodeVector(bytes: Uint8Array): ColumnVector {
  return readVector(new PackReader(bytes));
}

/** SQLite BLOB values for `bytes`, each at most PART_BYTES (at least one, possibly empty). */
export function splitParts(bytes: Uint8Array): ArrayBuffer[] {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.length <= PART_BYTES) {
    return [bytes.buffer as ArrayBuffer];
  }
  const parts: ArrayBuffer[] = [];
  for (let at = 0; at < bytes.length || parts.length === 0; at += PART_BYTES) {
    const end = Math.min(bytes.length, at + PART_BYTES);
    parts.push(bytes.buffer.slice(bytes.byteOffset + at, bytes.byteOffset + end) as ArrayBuffer);
  }
  return parts;
}

export function joinParts(parts: readonly ArrayBuffer[]): Uint8Array {
  if (parts.length === 1) return new Uint8Array(parts[0]!);
  let n = 0;
  for (const p of parts) n += p.byteLength;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(new Uint8Array(p), at);
    at += p.byteLength;
  }
  return out;
}
