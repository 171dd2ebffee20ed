/**
 * PyQL benchmark: three scripts over 1,000,000 synthetic rows (10,000 people) held in memory as
 * one RowBlock, exactly the representation the shards decode into, and (4) the bench:query event
 * query over 1,000,000 rows of 100,000 people (10 rows each). Prints rows/s per script.
 * Run: `npm run bench:lang` (env: REPS=runs, ONLY=script numbers, LANG_ONLY=0 skips the
 * language-only figures).
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { compile, type Program } from '../lang/index.ts';
import type { ResultTree } from '../lang/result.ts';
import type { ColumnVector, PersonSlice, RowBlock } from '../lang/columns.ts';
import { schemaOf } from '../test/fixtures/rows.ts';
import { xorshift32 } from './prng.ts';

const PEOPLE = 10_000;
const ROWS = 1_000_000;
const PER = ROWS / PEOPLE;

// Seeded, so every run measures the same data.
const rand = xorshift32(0x9e3779b9);

const schema = schemaOf({ country: 'text', product: 'text', category: 'text', price: 'double', qty: 'int', member: 'bool', tags: 'text[]' }, [], 'bench');

function buildData(): { block: RowBlock; slices: PersonSlice[] } {
  const countries = Array.from({ length: 30 }, (_, i) => `country_${i}`);
  const products = Array.from({ length: 200 }, (_, i) => `product_${i}`);
  const actions = ['view', 'cart', 'purchase', 'search'];
  const tagDict = ['red', 'blue', 'green', 'sale', 'new'];
  const stamp = new Float64Array(ROWS);
  const event = new Int32Array(ROWS);
  const action = new Int32Array(ROWS);
  const country = new Int32Array(ROWS);
  const product = new Int32Array(ROWS);
  const price = new Float64Array(ROWS);
  const qty = new Float64Array(ROWS);
  const member = new Float64Array(ROWS);
  const offsets = new Int32Array(ROWS + 1);
  const tagCodes: number[] = [];
  const slices: PersonSlice[] = [];
  let r = 0;
  for (let p = 0; p < PEOPLE; p++) {
    const start = r;
    let t = Date.UTC(2024, 0, 1) + Math.floor(rand() * 86_400_000 * 300);
    const home = Math.floor(rand() * countries.length);
    for (let i = 0; i < PER; i++, r++) {
      t += Math.floor(rand() * 86_400_000 * 2);
      stamp[r] = t;
      event[r] = i;
      const a = rand();
      action[r] = a < 0.5 ? 0 : a < 0.7 ? 1 : a < 0.9 ? 2 : 3;
      country[r] = rand() < 0.9 ? home : Math.floor(rand() * countries.length);
      product[r] = Math.floor(rand() * products.length);
      price[r] = rand() < 0.05 ? NaN : Math.round(rand() * 50_000) / 100;
      qty[r] = 1 + Math.floor(rand() * 5);
      member[r] = rand() < 0.3 ? 1 : 0;
      const nt = Math.floor(rand() * 3);
      for (let k = 0; k < nt; k++) tagCodes.push(Math.floor(rand() * tagDict.length));
      offsets[r + 1] = tagCodes.length;
    }
    slices.push({ block: undefined as unknown as RowBlock, start, end: r, id: `person_${p}` });
  }
  const columns = new Map<string, ColumnVector>([
    ['country', { kind: 'text', codes: country, dict: countries }],
    ['product', { kind: 'text', codes: product, dict: products }],
    ['price', { kind: 'num', values: price }],
    ['qty', { kind: 'num', values: qty }],
    ['member', { kind: 'num', values: member }],
    ['tags', { kind: 'textset', offsets, codes: Int32Array.from(tagCodes), dict: tagDict }],
  ]);
  const block: RowBlock = { length: ROWS, stamp, event, action: { codes: action, dict: actions }, columns };
  for (const s of slices) s.block = block;
  return { block, slices };
}

const QUERY_PEOPLE = 100_000;
const QUERY_PER = ROWS / QUERY_PEOPLE;

/** bench:query's event data per shard, all in one block: 5 actions, 30 categories, 10 rows a person. */
function buildQueryData(): PersonSlice[] {
  const actions = ['view', 'cart_item', 'purchase', 'search', 'return'];
  const categories = Array.from({ length: 30 }, (_, i) => `category_${i}`);
  const stamp = new Float64Array(ROWS);
  const event = new Int32Array(ROWS);
  const action = new Int32Array(ROWS);
  const category = new Int32Array(ROWS);
  const slices: PersonSlice[] = [];
  let r = 0;
  for (let p = 0; p < QUERY_PEOPLE; p++) {
    const start = r;
    let t = Date.UTC(2024, 0, 1) + Math.floor(rand() * 86_400_000 * 300);
    for (let i = 0; i < QUERY_PER; i++, r++) {
      t += Math.floor(rand() * 300_000);
      stamp[r] = t;
      event[r] = i;
      action[r] = Math.floor(rand() * actions.length);
      category[r] = Math.floor(rand() * categories.length);
    }
    slices.push({ block: undefined as unknown as RowBlock, start, end: r, id: `user${p}` });
  }
  const columns = new Map<string, ColumnVector>([['category', { kind: 'text', codes: category, dict: categories }]]);
  const block: RowBlock = { length: ROWS, stamp, event, action: { codes: action, dict: actions }, columns };
  for (const s of slices) s.block = block;
  return slices;
}

