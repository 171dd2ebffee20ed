import { describe, expect, it } from 'vitest';
import { parquetMetadata } from 'hyparquet';
import { R2ObjectWriter } from '../../shards/snapshot/r2-upload.ts';
import type { MultipartTarget, UploadBucket, UploadedPart } from '../../shards/snapshot/r2-upload.ts';
import { ParquetTableEncoder } from '../../shards/snapshot/parquet-encode.ts';
import type { TableSchema } from '../../lang/schema.ts';

/** An in-memory bucket that checks parts the way R2 does: equal sizes except a smaller-or-equal last one. */
class FakeBucket implements UploadBucket {
  objects = new Map<string, Uint8Array>();
  puts = 0;
  aborted = 0;
  failPart = 0;
  private readonly minPart: number;
  constructor(minPart: number) {
    this.minPart = minPart;
  }
  async put(key: string, value: ArrayBuffer | ArrayBufferView): Promise<unknown> {
    this.puts++;
    this.objects.set(key, copy(value));
    return {};
  }
  async createMultipartUpload(key: string): Promise<MultipartTarget> {
    const parts = new Map<number, Uint8Array>();
    return {
      uploadPart: async (partNumber, value): Promise<UploadedPart> => {
        if (partNumber === this.failPart) throw new Error('part upload failed');
        parts.set(partNumber, copy(value));
        return { partNumber, etag: `e${partNumber}` };
      },
      complete: async (list) => {
        const sizes = list.map((p) => parts.get(p.partNumber)!.length);
        const head = sizes.slice(0, -1);
        if (head.some((s) => s < this.minPart || s !== head[0])) throw new Error('BadUpload');
        if (head.length && sizes[sizes.length - 1] > head[0]) throw new Error('BadUpload');
        const out = new Uint8Array(sizes.reduce((a, b) => a + b, 0));
        let at = 0;
        for (const p of list) { out.set(parts.get(p.partNumber)!, at); at += parts.get(p.partNumber)!.length; }
        this.objects.set(key, out);
        return {};
      },
      abort: async () => { this.aborted++; },
    };
  }
}

function copy(value: ArrayBuffer | ArrayBufferView): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value.slice(0)) : new Uint8Array(value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength));
}

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 255;
  return out;
}

describe('R2 object writer', () => {
  it('uses one put when the object fits in one part', async () => {
    const bucket = new FakeBucket(8);
    const w = new R2ObjectWriter(bucket, 'k', 16);
    await w.write(bytes(10));
    await w.write(bytes(6, 7));
    expect(await w.close()).toEqual({ key: 'k', bytes: 16, parts: 0 });
    expect(bucket.puts).toBe(1);
    expect(bucket.objects.get('k')!.length).toBe(16);
  });

  it('cuts writes of any size into equal parts with a shorter last one', async () => {
    for (const total of [17, 32, 33, 100]) {
      const bucket = new FakeBucket(8);
      const w = new R2ObjectWriter(bucket, 'k', 8);
      const data = bytes(total, total);
      for (let at = 0; at < total; at += 5) await w.write(data.subarray(at, Math.min(total, at + 5)));
      const result = await w.close();
      expect(result).toEqual({ key: 'k', bytes: total, parts: Math.ceil(total / 8) });
      expect(bucket.puts).toBe(0);
      expect(bucket.objects.get('k')).toEqual(data);
    }
  });

  it('aborts the multipart upload when a part fails', async () => {
    const bucket = new FakeBucket(8);
    bucket.failPart = 2;
    const w = new R2ObjectWriter(bucket, 'k', 8);
    await expect(w.write(bytes(40))).rejects.toThrow('part upload failed');
    expect(bucket.aborted).toBe(1);
    expect(bucket.objects.has('k')).toBe(false);
  });

  it('streams an encoded Parquet file through small parts intact', async () => {
    const table: TableSchema = { name: 't', zOrder: [], columns: [{ name: 'note', type: 'text', isSet: false, id: 1 }] };
    const n = 3000;
    const dict = Array.from({ length: n }, (_, i) => `note-${i}-${'x'.repeat(i % 50)}`);
    const block = {
      length: n,
      stamp: Float64Array.from({ length: n }, (_, i) => 1.7e12 + i),
      event: Int32Array.from({ length: n }, (_, i) => i),
      action: { codes: new Int32Array(n), dict: ['a'] },
      columns: new Map([['note', { kind: 'text' as const, codes: Int32Array.from({ length: n }, (_, i) => i), dict }]]),
    };
    const people = { ids: ['p'], start: Int32Array.of(0), end: Int32Array.of(n) };
    const bucket = new FakeBucket(1000);
    const out = new R2ObjectWriter(bucket, 'file.parquet', 1000);
    const enc = new ParquetTableEncoder(table, (b) => out.write(b), { rowGroupRows: 500 });
    await enc.write({ block, people, hashes: new Float64Array(n) });
    const { bytes: size } = await enc.finish();
    const result = await out.close();
    expect(result.bytes).toBe(size);
    expect(result.parts).toBe(Math.ceil(size / 1000));
    const file = bucket.objects.get('file.parquet')!;
    expect(Number(parquetMetadata(file.buffer as ArrayBuffer).num_rows)).toBe(n);
  });
});
