/**
 * Query benchmark (npm run bench:query): loads synthetic events into a local 4-partition cluster
 * (a `wrangler dev` on a free port with a temporary persistence directory) and prints the median
 * latency of each query kind plus events/s scanned by the event queries.
 *
 *   npm run bench:query -- [--events 1000000] [--people 100000] [--runs 7] [--persist DIR]
 *
 * With --persist DIR the data stays in DIR and a second run with the same DIR skips the load.
 */
import { existsSync } from 'node:fs';
import { startServer, type Server } from '../test/api/harness.ts';
import { BENCH_TABLE, generateBatches } from './gen-events.ts';
import { intArg, parseArgs } from './cli-args.ts';

const args = parseArgs();
const EVENTS = intArg(args, 'events', 1_000_000);
const PEOPLE = intArg(args, 'people', 100_000);
const RUNS = intArg(args, 'runs', 7);
const PARTITIONS = 4;
const BATCH = 10_000;
const PARALLEL = 4;
const T = 'bench';

const TAGS = ['red', 'blue', 'small', 'large', 'retro', 'sale', 'new', 'eco'];
let segmentRuns = 0;

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const persist = args.get('persist');
  const reuse = persist !== undefined && existsSync(persist);
  const srv = await startServer(persist === undefined ? {} : { persistDir: persist });
  try {
    if (reuse) {
      await runQueries(srv, EVENTS);
      return;
    }
    const init = await srv.put(`/v1/cluster/init?partitions=${PARTITIONS}`);
    if (init.status !== 200) throw new Error(`init: ${JSON.stringify(init.body)}`);
    const create = await srv.post(`/v1/table/${T}`, BENCH_TABLE);
    if (create.status !== 200) throw new Error(`create: ${JSON.stringify(create.body)}`);

    const t0 = performance.now();
    let inserted = 0;
    const it = generateBatches({ count: EVENTS, people: PEOPLE, batch: BATCH, seed: 1 });
    const worker = async (): Promise<void> => {
      for (let next = it.next(); !next.done; next = it.next()) {
        let r = await srv.post(`/v1/insert/${T}`, next.value);
        // wrangler dev restarts the worker when any source file changes (other work in the tree);
        // inserts are idempotent, so a retry is safe.
        for (let tries = 0; r.status === 503 && tries < 5; tries++) r = await srv.post(`/v1/insert/${T}`, next.value);
        if (r.status !== 200) throw new Error(`insert: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        inserted += (r.body as { inserted: number; duplicates: number }).inserted + (r.body as { duplicates: number }).duplicates;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL }, worker));
    const loadS = (performance.now() - t0) / 1000;
    console.log(`loaded ${inserted} events (${PEOPLE} people, ${PARTITIONS} partitions) in ${loadS.toFixed(1)} s (${Math.round(inserted / loadS)} events/s)`);
    await runQueries(srv, inserted);
  } finally {
    await srv.stop();
  }
}

async function runQueries(srv: Server, inserted: number): Promise<void> {
  const text = (path: string, body: string) => () => srv.fetch(path, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
  const get = (path: string) => () => srv.fetch(path);
  const queries: { name: string; call: () => Promise<Response>; scans: boolean }[] = [
    { name: 'event query, 2-level tally', scans: true, call: text(`/v1/query/${T}/event`, `match:\n    tally(action, category)\n`) },
    {
      name: 'sequence query (view then purchase)',
      scans: true,
      call: text(`/v1/query/${T}/event`, `match where action == 'view':\n    match where action == 'purchase':\n        tally(category)\n        break all\n`),
    },
    { name: 'column query (product, 500 values)', scans: false, call: get(`/v1/query/${T}/column/product`) },
    {
      name: 'segment query from indexes (new def)',
      scans: false,
      // A different pair of tags each run, so every run computes (from the value index) and stores.
      call: () => {
        const a = TAGS[segmentRuns % TAGS.length], b = TAGS[(segmentRuns++ + 3) % TAGS.length];
        return text(`/v1/query/${T}/segment`, `@segment tagged\n    match where tags in ['${a}', '${b}']:\n        tally()\n`)();
      },
    },
    {
      name: 'segment query, repeated (stored)',
      scans: false,
      call: text(`/v1/query/${T}/segment`, `@segment repeated\n    match where tags in ['red', 'retro']:\n        tally()\n`),
    },
    { name: 'histogram with bucket', scans: true, call: text(`/v1/query/${T}/histogram/spend?bucket=500`, `return SUM price where action == 'purchase'\n`) },
    { name: 'person query', scans: false, call: get(`/v1/query/${T}/person?sid=user4242`) },
    { name: 'GET /ping (HTTP floor of wrangler dev)', scans: false, call: get('/ping') },
  ];
  console.log(`\nmedian of ${RUNS} runs after one warm-up:`);
  for (const q of queries) {
    const times: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const s = performance.now();
      const r = await q.call();
      const body = await r.text();
      const ms = performance.now() - s;
      if (r.status !== 200) throw new Error(`${q.name}: ${r.status} ${body.slice(0, 300)}`);
      if (i > 0) times.push(ms);
    }
    const m = median(times);
    const rate = q.scans ? `  ${(inserted / (m / 1000) / 1e6).toFixed(2)} M events/s` : '';
    console.log(`  ${q.name.padEnd(42)} ${m.toFixed(1).padStart(8)} ms${rate}`);
  }
}

await main();
