/**
 * Calls every partition shard in parallel and collects their answers. All or nothing: a shard that
 * reports an error, or whose RPC fails, makes the whole call fail with a clear error, so a query
 * never returns a silently partial answer.
 */
import { DbError } from '../lang/errors.ts';
import type { ErrorBody, Outcome } from '../lang/errors.ts';

export function errorFromBody(body: ErrorBody): DbError {
  const { class: cls, message, detail, ...extra } = body;
  return new DbError(cls, message, detail, extra);
}

/** Runs `call(p)` for p = 0..partitions-1 at once; answers in partition order. */
export async function fanOut<T>(partitions: number, call: (partition: number) => Promise<Outcome<T>>): Promise<T[]> {
  const settled = await Promise.allSettled(Array.from({ length: partitions }, (_, p) => call(p)));
  const out: T[] = new Array(partitions);
  // A user error (bad script at run time, unknown segment) is the same on every shard: report the
  // first one. A transport failure names the partition.
  let failure: DbError | null = null;
  for (let p = 0; p < partitions; p++) {
    const s = settled[p];
    if (s.status === 'rejected') {
      const msg = s.reason instanceof Error ? s.reason.message : String(s.reason);
      failure ??= new DbError('internode', 'shard_failed', `partition ${p} did not answer: ${msg}`);
      continue;
    }
    const o = s.value;
    if (!o.ok) {
      if (failure === null || failure.body.class === 'internode') failure = errorFromBody(o.error);
      continue;
    }
    out[p] = o.value;
  }
  if (failure !== null) throw failure;
  return out;
}
