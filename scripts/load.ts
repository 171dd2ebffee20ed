/**
 * Bulk loader: sends a local JSON / NDJSON / CSV / Parquet file to `POST /v1/insert/{table}` in batches,
 * with a progress bar and a final summary.
 *
 *   npm run load -- --table events [--url http://127.0.0.1:8787] [--batch 5000] [--concurrency 2]
 *                   [--format json|ndjson|csv|parquet] FILE
 *
 * Format defaults to the file extension (.json, .ndjson/.jsonl, .csv, .parquet). JSON must be an array
 * of events; NDJSON one event per line; CSV has a header row (person|id, stamp, action|event, other
 * columns become attributes; numbers and true/false are typed, `[...]` cells are JSON arrays for set
 * columns, empty cells are absent); Parquet columns are mapped by name (see workers/ingest/parquet.ts).
 */
import { createReadStream, openSync, readSync, closeSync, statSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { AsyncBuffer } from 'hyparquet';
import { parquetMetadataAsync } from 'hyparquet';
import { parquetEventBatches } from '../workers/ingest/parquet.ts';
import { intArg, parseCommandLine } from './cli-args.ts';

type Event = Record<string, unknown>;
const FORMATS = ['json', 'ndjson', 'csv', 'parquet'] as const;
type Format = (typeof FORMATS)[number];

interface Options {
  url: string;
  table: string;
  batch: number;
  concurrency: number;
  format: Format;
  file: string;
}

function usage(msg: string): never {
  process.stderr.write(`${msg}\nusage: npm run load -- --table T [--url URL] [--batch N] [--concurrency N] [--format json|ndjson|csv|parquet] FILE\n`);
  process.exit(2);
}

function options(argv: string[]): Options {
  const { args, operands } = parseCommandLine(argv);
  const known = new Set(['url', 'table', 'batch', 'concurrency', 'format']);
  for (const name of args.keys()) if (!known.has(name)) usage(`unknown option --${name}`);
  const table = args.get('table');
  if (table === undefined) usage('--table is required');
  if (operands.length !== 1) usage(operands.length === 0 ? 'a file is required' : `one file only, got ${operands.join(' ')}`);
  const file = operands[0];
  let batch: number, concurrency: number;
  try {
    batch = intArg(args, 'batch', 5000);
    concurrency = intArg(args, 'concurrency', 2);
  } catch (e) {
    usage((e as Error).message);
  }
  const ext = file.toLowerCase().split('.').pop();
  const format = args.get('format') ?? (ext === 'jsonl' || ext === 'ndjson' ? 'ndjson' : ext === 'csv' ? 'csv' : ext === 'parquet' ? 'parquet' : 'json');
  if (!FORMATS.includes(format as Format)) usage(`unknown format ${format}`);
  const url = (args.get('url') ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  return { url, table, batch, concurrency, format: format as Format, file };
}

/** A batch of events plus how far through the input (0..1) the reader is after it. */
interface Batch {
  events: Event[];
  progress: number;
}

async function* jsonBatches(file: string, size: number): AsyncGenerator<Batch> {
  const all: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(all)) throw new Error('JSON file must hold an array of events');
  for (let i = 0; i < all.length; i += size) yield { events: all.slice(i, i + size) as Event[], progress: Math.min(1, (i + size) / all.length) };
}

/** Lines of a text file with the fraction of bytes consumed so far. */
async function* lines(file: string): AsyncGenerator<{ line: string; progress: number }> {
  const total = Math.max(1, statSync(file).size);
  const stream = createReadStream(file, { encoding: 'utf8' });
  let read = 0;
  stream.on('data', (chunk) => { read += Buffer.byteLength(chunk as string); });
  for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) yield { line, progress: read / total };
}

async function* ndjsonBatches(file: string, size: number): AsyncGenerator<Batch> {
  let events: Event[] = [];
  let progress = 0;
  let n = 0;
  for await (const { line, progress: p } of lines(file)) {
    n++;
    progress = p;
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as Event);
    } catch {
      throw new Error(`line ${n}: not valid JSON`);
    }
    if (events.length >= size) {
      yield { events, progress };
      events = [];
    }
  }
  if (events.length) yield { events, progress: 1 };
}

/** Split one CSV record (RFC 4180 quoting); returns null while a quoted field spans lines. */
function splitCsv(record: string): string[] | null {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < record.length; i++) {
    const c = record[i];
    if (quoted) {
      if (c === '"' && record[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(field); field = ''; }
    else field += c;
  }
  if (quoted) return null;
  out.push(field);
  return out;
}

function csvValue(s: string): unknown {
  if (s === 'true') return true;
  if (s === 'false') return false;
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(s)) return Number(s);
  if (s.startsWith('[')) {
    try {
      return JSON.parse(s);
    } catch {
      return s;
    }
  }
  return s;
}

