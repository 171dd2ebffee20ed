/**
 * Query benchmark (npm run bench:query): loads synthetic events into a local 4-partition cluster and
 * prints the median latency of each query kind, twice: through the port `wrangler dev` serves (its
 * dev proxy adds a hop) and straight to the runtime's own socket (what a deployed Worker's latency
 * compares with), plus events/s for the queries that scan every person (table size / latency).
 *
 *   npm run bench:query -- [--events 1000000] [--people 100000] [--runs 7] [--persist DIR]
 *
 * With --persist DIR the data stays in DIR and a second run with the same DIR skips the load.
 */
import { existsSync } from 'node:fs';
import { intArg, parseArgs } from './cli-args.ts';
import { startDevRuntime } from './dev-runtime.ts';
import { BENCH_TABLE, generateBatches } from './gen-events.ts';

const args = parseArgs();
const EVENTS = intArg(args, 'events', 1_000_000);
const PEOPLE = intArg(args, 'people', 100_000);
const RUNS = intArg(args, 'runs', 7);
const PERSIST = args.get('persist');
const PARTITIONS = 4;
const BATCH = 10_000;
const PARALLEL = 4;
const T = 'bench';
const PERSON = 'user' + (4242 % PEOPLE);

const TAGS = ['red', 'blue', 'small', 'large', 'retro', 'sale', 'new', 'eco'];

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function send(base: string, path: string, method: string, body?: string, type = 'text/plain'): Promise<{ status: number; text: string }> {
  const r = await fetch(base + path, { method, body, headers: body === undefined ? {} : { 'content-type': type } });
  return { status: r.status, text: await r.text() };
}

async function load(base: string): Promise<number> {
  const ok = async (what: string, r: Promise<{ status: number; text: string }>): Promise<string> => {
    const x = await r;
    if (x.status !== 200) throw new Error(`${what}: ${x.status} ${x.text.slice(0, 300)}`);
    return x.text;
  };
  await ok('init', send(base, `/v1/cluster/init?partitions=${PARTITIONS}`, 'PUT'));
  await ok('create', send(base, `/v1/table/${T}`, 'POST', JSON.stringify(BENCH_TABLE), 'application/json'));
  const t0 = performance.now();
  let inserted = 0;
  const it = generateBatches({ count: EVENTS, people: PEOPLE, batch: BATCH, seed: 1 });
  const worker = async (): Promise<void> => {
    for (let next = it.next(); !next.done; next = it.next()) {
      const body = JSON.parse(await ok('insert', send(base, `/v1/insert/${T}`, 'POST', JSON.stringify(next.value), 'application/json'))) as { inserted: number; duplicates: number };
      inserted += body.inserted + body.duplicates;
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const loadS = (performance.now() - t0) / 1000;
  console.log(`loaded ${inserted} events (${PEOPLE} people, ${PARTITIONS} partitions) in ${loadS.toFixed(1)} s (${Math.round(inserted / loadS)} events/s)`);
  return inserted;
}

interface Query {
  name: string;
  /** Scans every person: print events/s. */
  scans: boolean;
  /** The request (base = proxy or direct address); `before` runs untimed first. */
  call: (base: string) => Promise<{ status: number; text: string }>;
  before?: (base: string) => Promise<void>;
}

function queries(): Query[] {
  const post = (path: string, body: string) => (base: string) => send(base, path, 'POST', body);
  const get = (path: string) => (base: string) => send(base, path, 'GET');
  let segmentRuns = 0;
  let extraEvents = 0;
  return [
    { name: 'event query, 2-level tally', scans: true, call: post(`/v1/query/${T}/event`, `match:\n    tally(action, category)\n`) },
    {
      name: 'sequence query (view then purchase)',
      scans: true,
      call: post(`/v1/query/${T}/event`, `match where action == 'view':\n    match where action == 'purchase':\n        tally(category)\n        break all\n`),
    },
    { name: 'column query (product, 500 values)', scans: false, call: get(`/v1/query/${T}/column/product`) },
    {
      name: 'segment from indexes, new definition',
      scans: false,
      // A different pair of tags each run, so every run computes (from the value index) and stores.
      call: (base) => {
        const a = TAGS[segmentRuns % TAGS.length], b = TAGS[(segmentRuns++ + 3) % TAGS.length];
        return post(`/v1/query/${T}/segment`, `@segment tagged\n    match where tags in ['${a}', '${b}']:\n        tally()\n`)(base);
      },
    },
    {
      name: 'segment from indexes, repeated',
      scans: false,
      call: post(`/v1/query/${T}/segment`, `@segment repeated\n    match where tags in ['red', 'retro']:\n        tally()\n`),
    },
    { name: 'histogram with bucket', scans: true, call: post(`/v1/query/${T}/histogram/spend?bucket=500`, `return SUM price where action == 'purchase'\n`) },
    { name: 'person query', scans: false, call: get(`/v1/query/${T}/person?sid=${PERSON}`) },
    {
      // Last: each run stores one more event of the person, so the shard's decoded view is stale
      // and the person's rows come from column chunks plus a delta.
      name: 'person query right after an insert',
      scans: false,
      before: async (base) => {
        const ev = { person: PERSON, stamp: Date.now() + extraEvents++, action: 'view', _: { product: 'product1', tags: ['red'] } };
        const r = await send(base, `/v1/insert/${T}`, 'POST', JSON.stringify([ev]), 'application/json');
        if (r.status !== 200) throw new Error(`insert before person query: ${r.status} ${r.text.slice(0, 300)}`);
      },
      call: get(`/v1/query/${T}/person?sid=${PERSON}`),
    },
    { name: 'GET /ping (HTTP floor)', scans: false, call: get('/ping') },
  ];
}

/** Median ms per query through both addresses; runs alternate between them so both see the same load. */
async function runQueries(proxy: string, direct: string, inserted: number): Promise<void> {
  console.log(`\nmedian of ${RUNS} runs after one warm-up; "via wrangler dev" goes through its dev proxy, "direct" to the runtime's socket:`);
  console.log(`  ${'query'.padEnd(40)} ${'via wrangler dev'.padStart(18)} ${'direct'.padStart(10)}   events/s (direct)`);
  for (const q of queries()) {
    const times = new Map<string, number[]>([[proxy, []], [direct, []]]);
    for (let i = 0; i <= RUNS; i++) {
      for (const base of [proxy, direct]) {
        await q.before?.(base);
        const s = performance.now();
        const r = await q.call(base);
        const ms = performance.now() - s;
        if (r.status !== 200) throw new Error(`${q.name}: ${r.status} ${r.text.slice(0, 300)}`);
        if (i > 0) times.get(base)!.push(ms);
      }
    }
    const mp = median(times.get(proxy)!), md = median(times.get(direct)!);
    const rate = q.scans ? `   ${(inserted / (md / 1000) / 1e6).toFixed(2)} M` : '';
    console.log(`  ${q.name.padEnd(40)} ${mp.toFixed(1).padStart(15)} ms ${md.toFixed(1).padStart(7)} ms${rate}`);
  }
}

async function main(): Promise<void> {
  const reuse = PERSIST !== undefined && existsSync(PERSIST);
  const rt = await startDevRuntime(PERSIST);
  try {
    const inserted = reuse ? EVENTS : await load(rt.directUrl);
    await runQueries(rt.proxyUrl, rt.directUrl, inserted);
  } finally {
    await rt.stop();
  }
}

await main();
