/**
 * Random access to an R2 object for hyparquet, which reads only the footer and the row groups it
 * needs. Reads are served from one cached window of `windowBytes` (8 MiB by default), so reading a
 * file column chunk after column chunk costs one R2 get per window instead of one per chunk, and
 * memory stays at one window.
 */
import type { AsyncBuffer } from 'hyparquet';

export const DEFAULT_WINDOW_BYTES = 8 * 1024 * 1024;

export function r2AsyncBuffer(bucket: R2Bucket, key: string, size: number, windowBytes = DEFAULT_WINDOW_BYTES): AsyncBuffer {
  let window: { start: number; bytes: ArrayBuffer } | null = null;
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      if (stop <= start) return new ArrayBuffer(0);
      if (window && start >= window.start && stop <= window.start + window.bytes.byteLength) {
        return window.bytes.slice(start - window.start, stop - window.start);
      }
      const length = Math.min(size - start, Math.max(stop - start, windowBytes));
      const obj = await bucket.get(key, { range: { offset: start, length } });
      if (!obj) throw new Error(`R2 object ${key} vanished while reading`);
      window = { start, bytes: await obj.arrayBuffer() };
      return window.bytes.slice(0, stop - start);
    },
  };
}
