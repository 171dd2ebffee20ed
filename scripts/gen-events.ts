/**
 * Deterministic synthetic events for benchmarks (insert, query, snapshot). A seeded PRNG makes every
 * run with the same options produce the same events. As a command it prints NDJSON:
 *   npm exec -- node scripts/gen-events.ts --count 1000 --people 100 --seed 7 > events.ndjson
 * As a module: `BENCH_TABLE` (create-table body) and `generateBatches(options)`.
 */
import { intArg, parseArgs } from './cli-args.ts';
import { mulberry32 } from './prng.ts';

export const BENCH_TABLE = {
  columns: [
    { name: 'product', type: 'text' },
    { name: 'category', type: 'text' },
    { name: 'price', type: 'double' },
    { name: 'qty', type: 'int' },
    { name: 'member', type: 'bool' },
    { name: 'tags', type: 'text', is_set: true },
  ],
  z_order: ['purchase', 'cart_item', 'view'],
};

export interface SyntheticEvent {
  person: string;
  stamp: number;
  action: string;
  _: { product: string; category: string; price: number; qty: number; member: boolean; tags: string[] };
}

export interface GenOptions {
  /** Total events. */
  count: number;
  /** Distinct people (events are spread evenly, each person's stamps increase). */
  people: number;
  seed?: number;
  /** Events per batch yielded. */
  batch?: number;
  /** Epoch ms of the first event. */
  start?: number;
}

const ACTIONS = ['view', 'view', 'view', 'cart_item', 'cart_item', 'purchase'];
const CATEGORIES = ['garage', 'kitchen', 'outdoor', 'bedroom', 'bathroom', 'angling', 'restaurant', 'basement'];
const TAGS = ['red', 'blue', 'small', 'large', 'retro', 'sale', 'new', 'eco'];

export function* generateBatches(o: GenOptions): Generator<SyntheticEvent[]> {
  const rand = mulberry32(o.seed ?? 1);
  const batchSize = o.batch ?? 1000;
  const start = o.start ?? Date.UTC(2024, 0, 1);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  let batch: SyntheticEvent[] = [];
  for (let i = 0; i < o.count; i++) {
    const p = i % o.people;
    const round = Math.floor(i / o.people);
    const tags: string[] = [pick(TAGS)];
    if (rand() < 0.5) tags.push(pick(TAGS));
    batch.push({
      person: 'user' + p,
      // Each person's events move forward in time by a few minutes per round, with jitter.
      stamp: start + round * 300_000 + Math.floor(rand() * 240_000),
      action: pick(ACTIONS),
      _: {
        product: 'product' + Math.floor(rand() * 500),
        category: pick(CATEGORIES),
        price: Math.round(rand() * 50000) / 100,
        qty: 1 + Math.floor(rand() * 5),
        member: rand() < 0.3,
        tags: [...new Set(tags)],
      },
    });
    if (batch.length === batchSize) {
      yield batch;
      batch = [];
    }
  }
  if (batch.length > 0) yield batch;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs();
  const count = intArg(args, 'count', 1000);
  const people = intArg(args, 'people', Math.max(1, Math.floor(count / 20)));
  const seed = intArg(args, 'seed', 1);
  for (const batch of generateBatches({ count, people, seed })) {
    process.stdout.write(batch.map((e) => JSON.stringify(e)).join('\n') + '\n');
  }
}
