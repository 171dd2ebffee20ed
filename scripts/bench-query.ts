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

function strArg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

const EVENTS = arg('events', 1_000_000);
const PEOPLE = arg('people', 100_000);
const RUNS = arg('runs', 7);
const PARTITIONS = 4;
const BATCH = 10_000;
const PARALLEL = 4;
const T = 'bench';

const ACTIONS = ['view', 'cart_item', 'purchase', 'search'];
const GROUPS = ['basement', 'garage', 'kitchen', 'outdoor', 'angling', 'restaurant', 'bedroom', 'bathroom'];
const SHIPPERS = ['fedex', 'ups', 'usps', 'dhl'];
let segmentRuns = 0;

/** Deterministic generator (mulberry32) so runs are comparable. */
function rng(seed: number): () => number {
  return () => {
    seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function* batches(): Generator<unknown[]> {
  const r = rng(1);
  const perPerson = Math.max(1, Math.round(EVENTS / PEOPLE));
  const base = Date.UTC(2024, 0, 1);
  let batch: unknown[] = [];
  let made = 0;
  for (let p = 0; p < PEOPLE && made < EVENTS; p++) {
    let stamp = base + Math.floor(r() * 300 * 86_400_000);
    for (let i = 0; i < perPerson && made < EVENTS; i++, made++) {
      stamp += Math.floor(r() * 6 * 3_600_000);
      const action = ACTIONS[Math.floor(r() * ACTIONS.length)];
      batch.push({
        person: `user${p}`,
        stamp,
        action,
        _: {
          product_name: `product ${Math.floor(r() * 500)}`,
          product_price: Math.round(r() * 100000) / 100,
          product_group: GROUPS.filter(() => r() < 0.2),
          shipper: SHIPPERS[Math.floor(r() * SHIPPERS.length)],
          cart_size: 1 + Math.floor(r() * 8),
        },
      });
      if (batch.length === BATCH) {
        yield batch;
        batch = [];
      }
    }
  }
  if (batch.length > 0) yield batch;
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const persist = strArg('persist');
  const reuse = persist !== undefined && existsSync(persist);
  const srv = await startServer(persist === undefined ? {} : { persistDir: persist });
  try {
    if (reuse) {
      await runQueries(srv, EVENTS);
      return;
    }
    const init = await srv.put(`/v1/cluster/init?partitions=${PARTITIONS}`);
    if (init.status !== 200) throw new Error(`init: ${JSON.stringify(init.body)}`);
    const create = await srv.post(`/v1/table/${T}`, {
      columns: [
        { name: 'product_name', type: 'text' },
        { name: 'product_price', type: 'double' },
        { name: 'product_group', type: 'text', is_set: true },
        { name: 'shipper', type: 'text' },
        { name: 'cart_size', type: 'int' },
      ],
      z_order: ['purchase', 'cart_item'],
    });
    if (create.status !== 200) throw new Error(`create: ${JSON.stringify(create.body)}`);

    const t0 = performance.now();
    let inserted = 0;
    const it = batches();
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
  {

    const text = (path: string, body: string) => () => srv.fetch(path, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
    const get = (path: string) => () => srv.fetch(path);
    const queries: { name: string; call: () => Promise<Response>; scans: boolean }[] = [
      { name: 'event query, 2-level tally', scans: true, call: text(`/v1/query/${T}/event`, `match:\n    tally(action, shipper)\n`) },
      {
        name: 'sequence query (view then purchase)',
        scans: true,
        call: text(`/v1/query/${T}/event`, `match where action == 'view':\n    match where action == 'purchase':\n        tally(product_group)\n        break all\n`),
      },
      { name: 'column query (product_name)', scans: false, call: get(`/v1/query/${T}/column/product_name`) },
      {
        name: 'segment query from indexes (new def)',
        scans: false,
        // A different pair of groups each run, so every run computes (from the value index) and stores.
        call: () => {
          const a = GROUPS[segmentRuns % GROUPS.length], b = GROUPS[(segmentRuns++ + 3) % GROUPS.length];
          return text(`/v1/query/${T}/segment`, `@segment outdoorsy\n    match where product_group in ['${a}', '${b}']:\n        tally()\n`)();
        },
      },
      {
        name: 'segment query, repeated (stored)',
        scans: false,
        call: text(`/v1/query/${T}/segment`, `@segment repeated\n    match where product_group in ['outdoor', 'angling']:\n        tally()\n`),
      },
      { name: 'histogram with bucket', scans: true, call: text(`/v1/query/${T}/histogram/spend?bucket=500`, `return SUM product_price where action == 'purchase'\n`) },
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
}

await main();