async function* csvBatches(file: string, size: number): AsyncGenerator<Batch> {
  let header: string[] | null = null;
  let pending = '';
  let events: Event[] = [];
  let progress = 0;
  for await (const { line, progress: p } of lines(file)) {
    progress = p;
    pending = pending ? `${pending}\n${line}` : line;
    const fields = splitCsv(pending);
    if (!fields) continue;
    pending = '';
    if (!header) {
      header = fields.map((h) => h.trim());
      continue;
    }
    if (fields.length === 1 && fields[0] === '') continue;
    const event: Event = {};
    const attrs: Record<string, unknown> = {};
    header.forEach((name, i) => {
      const raw = fields[i] ?? '';
      if (raw === '') return;
      if (name === 'person' || name === 'id') event[name] = /^-?\d+$/.test(raw) ? Number(raw) : raw;
      else if (name === 'stamp' || name === 'action' || name === 'event') event[name] = name === 'stamp' && /^\d+$/.test(raw) ? Number(raw) : raw;
      else attrs[name] = csvValue(raw);
    });
    event._ = attrs;
    events.push(event);
    if (events.length >= size) {
      yield { events, progress };
      events = [];
    }
  }
  if (pending) throw new Error('CSV ends inside a quoted field');
  if (events.length) yield { events, progress: 1 };
}

function fileBuffer(file: string): AsyncBuffer {
  const fd = openSync(file, 'r');
  process.on('exit', () => closeSync(fd));
  return {
    byteLength: statSync(file).size,
    slice(start: number, end?: number): ArrayBuffer {
      const stop = end ?? this.byteLength;
      const buf = Buffer.alloc(stop - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length);
    },
  };
}

async function* parquetBatches(file: string, size: number): AsyncGenerator<Batch> {
  const buffer = fileBuffer(file);
  const total = Math.max(1, Number((await parquetMetadataAsync(buffer)).num_rows));
  for await (const b of parquetEventBatches(buffer, size)) {
    yield { events: b.events, progress: Math.min(1, (b.rows[b.rows.length - 1] + 1) / total) };
  }
}

function readerFor(o: Options): AsyncGenerator<Batch> {
  switch (o.format) {
    case 'json': return jsonBatches(o.file, o.batch);
    case 'ndjson': return ndjsonBatches(o.file, o.batch);
    case 'csv': return csvBatches(o.file, o.batch);
    case 'parquet': return parquetBatches(o.file, o.batch);
  }
}

interface Totals {
  sent: number;
  inserted: number;
  rejected: number;
  failedRequests: number;
  samples: string[];
}

function bar(progress: number, t: Totals, started: number): string {
  const width = 30;
  const done = Math.round(progress * width);
  const secs = (performance.now() - started) / 1000;
  const rate = secs > 0 ? Math.round(t.sent / secs) : 0;
  return `\r[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${(progress * 100).toFixed(1).padStart(5)}%  sent ${t.sent.toLocaleString('en-US')}  inserted ${t.inserted.toLocaleString('en-US')}  rejected ${t.rejected.toLocaleString('en-US')}  ${rate.toLocaleString('en-US')} ev/s`;
}

async function send(o: Options, events: Event[], offset: number, t: Totals): Promise<void> {
  const res = await fetch(`${o.url}/v1/insert/${encodeURIComponent(o.table)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(events),
  });
  const text = await res.text();
  let body: { inserted?: number; rejected?: { index: number; error: string }[]; error?: { message: string; detail: string } } = {};
  try {
    body = JSON.parse(text);
  } catch {
    // reported below
  }
  t.sent += events.length;
  if (typeof body.inserted === 'number' || Array.isArray(body.rejected)) {
    t.inserted += body.inserted ?? 0;
    const rejected = body.rejected ?? [];
    t.rejected += rejected.length;
    for (const r of rejected.slice(0, Math.max(0, 5 - t.samples.length))) t.samples.push(`event ${offset + r.index}: ${r.error}`);
    return;
  }
  t.failedRequests++;
  t.rejected += events.length;
  if (t.samples.length < 5) t.samples.push(`batch at event ${offset}: HTTP ${res.status} ${body.error ? `${body.error.message}: ${body.error.detail}` : text.slice(0, 200)}`);
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const t: Totals = { sent: 0, inserted: 0, rejected: 0, failedRequests: 0, samples: [] };
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  let offset = 0;
  let progress = 0;
  const tty = process.stderr.isTTY;
  let lastDraw = 0;
  const draw = (force = false) => {
    const now = performance.now();
    if (!force && now - lastDraw < (tty ? 100 : 2000)) return;
    lastDraw = now;
    process.stderr.write(tty ? bar(progress, t, started) : `${bar(progress, t, started).slice(1)}\n`);
  };
  for await (const b of readerFor(o)) {
    const p = send(o, b.events, offset, t).then(() => { inFlight.delete(p); draw(); });
    inFlight.add(p);
    offset += b.events.length;
    progress = b.progress;
    if (inFlight.size >= o.concurrency) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  progress = 1;
  draw(true);
  const secs = (performance.now() - started) / 1000;
  process.stderr.write('\n');
  const summary = {
    file: o.file,
    format: o.format,
    table: o.table,
    events_sent: t.sent,
    inserted: t.inserted,
    rejected: t.rejected,
    failed_requests: t.failedRequests,
    seconds: Number(secs.toFixed(2)),
    events_per_second: Math.round(t.sent / Math.max(secs, 1e-9)),
  };
  process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  for (const s of t.samples) process.stderr.write(`  rejected ${s}\n`);
  if (t.failedRequests) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`\nload failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
