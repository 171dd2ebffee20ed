/** Worker entry: HTTP goes to the router; the cron trigger is reserved for scheduled maintenance. */
import type { Env } from './cluster.ts';
import { handle } from './router.ts';
import { scheduledSnapshot } from './routes/admin.ts';
import { refreshSegments } from './routes/query.ts';

export { PartitionShard } from '../shards/partition.ts';
export { Sentinel } from '../shards/sentinel.ts';
export type { Env } from './cluster.ts';

export default {
  fetch(req: Request, env: Env, exec: ExecutionContext): Promise<Response> {
    return handle(req, env, exec);
  },
  async scheduled(_event: ScheduledController, env: Env, exec: ExecutionContext): Promise<void> {
    // Segment refresh hooks in here (issue 4). Snapshots: every run checks whether one is due (issue 5).
    exec.waitUntil(scheduledSnapshot(env));
    exec.waitUntil(refreshSegments(env, Date.now()));
  },
} satisfies ExportedHandler<Env>;
