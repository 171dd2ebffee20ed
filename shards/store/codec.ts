/**
 * Column chunk codec: one ColumnVector <-> bytes, and splitting those bytes into SQLite values
 * under the Durable Object 2 MB value limit.
 *
 * Numbers are stored as Int32 when every present value is a small integer (absent = INT32_MIN),
 * else as Float64 (absent = NaN). Text is a per-chunk dictionary plus codes, one byte wide while
 * the dictionary has fewer than 255 entries. Sets are offsets plus values or codes.
 */
import type { ColumnVector } from '../../lang/columns.ts';
import { PackReader, PackWriter } from './pack.ts';

/** Bytes per SQLite value; well under the 2 MB (2,097,152 bytes) per-value limit. */
export const PART_BYTES = 1 << 20;

const TAG_NUM = 1;
const TAG_TEXT = 3;
const TAG_NUMSET = 4;
const TAG_TEXTSET = 5;

const I32_ABSENT = -2147483648;
const U8_ABSENT = 255;

function fitsInt32(values: Float64Array): boolean {
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (x !== x) continue;
    if ((x | 0) !== x || x === I32_ABSENT || Object.is(x, -0)) return false;
  }
  return true;
}

function writeNums(w: PackWriter, values: Float64Array): void {
  if (fitsInt32(values)) {
    w.u32(1);
    const ints = new Int32Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      ints[i] = x !== x ? I32_ABSENT : x;
    }
    w.i32s(ints);
  } else {
    w.u32(0);
    w.f64s(values);
  }
}

function readNums(r: PackReader): Float64Array {
  if (r.u32() === 0) return r.f64s();
  const ints = r.i32s();
  const out = new Float64Array(ints.length);
  for (let i = 0; i < ints.length; i++) {
    const x = ints[i]!;
    out[i] = x === I32_ABSENT ? NaN : x;
  }
  return out;
}

/** Codes of a dictionary with fewer than 255 entries fit in a byte (255 = absent). */
function writeCodes(w: PackWriter, codes: Int32Array, dictSize: number): void {
  if (dictSize < U8_ABSENT) {
    w.u32(1);
    const bytes = new Uint8Array(codes.length);
    for (let i = 0; i < codes.length; i++) {
      const c = codes[i]!;
      bytes[i] = c < 0 ? U8_ABSENT : c;
    }
    w.u8s(bytes);
  } else {
    w.u32(0);
    w.i32s(codes);
  }
}

function readCodes(r: PackReader): Int32Array {
  if (r.u32() === 0) return r.i32s();
  const bytes = r.u8s();
  const out = new Int32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    out[i] = c === U8_ABSENT ? -1 : c;
  }
  return out;
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
      writeCodes(w, v.codes, v.dict.length);
      return;
    case 'numset':
      w.u32(TAG_NUMSET);
      w.i32s(v.offsets);
      writeNums(w, v.values);
      return;
    case 'textset':
      w.u32(TAG_TEXTSET);
      w.i32s(v.offsets);
      w.strings(v.dict);
      writeCodes(w, v.codes, v.dict.length);
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
      return { kind: 'text', dict, codes: readCodes(r) };
    }
    case TAG_NUMSET: {
      const offsets = r.i32s();
      return { kind: 'numset', offsets, values: readNums(r) };
    }
    case TAG_TEXTSET: {
      const offsets = r.i32s();
      const dict = r.strings();
      return { kind: 'textset', offsets, dict, codes: readCodes(r) };
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
