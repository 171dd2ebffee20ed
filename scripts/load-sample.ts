/**
 * `npm run load-sample [-- --url http://127.0.0.1:8787] [--file path.json]`: against a running server,
 * initialise the cluster with 24 partitions if needed, create the `highstreet` table (data-model §10)
 * if needed, insert the sample events, and print each step.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from './cli-args.ts';
import { requestJson } from './http-json.ts';
import { HIGHSTREET_EVENTS_FILE, HIGHSTREET_TABLE } from '../test/fixtures/highstreet.ts';

interface InsertReply {
  inserted: number;
  duplicates: number;
  rejected: { index: number; error: string }[];
}

/** Loads the sample into the server at `base`; `log` receives one line per step. */
export async function loadSample(base: string, file: string | URL = HIGHSTREET_EVENTS_FILE, log: (line: string) => void = console.log): Promise<void> {
  const member = await requestJson<{ part_of_cluster: boolean }>(`${base}/v1/cluster/is_member`);
  if (member.status !== 200) throw new Error(`is_member failed: ${JSON.stringify(member.body)}`);
  if (member.body.part_of_cluster) {
    log('cluster: already initialised');
  } else {
    const init = await requestJson(`${base}/v1/cluster/init?partitions=24`, 'PUT');
    if (init.status !== 200) throw new Error(`init failed: ${JSON.stringify(init.body)}`);
    log('cluster: initialised with 24 partitions');
  }

  const existing = await requestJson<{ columns: unknown[] }>(`${base}/v1/table/highstreet`);
  if (existing.status === 200) {
    log(`table highstreet: exists (${existing.body.columns.length} columns)`);
  } else {
    const created = await requestJson(`${base}/v1/table/highstreet`, 'POST', HIGHSTREET_TABLE);
    if (created.status !== 200) throw new Error(`create table failed: ${JSON.stringify(created.body)}`);
    log(`table highstreet: created with ${HIGHSTREET_TABLE.columns.length} columns, z_order ${HIGHSTREET_TABLE.z_order.join(', ')}`);
  }

  const events = readFileSync(file, 'utf8');
  const count = (JSON.parse(events) as unknown[]).length;
  const ins = await requestJson<InsertReply>(`${base}/v1/insert/highstreet`, 'POST', events);
  if (ins.status !== 200) throw new Error(`insert failed: ${JSON.stringify(ins.body)}`);
  log(`insert: ${count} events sent, ${ins.body.inserted} inserted, ${ins.body.duplicates} already present, ${ins.body.rejected.length} rejected`);
  for (const r of ins.body.rejected) log(`  rejected event ${r.index}: ${r.error}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const args = parseArgs();
  const base = (args.get('url') ?? 'http://127.0.0.1:8787').replace(/\/+$/, '');
  const file = args.get('file') ?? HIGHSTREET_EVENTS_FILE;
  loadSample(base, file).then(
    () => console.log(`done: try  curl '${base}/v1/query/highstreet/person?sid=tommy'`),
    (e: Error) => {
      console.error(`load-sample: ${e.message}${(e.cause as Error | undefined)?.message ? ` (${(e.cause as Error).message})` : ''}`);
      console.error(`is the server running? start it with: npm start`);
      process.exit(1);
    },
  );
}
