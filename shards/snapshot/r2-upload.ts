/**
 * Streams bytes into one R2 object: a single put when everything fits in one part, otherwise an R2
 * multipart upload. R2 wants every part but the last to have the same size (at least 5 MiB), so
 * bytes are cut into exact `partBytes` pieces; memory stays at one part.
 */

/** The slice of R2Bucket this module uses (an R2Bucket satisfies it; unit tests pass a fake). */
export interface UploadBucket {
  put(key: string, value: ArrayBuffer | ArrayBufferView, options?: { customMetadata?: Record<string, string> }): Promise<unknown>;
  createMultipartUpload(key: string, options?: { customMetadata?: Record<string, string> }): Promise<MultipartTarget>;
}

export interface UploadedPart {
  partNumber: number;
  etag: string;
}

export interface MultipartTarget {
  uploadPart(partNumber: number, value: ArrayBuffer | ArrayBufferView): Promise<UploadedPart>;
  complete(parts: UploadedPart[]): Promise<unknown>;
  abort(): Promise<void>;
}

/** R2's minimum size of every part but the last. */
export const MIN_PART_BYTES = 5 * 1024 * 1024;
export const DEFAULT_PART_BYTES = 16 * 1024 * 1024;

export interface UploadResult {
  key: string;
  bytes: number;
  /** 0 for a single put, else the number of multipart parts. */
  parts: number;
}

export class R2ObjectWriter {
  private readonly bucket: UploadBucket;
  private readonly key: string;
  private readonly partBytes: number;
  private readonly metadata: Record<string, string> | undefined;
  private buffer: Uint8Array;
  private filled = 0;
  private total = 0;
  private upload: MultipartTarget | null = null;
  private readonly parts: UploadedPart[] = [];

  constructor(bucket: UploadBucket, key: string, partBytes = DEFAULT_PART_BYTES, metadata?: Record<string, string>) {
    if (!(partBytes > 0)) throw new Error('part size must be positive');
    this.bucket = bucket;
    this.key = key;
    this.partBytes = partBytes;
    this.metadata = metadata;
    this.buffer = new Uint8Array(partBytes);
  }

  /** Append bytes; uploads every part that fills up. */
  async write(bytes: Uint8Array): Promise<void> {
    let at = 0;
    while (at < bytes.length) {
      const n = Math.min(bytes.length - at, this.partBytes - this.filled);
      this.buffer.set(bytes.subarray(at, at + n), this.filled);
      this.filled += n;
      this.total += n;
      at += n;
      // A full part is only sent once more bytes exist: the last part may be a full one too.
      if (this.filled === this.partBytes && at < bytes.length) await this.sendPart();
    }
  }

  /** Finish the object; on failure the multipart upload is aborted. */
  async close(): Promise<UploadResult> {
    const options = this.metadata ? { customMetadata: this.metadata } : undefined;
    try {
      if (!this.upload) {
        await this.bucket.put(this.key, this.buffer.subarray(0, this.filled), options);
        return { key: this.key, bytes: this.total, parts: 0 };
      }
      if (this.filled > 0) await this.sendPart();
      await this.upload.complete(this.parts);
      return { key: this.key, bytes: this.total, parts: this.parts.length };
    } catch (err) {
      await this.abort();
      throw err;
    }
  }

  async abort(): Promise<void> {
    const upload = this.upload;
    this.upload = null;
    if (upload) await upload.abort().catch(() => undefined);
  }

  private async sendPart(): Promise<void> {
    if (!this.upload) {
      this.upload = await this.bucket.createMultipartUpload(this.key, this.metadata ? { customMetadata: this.metadata } : undefined);
    }
    const part = this.buffer.subarray(0, this.filled);
    try {
      this.parts.push(await this.upload.uploadPart(this.parts.length + 1, part));
    } catch (err) {
      await this.abort();
      throw err;
    }
    this.buffer = new Uint8Array(this.partBytes);
    this.filled = 0;
  }
}
