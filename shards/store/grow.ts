/**
 * Append-only typed arrays that double when full, for building columns whose final length is not
 * known up front (per-shard insert batches) without boxing every value in a JS array.
 */
export class F64Grow {
  private buf: Float64Array;
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Float64Array(capacity);
  }

  push(x: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = x;
  }

  private grow(): void {
    const next = new Float64Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  /** What was pushed, as a view (no copy): push nothing more afterwards. */
  take(): Float64Array {
    return this.buf.subarray(0, this.length);
  }
}

export class I32Grow {
  private buf: Int32Array;
  length = 0;

  constructor(capacity = 64) {
    this.buf = new Int32Array(capacity);
  }

  push(x: number): void {
    if (this.length === this.buf.length) this.grow();
    this.buf[this.length++] = x;
  }

  private grow(): void {
    const next = new Int32Array(this.buf.length * 2);
    next.set(this.buf);
    this.buf = next;
  }

  /** What was pushed, as a view (no copy): push nothing more afterwards. */
  take(): Int32Array {
    return this.buf.subarray(0, this.length);
  }
}
