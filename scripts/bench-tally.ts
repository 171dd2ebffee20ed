/**
 * ResultTree micro-benchmark: tallies the way compiled PyQL makes them (reused value and distinct
 * buffers; distinct keys = person id / row offset), 1,000,000 rows over 10,000 people, no script
 * around them. Text keys go by dictionary code through per-position CodeCaches and `child`,
 * as compiled call sites with column keys do (then `addPath`); `tally()` with string keys is measured too.
 * Prints CPU time per million tallies for each shape.
 * Run: `npm exec -- node scripts/bench-tally.ts`.
 */
import { ResultTree, render } from '../lang/result.ts';
import { CodeCache } from '../lang/code-cache.ts';
import type { AggSpec } from '../lang/result.ts';
import type { Key, Value } from '../lang/runtime/values.ts';
import { xorshift32 } from './prng.ts';

const ROWS = 1_000_000;
const PEOPLE = 10_000;
const PER = ROWS / PEOPLE;

const rand = xorshift32(0x2545f491);

const countries = Array.from({ length: 30 }, (_, i) => `country_${i}`);
const products = Array.from({ length: 200 }, (_, i) => `product_${i}`);
const country = new Int32Array(ROWS);
const product = new Int32Array(ROWS);
const price = new Float64Array(ROWS);
const stamp = new Float64Array(ROWS);
for (let p = 0; p < PEOPLE; p++) {
  const home = Math.floor(rand() * countries.length);
  for (let k = 0; k < PER; k++) {
    const r = p * PER + k;
    country[r] = rand() < 0.9 ? home : Math.floor(rand() * countries.length);
    product[r] = Math.floor(rand() * products.length);
    price[r] = Math.round(rand() * 50_000) / 100;
    stamp[r] = 1.7e12 + r * 60_000;
  }
}

const person: AggSpec = { kind: 'count', alias: 'person', source: { type: 'person' }, all: false };
const sum: AggSpec = { kind: 'sum', alias: 'price', source: { type: 'column', name: 'price' }, all: false };
const count: AggSpec = { kind: 'count', alias: 'rows', source: { type: 'column', name: 'product' }, all: false };

function run(aggs: AggSpec[], depth: number, revisit: boolean, coded: boolean): { ms: number; nodes: number } {
  const keys: Key[] = [null, null];
  const caches = [new CodeCache(), new CodeCache()];
  const path = new Int32Array(2);
  const values: Value[] = new Array<Value>(aggs.length).fill(NaN); // doubles, as compiled code keeps them
  const distinct: (string | number)[] = new Array<string | number>(aggs.length).fill(0);
  const tree = new ResultTree(aggs);
  const t0 = process.cpuUsage();
  for (let p = 0; p < PEOPLE; p++) {
    tree.beginPerson();
    const id = `person_${p}`;
    const first = p * PER;
    for (let k = 0; k < PER; k++) {
      // `revisit` mimics nested matches: every fourth row re-tallies an earlier row of the person.
      const r = revisit && k % 4 === 3 ? first + ((k * 7) % k) : first + k;
      for (let i = 0; i < aggs.length; i++) {
        values[i] = aggs[i] === sum ? price[r]! : 1;
        distinct[i] = aggs[i] === person ? id : r - first;
      }
      if (coded) {
        path[0] = caches[0]!.child(tree, 0, countries, country[r]!);
        if (depth > 1) path[1] = caches[1]!.child(tree, path[0]!, products, product[r]!);
        tree.addPath(path, depth, 0, values, distinct, stamp[r]!);
      } else {
        keys[0] = countries[country[r]!]!;
        keys[1] = products[product[r]!]!;
        tree.tally(keys, depth, 0, values, distinct, stamp[r]!);
      }
    }
  }
  const t = process.cpuUsage(t0);
  return { ms: (t.user + t.system) / 1000, nodes: render(tree.toPartial())._.length };
}

const shapes: { name: string; aggs: AggSpec[]; depth: number; revisit: boolean; coded: boolean }[] = [
  { name: 'tally(country) [count person], by code', aggs: [person], depth: 1, revisit: false, coded: true },
  { name: 'tally(country, product) [count person, sum price], by code', aggs: [person, sum], depth: 2, revisit: false, coded: true },
  { name: 'tally(country, product) [count person, sum price], string keys', aggs: [person, sum], depth: 2, revisit: false, coded: false },
  { name: 'tally(country, product) [count person, sum price, count product], 1/4 rows revisited, by code', aggs: [person, sum, count], depth: 2, revisit: true, coded: true },
];

console.log(`ResultTree: ${ROWS.toLocaleString('en-US')} tallies per run, ${PEOPLE.toLocaleString('en-US')} people, node ${process.version}`);
for (const s of shapes) {
  let best = Infinity;
  let nodes = 0;
  for (let rep = 0; rep < 6; rep++) {
    const r = run(s.aggs, s.depth, s.revisit, s.coded);
    if (rep > 0) best = Math.min(best, r.ms);
    nodes = r.nodes;
  }
  console.log(`${s.name}\n    ${(ROWS / best / 1000).toFixed(1)}M tallies/s (best CPU time of 5 after warm-up: ${best.toFixed(1)} ms; ${nodes} top-level nodes)`);
}