const SCRIPTS: { name: string; target: number; script: string; query?: true }[] = [
  { name: '(1) match: tally(country)', target: 20e6, script: 'match:\n    tally(country)' },
  {
    name: "(2) match where action == 'purchase': tally(country, product) [count person, sum price]",
    target: 20e6,
    script: ['aggregate:', '    count person', '    sum price', "match where action == 'purchase':", '    tally(country, product)'].join('\n'),
  },
  {
    name: '(3) next purchase of a different product within 7 days',
    target: 5e6,
    script: [
      "match where action == 'purchase':",
      '    p = product',
      '    t = stamp',
      '    iter_next()',
      "    match where action == 'purchase':",
      '        if not iter_within(7 days, t):',
      '            break',
      '        if product != p:',
      '            tally(p, product)',
      '            break',
    ].join('\n'),
  },
  {
    name: '(4) bench:query event query: match: tally(action, category) [count person], 100,000 people x 10 rows',
    target: 10e6,
    script: 'match:\n    tally(action, category)',
    query: true,
  },
];

/**
 * Best times over `reps` runs (the first two warm up) of every person through `program`: wall
 * clock, and process CPU time (less disturbed when other work shares the machine's cores).
 */
function time(program: Program, slices: PersonSlice[], newResult: () => ResultTree, reps: number): { wall: number; cpu: number } {
  let wall = Infinity;
  let cpu = Infinity;
  for (let rep = 0; rep < reps; rep++) {
    const ctx = { result: newResult(), now: Date.now(), sessionTime: 1_800_000, budget: { remaining: 1e12 } };
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    for (const s of slices) program.run(s, ctx);
    const ms = performance.now() - t0;
    const c = process.cpuUsage(c0);
    if (rep > 1) {
      wall = Math.min(wall, ms);
      cpu = Math.min(cpu, (c.user + c.system) / 1000);
    }
  }
  return { wall, cpu };
}

function rates(t: { wall: number; cpu: number }): string {
  return `${(ROWS / t.wall / 1000).toFixed(1)}M rows/s wall (${t.wall.toFixed(1)} ms), ${(ROWS / t.cpu / 1000).toFixed(1)}M rows/s CPU (${t.cpu.toFixed(1)} ms)`;
}

/**
 * `--lang-only` discards tally results (a sink instead of the ResultTree): the language's own cost.
 * It runs in a separate process so the sink does not make the real run's call sites polymorphic.
 */
function main(): void {
  const langOnly = process.argv.includes('--lang-only');
  const { slices } = buildData();
  const querySlices = buildQueryData();
  const reps = Number(process.env.REPS ?? 12);
  // ONLY=2 (or ONLY=1,3) runs just those scripts: quicker before/after comparisons.
  const only = process.env.ONLY?.split(',').map(Number) ?? null;
  if (!langOnly) {
    console.log(`PyQL bench: ${ROWS.toLocaleString('en-US')} rows, ${PEOPLE.toLocaleString('en-US')} people, node ${process.version}, best of ${reps - 2} runs`);
  }
  for (const [n, { name, target, script, query }] of SCRIPTS.entries()) {
    if (only !== null && !only.includes(n + 1)) continue;
    const program = compile(script, schema, { mode: 'event' });
    const people = query ? querySlices : slices;
    if (langOnly) {
      const sink = { beginPerson() {}, tally() {}, child: () => 0, addPath() {}, addPersonLeaf() {} } as unknown as ResultTree;
      console.log(`${name}\n    language only (tally results discarded): ${rates(time(program, people, () => sink, reps))}`);
      continue;
    }
    const t = time(program, people, () => program.newResult(), reps);
    const ok = ROWS / t.wall / 1000 >= target / 1e6 ? 'ok' : 'BELOW TARGET';
    console.log(`${name}\n    ${rates(t)}; target ${target / 1e6}M (wall): ${ok}`);
  }
  if (!langOnly && process.env.LANG_ONLY !== '0') {
    execFileSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--lang-only'], { stdio: 'inherit' });
  }
}

main();
