/**
 * `npm run bench:snapshot [-- --events 1000000] [--partitions 24] [--people 50000] [--batch 5000] [--concurrency 4]`
 * Loads synthetic events (scripts/gen-events.ts) into its own `wrangler dev`, then measures:
 * - snapshot: POST /v1/admin/snapshot wall time, Parquet bytes and bytes/event;
 * - restore: a new deployment sharing only the R2 directory (empty Durable Objects), POST
 *   /v1/admin/restore?snapshot=latest wall time;
 * - export to R2 and Parquet import: GET /v1/table/T/export?to=r2, then POST /v1/insert/T2 {"r2_key"}
 *   into an empty table, events/s.
 * Everything runs on this machine (workerd + Miniflare R2 on local disk), so figures are local ones.
 * Both runtimes serve a bundle frozen at start (scripts/frozen-worker.ts): editing the sources while the
 * benchmark runs would otherwise restart the runtime mid-step.
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_TABLE, generateBatches } from './gen-events.ts';
import { intArg, parseArgs } from './cli-args.ts';
import { fmt } from './fmt.ts';
import { frozenWorker } from './frozen-worker.ts';
import { startServer, type Server } from '../test/api/harness.ts';

const args = parseArgs();
const total = intArg(args, 'events', 1_000_000);
const partitions = intArg(args, 'partitions', 24);
const people = intArg(args, 'people', 50_000);
const batchSize = intArg(args, 'batch', 5000);
const concurrency = intArg(args, 'concurrency', 4);

/** No step takes near this long at 1M events; a runtime that stops answering fails the run instead of hanging it. */
const STEP_TIMEOUT_MS = 10 * 60_000;

async function call(base: string, path: string, method = 'GET', body?: unknown): Promise<any> {
  const r = await fetch(base + path, {
    method,
    body: body === undefined ? undefined : JSON.stringify(body),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    signal: AbortSignal.timeout(STEP_TIMEOUT_MS),
  });
  const text = await r.text();
  if (r.status !== 200) throw new Error(`${method} ${path} → ${r.status}: ${text.slice(0, 400)}`);
  return JSON.parse(text);
}

async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const v = await fn();
  return [v, (performance.now() - t) / 1000];
}

async function main(): Promise<void> {
  const dirA = mkdtempSync(join(tmpdir(), 'edgeset-bench-snap-'));
  const dirB = mkdtempSync(join(tmpdir(), 'edgeset-bench-restore-'));
  const worker = frozenWorker();
  let a: Server | null = null;
  let b: Server | null = null;
  try {
    a = await startServer({ persistDir: dirA, args: worker.args });
    await call(a.url, `/v1/cluster/init?partitions=${partitions}`, 'PUT');
    await call(a.url, '/v1/table/bench', 'POST', BENCH_TABLE);
    const bodies: string[] = [];
    for (const batch of generateBatches({ count: total, people, batch: batchSize, seed: 42 })) bodies.push(JSON.stringify(batch));
    let next = 0;
    const [, loadSecs] = await timed(() => Promise.all(Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const r = await fetch(`${a!.url}/v1/insert/bench`, { method: 'POST', body: bodies[next++], headers: { 'content-type': 'application/json' } });
        if (r.status !== 200) throw new Error(`insert: ${r.status} ${(await r.text()).slice(0, 300)}`);
        await r.arrayBuffer();
      }
    })));
    bodies.length = 0;
    console.log(`loaded ${fmt(total)} events (${fmt(people)} people, ${partitions} partitions) in ${fmt(loadSecs, 1)} s`);

    const [snap, snapSecs] = await timed(() => call(a!.url, '/v1/admin/snapshot', 'POST'));
    console.log(`snapshot: ${fmt(snap.rows)} rows in ${fmt(snapSecs, 2)} s (${fmt(snap.rows / snapSecs)} rows/s), ` +
      `${fmt(snap.bytes / 1e6, 2)} MB of Parquet = ${fmt(snap.bytes / total, 2)} bytes/event, ${snap.multipart_parts} multipart parts`);

    const [exp, expSecs] = await timed(() => call(a!.url, '/v1/table/bench/export?to=r2'));
    console.log(`export to R2: ${fmt(exp.rows)} rows, ${fmt(exp.bytes / 1e6, 2)} MB in ${fmt(expSecs, 2)} s`);
    await call(a.url, '/v1/table/imported', 'POST', BENCH_TABLE);
    const [imp, impSecs] = await timed(() => call(a!.url, '/v1/insert/imported', 'POST', { r2_key: exp.key }));
    console.log(`Parquet import (r2_key): ${fmt(imp.inserted)} events inserted, ${imp.rejected_count} rejected, in ${fmt(impSecs, 2)} s = ${fmt(imp.events / impSecs)} events/s`);

    await a.stop();
    a = null;
    cpSync(join(dirA, 'v3', 'r2'), join(dirB, 'v3', 'r2'), { recursive: true });
    b = await startServer({ persistDir: dirB, args: worker.args });
    const [restored, restoreSecs] = await timed(() => call(b!.url, '/v1/admin/restore?snapshot=latest', 'POST'));
    const rows = restored.tables.reduce((s: number, t: { rows: number }) => s + t.rows, 0);
    console.log(`restore into an empty deployment: ${fmt(rows)} rows (${restored.tables.length} tables) in ${fmt(restoreSecs, 2)} s (${fmt(rows / restoreSecs)} rows/s)`);
    const stats = await call(b.url, '/v1/admin/stats');
    console.log(`after restore the shards hold ${fmt(stats.total.rows)} rows`);
  } catch (e) {
    // Show what the runtime said: a failed step is easier to read with the Worker's own log.
    console.error((b ?? a)?.log().slice(-3000) ?? '');
    throw e;
  } finally {
    await a?.stop();
    await b?.stop();
    rmSync(dirA, { recursive: true, force: true });
    rmSync(dirB, { recursive: true, force: true });
    worker.dispose();
  }
}

main().catch((e: Error) => {
  console.error(`bench:snapshot failed: ${e.message}`);
  process.exit(1);
});
