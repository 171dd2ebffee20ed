/**
 * Insert bodies by media type → a list of raw events for the one validation path. JSON arrays and
 * NDJSON are built in; other formats (Parquet) register a decoder in BODY_DECODERS.
 */
import { DbError } from '../../lang/errors.ts';
import { UnparsableLine } from './event.ts';

export const MAX_BODY_BYTES = 10 * 1024 * 1024;
export const MAX_EVENTS = 10_000;

export type BodyDecoder = (body: Uint8Array) => unknown[] | Promise<unknown[]>;

const decoder = new TextDecoder('utf-8');

function badBody(code: string, detail: string): DbError {
  return new DbError('insert', code, detail);
}

export function decodeJsonArray(body: Uint8Array): unknown[] {
  const text = decoder.decode(body);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw badBody('bad_json', `insert body is not valid JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(parsed)) throw badBody('not_an_array', 'insert body must be a JSON array of events (or NDJSON with Content-Type: application/x-ndjson)');
  return parsed;
}

/** One event per non-blank line; a line that is not JSON becomes a per-row rejection, not a failed request. */
export function decodeNdjson(body: Uint8Array): unknown[] {
  const out: unknown[] = [];
  const lines = decoder.decode(body).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    try {
      out.push(JSON.parse(line));
    } catch (e) {
      out.push(new UnparsableLine(`line ${i + 1} is not valid JSON: ${(e as Error).message}`));
    }
  }
  return out;
}

/** Media type (lower-cased, parameters dropped) → decoder. A missing Content-Type means JSON. */
export const BODY_DECODERS: Record<string, BodyDecoder> = {
  'application/json': decodeJsonArray,
  'text/plain': decodeJsonArray,
  'application/x-ndjson': decodeNdjson,
  'application/ndjson': decodeNdjson,
  'application/jsonl': decodeNdjson,
  'application/x-jsonlines': decodeNdjson,
};

export function mediaType(contentType: string | null): string {
  if (contentType === null || contentType.trim() === '') return 'application/json';
  return contentType.split(';')[0].trim().toLowerCase();
}

export function decoderFor(contentType: string | null): BodyDecoder {
  const type = mediaType(contentType);
  const d = BODY_DECODERS[type];
  if (d === undefined) {
    throw badBody('unsupported_media_type', `Content-Type '${type}' is not accepted for inserts; use ${Object.keys(BODY_DECODERS).join(', ')}`);
  }
  return d;
}

/** Reads the request body, refusing more than MAX_BODY_BYTES (413) before and while reading. */
export async function readBody(req: Request): Promise<Uint8Array> {
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (declared > MAX_BODY_BYTES) {
    await discard(req.body, DRAIN_LIMIT_BYTES);
    throw tooLarge(`${declared} bytes`);
  }
  if (req.body === null) return new Uint8Array(0);
  // A declared length within the limit is enforced by the runtime, so read the body in one native call.
  if (Number.isFinite(declared)) return new Uint8Array(await req.arrayBuffer());
  const reader = req.body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > MAX_BODY_BYTES) {
      reader.releaseLock();
      await discard(req.body, DRAIN_LIMIT_BYTES - size);
      throw tooLarge(`more than ${MAX_BODY_BYTES} bytes`);
    }
    parts.push(value);
  }
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/**
 * Bytes of a refused body still read (and dropped) before answering 413: a client that sends the whole
 * body before reading the response gets the 413 instead of a connection reset. Past this, cancel.
 */
const DRAIN_LIMIT_BYTES = 64 * 1024 * 1024;

async function discard(body: ReadableStream<Uint8Array> | null, limit: number): Promise<void> {
  if (body === null) return;
  const reader = body.getReader();
  let seen = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    seen += value.byteLength;
    if (seen > limit) {
      await reader.cancel();
      return;
    }
  }
}

function tooLarge(what: string): DbError {
  return badBody('body_too_large', `insert body is ${what}; the limit is ${MAX_BODY_BYTES} bytes (10 MB) per request: split it into several requests`);
}

export function checkEventCount(n: number): void {
  if (n > MAX_EVENTS) {
    throw badBody('too_many_events', `insert body has ${n} events; the limit is ${MAX_EVENTS} per request: split it into several requests`);
  }
}
