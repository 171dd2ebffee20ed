/**
 * `npm run bench:insert [-- --url http://127.0.0.1:8787] [--events 1000000] [--batch 1000]
 *  [--concurrency 16] [--partitions 24] [--people 50000]`
 * Posts synthetic events (scripts/gen-events.ts) in batches with several requests in flight and prints
 * end-to-end events/s (every response means durably committed), then SQLite bytes/event and memory
 * bytes/event from GET /v1/admin/stats (and the workerd process RSS when this script started the server).
 * Without --url it starts its own `wrangler dev` on a free port with a temporary persistence directory.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { BENCH_TABLE, generateBatches } from './gen-events.ts';
import { intArg, parseArgs } from './cli-args.ts';
import { fmt } from './fmt.ts';
import { requestJson } from './http-json.ts';
import { startServer, type Server } from '../test/api/harness.ts';

const args = parseArgs();
const total = intArg(args, 'events', 1_000_000);
const batchSize = intArg(args, 'batch', 1000);
// With 4 in flight the runtime sat idle while requests waited for their commits; 16 lets the shards'
// group commit share each SQLite transaction among more inserts.
const concurrency = intArg(args, 'concurrency', 16);
const partitions = intArg(args, 'partitions', 24);
const people = intArg(args, 'people', 50_000);

/** Pids of the workerd processes in a process group (wrangler runs a proxy and the runtime). */
function workerdPids(group: number): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const fields = stat.split(') ')[1].split(' ');
      if (Number(fields[2]) === group && stat.includes('(workerd)')) out.push(pid);
    } catch {
      // Process went away while reading.
    }
  }
  return out;
}

/** Resident set size in bytes. */
function rssOf(pid: string): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : NaN;
}

/** User + system CPU seconds used so far (clock ticks of 1/100 s). */
function cpuSecondsOf(pid: string): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  let server: Server | null = null;
  let base = args.get('url')?.replace(/\/+$/, '');
  if (base === undefined) {
    process.stdout.write('starting wrangler dev on a temporary directory... ');
    server = await startServer();
    base = server.url;
    console.log(base);
  }
  try {
    const member = await requestJson<{ part_of_cluster: boolean }>(`${base}/v1/cluster/is_member`);
    if (!member.body.part_of_cluster) {
      const init = await requestJson(`${base}/v1/cluster/init?partitions=${partitions}`, 'PUT');
      if (init.status !== 200) throw new Error(`init: ${JSON.stringify(init.body)}`);
    } else {
      console.log('note: cluster already initialised; using its partition count');
    }
    const table = `bench_insert_${Date.now()}`;
    const created = await requestJson(`${base}/v1/table/${table}`, 'POST', BENCH_TABLE);
    if (created.status !== 200) throw new Error(`create table: ${JSON.stringify(created.body)}`);

    process.stdout.write(`generating ${fmt(total)} events for ${fmt(Math.min(people, total))} people... `);
    const bodies: string[] = [];
    for (const b of generateBatches({ count: total, people, batch: batchSize, seed: Date.now() % 1_000_000 })) bodies.push(JSON.stringify(b));
    const bytes = bodies.reduce((s, b) => s + b.length, 0);
    console.log(`${bodies.length} batches, ${fmt(bytes / 1e6, 1)} MB of JSON`);

    const pids = server?.processGroup ? workerdPids(server.processGroup) : [];
    const sum = (f: (pid: string) => number): number | null => (pids.length === 0 ? null : pids.reduce((s, p) => s + f(p), 0));
    const rssBefore = sum(rssOf);
    const cpuBefore = sum(cpuSecondsOf);
    let next = 0, inserted = 0, done = 0;
    const started = performance.now();
    let lastReport = started;
    const worker = async (): Promise<void> => {
      while (next < bodies.length) {
        const body = bodies[next++];
        const r = await requestJson<{ inserted: number }>(`${base}/v1/insert/${table}`, 'POST', body);
        if (r.status !== 200) throw new Error(`insert failed (${r.status}): ${JSON.stringify(r.body).slice(0, 300)}`);
        inserted += r.body.inserted;
        done++;
        const now = performance.now();
        if (now - lastReport > 5000) {
          lastReport = now;
          console.log(`  ${fmt(done * batchSize)} events, ${fmt((done * batchSize) / ((now - started) / 1000))} events/s so far`);
        }
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = sum(cpuSecondsOf);
    const cpu = cpuBefore !== null && cpuAfter !== null ? cpuAfter - cpuBefore : null;

    console.log(`\ninsert: ${fmt(inserted)} events in ${fmt(seconds, 2)} s = ${fmt(inserted / seconds)} events/s ` +
      `(batches of ${batchSize}, ${concurrency} in flight, ${member.body.part_of_cluster ? 'existing' : partitions}-partition cluster)`);
    if (cpu !== null) {
      console.log(`workerd CPU (${pids.length} processes): ${fmt(cpu, 1)} s in ${fmt(seconds, 1)} s wall (${fmt((cpu / seconds) * 100)}% of one core) = ${fmt((cpu / inserted) * 1e6, 1)} µs/event`);
    }

    const stats = await requestJson<{ total: Record<string, number>; partitions: number }>(`${base}/v1/admin/stats`);
    if (stats.status !== 200) {
      console.log(`stats unavailable: ${JSON.stringify(stats.body)}`);
      return;
    }
    const t = stats.body.total;
    const rows = t.rows ?? inserted;
    console.log(`storage: ${fmt(rows)} rows in ${stats.body.partitions} partitions; SQLite ${fmt(t.sqliteBytes / 1e6, 1)} MB = ${fmt(t.sqliteBytes / inserted, 1)} bytes/event`);
    console.log(`memory (store estimate): ${fmt(t.residentBytes / 1e6, 1)} MB = ${fmt(t.residentBytes / inserted, 1)} bytes/event`);
    const rssAfter = sum(rssOf);
    if (rssBefore !== null && rssAfter !== null) {
      console.log(`memory (workerd RSS): ${fmt(rssBefore / 1e6)} MB before, ${fmt(rssAfter / 1e6)} MB after = ${fmt((rssAfter - rssBefore) / inserted, 1)} bytes/event growth`);
    }
  } finally {
    await server?.stop();
  }
}

main().catch((e: Error) => {
  console.error(`bench:insert failed: ${e.message}`);
  process.exit(1);
});
