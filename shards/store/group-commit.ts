/**
 * Group commit: insert calls that reach a shard close together share one SQLite transaction.
 * Every commit of a Durable Object's database costs a disk sync, which — not the row work — bounds
 * small-batch ingest; with several requests in flight, one sync now serves all of them.
 *
 * Each call stages its rows synchronously (idempotency decided in arrival order), then waits for a
 * flush scheduled on the next macrotask, so calls already queued in the event loop join it. The
 * promise resolves once the rows are written and readable; the Durable Object output gate holds
 * the RPC response until the commit is durable.
 */
import type { StoreStorage } from './sql.ts';
import type { StagedInsert } from './table.ts';

interface Waiter {
  staged: StagedInsert;
  resolve(): void;
  reject(e: unknown): void;
}

export class GroupCommit {
  private readonly storage: StoreStorage;
  private queue: Waiter[] = [];
  private scheduled = false;
  /** Flushes so far and inserts they carried, for stats. */
  flushes = 0;
  inserts = 0;

  constructor(storage: StoreStorage) {
    this.storage = storage;
  }

  /** Resolves when the staged insert is written and applied; rejects if its transaction failed. */
  commit(staged: StagedInsert): Promise<void> {
    if (staged.pid === null) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ staged, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setTimeout(() => this.flush(), 0);
      }
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    this.scheduled = false;
    try {
      this.storage.transactionSync(() => {
        for (const w of batch) w.staged.table.writeStaged(w.staged);
      });
    } catch (e) {
      // Every table involved may hold staged state of the failed transaction: reload from SQLite.
      for (const w of batch) w.staged.table.abandon();
      for (const w of batch) w.reject(e);
      return;
    }
    this.flushes++;
    this.inserts += batch.length;
    for (const w of batch) {
      w.staged.table.applyStaged(w.staged);
      w.resolve();
    }
  }
}
