/**
 * A minimal binary container for column data: a sequence of u32 scalars, typed arrays and string
 * lists. Arrays start on 8-byte boundaries (relative to the blob start) so the reader can return
 * zero-copy Float64Array/Int32Array views over the bytes SQLite hands back.
 */

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * One working buffer reused by successive writers (encoding is synchronous and writers are not
 * nested), so an insert allocates only its exact-size result instead of a growing buffer.
 */
let spare: Uint8Array | null = null;
const SPARE_MAX_BYTES = 4 << 20;

export class PackWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 1024) {
    if (spare !== null && spare.length >= initialBytes) {
      this.buf = spare;
      spare = null;
    } else {
      this.buf = new Uint8Array(initialBytes);
    }
    this.view = new DataView(this.buf.buffer);
  }

  private reserve(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  private align8(): void {
    const pad = (8 - (this.pos & 7)) & 7;
    this.reserve(pad);
    this.buf.fill(0, this.pos, this.pos + pad);
    this.pos += pad;
  }

  u32(x: number): void {
    this.reserve(4);
    this.view.setUint32(this.pos, x, true);
    this.pos += 4;
  }

  i32(x: number): void {
    this.reserve(4);
    this.view.setInt32(this.pos, x, true);
    this.pos += 4;
  }

  f64(x: number): void {
    this.align8();
    this.reserve(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  private bytesOf(a: ArrayBufferView): void {
    this.u32(a.byteLength);
    this.align8();
    this.reserve(a.byteLength);
    this.buf.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), this.pos);
    this.pos += a.byteLength;
  }

  f64s(a: Float64Array): void {
    this.bytesOf(a);
  }

  i32s(a: Int32Array): void {
    this.bytesOf(a);
  }

  u16s(a: Uint16Array): void {
    this.bytesOf(a);
  }

  u8s(a: Uint8Array): void {
    this.bytesOf(a);
  }

  /**
   * Strings as UTF-16 lengths plus one UTF-8 run. ASCII is copied byte by byte straight into the
   * buffer (the usual case: ids, actions, short values); other strings go through encodeInto.
   */
  strings(list: readonly string[]): void {
    const lengths = new Int32Array(list.length);
    let units = 0;
    for (let i = 0; i < list.length; i++) units += lengths[i] = list[i]!.length;
    this.i32s(lengths);
    // At most 3 UTF-8 bytes per UTF-16 unit; the length is patched in once known.
    this.u32(0);
    const lengthAt = this.pos - 4;
    this.align8();
    this.reserve(units * 3);
    const buf = this.buf;
    const start = this.pos;
    let at = start;
    for (const s of list) {
      let k = 0;
      for (; k < s.length; k++) {
        const c = s.charCodeAt(k);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (k < s.length) at += encoder.encodeInto(s.slice(k), buf.subarray(at)).written;
    }
    this.view.setUint32(lengthAt, at - start, true);
    this.pos = at;
  }

  /** The bytes written, as an exact-size copy; the writer must not be used afterwards. */
  finish(): Uint8Array {
    const out = this.buf.slice(0, this.pos);
    if (this.buf.length <= SPARE_MAX_BYTES && (spare === null || spare.length < this.buf.length)) spare = this.buf;
    this.pos = 0;
    return out;
  }
}

export interface StringTable {
  lengths: Int32Array;
  joined: string;
}

export class PackReader {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  private pos = 0;
  /** Views are only zero-copy when the blob itself sits on an 8-byte boundary. */
  private readonly aligned: boolean;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.aligned = (bytes.byteOffset & 7) === 0;
  }

  private align8(): void {
    this.pos += (8 - (this.pos & 7)) & 7;
  }

  private check(n: number): void {
    if (this.pos + n > this.bytes.length) throw new Error('pack: truncated data');
  }

  u32(): number {
    this.check(4);
    const x = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return x;
  }

  i32(): number {
    this.check(4);
    const x = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return x;
  }

  f64(): number {
    this.align8();
    this.check(8);
    const x = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return x;
  }

  private region(): { offset: number; length: number } {
    const length = this.u32();
    this.align8();
    this.check(length);
    const offset = this.bytes.byteOffset + this.pos;
    this.pos += length;
    return { offset, length };
  }

  f64s(): Float64Array {
    const { offset, length } = this.region();
    if (this.aligned) return new Float64Array(this.bytes.buffer, offset, length / 8);
    return new Float64Array(this.bytes.buffer.slice(offset, offset + length));
  }

  i32s(): Int32Array {
    const { offset, length } = this.region();
    if (this.aligned) return new Int32Array(this.bytes.buffer, offset, length / 4);
    return new Int32Array(this.bytes.buffer.slice(offset, offset + length));
  }

  u16s(): Uint16Array {
    const { offset, length } = this.region();
    if (this.aligned) return new Uint16Array(this.bytes.buffer, offset, length / 2);
    return new Uint16Array(this.bytes.buffer.slice(offset, offset + length));
  }

  u8s(): Uint8Array {
    const { offset, length } = this.region();
    return new Uint8Array(this.bytes.buffer, offset, length);
  }

  strings(): string[] {
    const { lengths, joined } = this.stringTable();
    const out = new Array<string>(lengths.length);
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i]!;
      out[i] = joined.slice(at, at + n);
      at += n;
    }
    return out;
  }

  /** A `strings()` list undivided: UTF-16 length per string and their concatenation. */
  stringTable(): StringTable {
    const lengths = this.i32s();
    return { lengths, joined: decoder.decode(this.u8s()) };
  }

  nullableStrings(): (string | null)[] {
    const lengths = this.i32s();
    const joined = decoder.decode(this.u8s());
    const out = new Array<string | null>(lengths.length);
    let at = 0;
    for (let i = 0; i < lengths.length; i++) {
      const n = lengths[i]!;
      if (n < 0) {
        out[i] = null;
        continue;
      }
      out[i] = joined.slice(at, at + n);
      at += n;
    }
    return out;
  }
}
