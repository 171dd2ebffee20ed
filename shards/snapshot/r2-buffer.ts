/** Random access to an R2 object for hyparquet, which reads only the footer and the row groups it needs. */
import type { AsyncBuffer } from 'hyparquet';

export function r2AsyncBuffer(bucket: R2Bucket, key: string, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = end ?? size;
      if (stop <= start) return new ArrayBuffer(0);
      const obj = await bucket.get(key, { range: { offset: start, length: stop - start } });
      if (!obj) throw new Error(`R2 object ${key} vanished while reading`);
      return obj.arrayBuffer();
    },
  };
}
