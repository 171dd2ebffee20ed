/**
 * One Parquet object written to R2 while it is encoded: row groups go to an R2ObjectWriter as they
 * are produced (single put, or multipart past one part), and a failure aborts the upload.
 */
import type { TableSchema } from '../../lang/schema.ts';
import { ParquetTableEncoder } from './parquet-encode.ts';
import type { EncodeOptions } from './parquet-encode.ts';
import { R2ObjectWriter } from './r2-upload.ts';
import type { UploadBucket } from './r2-upload.ts';

export interface WrittenFile {
  key: string;
  rows: number;
  bytes: number;
  /** 0 for a single put, else the number of multipart parts. */
  parts: number;
}

/** Encode what `fill` writes into `encoder` as the object `key`. */
export async function writeParquetObject(
  bucket: UploadBucket,
  key: string,
  partBytes: number,
  table: TableSchema,
  options: EncodeOptions,
  fill: (encoder: ParquetTableEncoder) => Promise<void>,
): Promise<WrittenFile> {
  const out = new R2ObjectWriter(bucket, key, partBytes);
  try {
    const encoder = new ParquetTableEncoder(table, (bytes) => out.write(bytes), options);
    await fill(encoder);
    const { rows } = await encoder.finish();
    const result = await out.close();
    return { key, rows, bytes: result.bytes, parts: result.parts };
  } catch (err) {
    await out.abort();
    throw err;
  }
}
