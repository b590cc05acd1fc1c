/**
 * Waiting for the change feed to move: what lets `changes({ waitMs })` answer as soon as a membership
 * change is committed, instead of its reader polling.
 *
 * The watch knows a lower bound of the feed's last sequence number, kept up to date three ways:
 *  - every write transaction of the store calls `committed` once it has committed: the store's adapter is
 *    wrapped (`watchWrites`), so every write path (upserts, event appends, imports, refreshes, segment
 *    create / edit / delete / restore, member edits) is covered without each one remembering to. Only
 *    while someone waits does that cost a query: one `MAX(seq)` read, shared by the commits that land
 *    while it runs (a commit during the read makes one more read);
 *  - the DuckDB write-back path says the sequence number of the changes it acknowledged (`advanced`): the
 *    database holds them only a few milliseconds later;
 *  - other processes (a second server on the same PostgreSQL database, the CLI) commit without telling
 *    this one: while someone waits, the last sequence number is read every `pollMs` (PostgreSQL only: a
 *    DuckDB file has one writing process, this one).
 * A waiter wakes when the last sequence number passes the one it waits past. A write that logs no change
 * leaves the number where it was, so it wakes nobody.
 */
import { wrapAdapter, type SqlAdapter, type SqlRunner } from "./adapter.js";

/** How a wait ended: the feed passed the number waited past, the time ran out, or the store closed. */
export type WaitOutcome = "changed" | "timeout" | "closed";

/** One waiting reader. */
interface Waiter {
  after: number;
  finish(outcome: WaitOutcome): void;
}

/** The feed's last sequence number as this process knows it, and the readers waiting for it to move. */
export class ChangeWatch {
  private last = 0;
  /** False when a commit may have moved the feed since `last` was read. */
  private current = false;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private readonly waiters = new Set<Waiter>();
  private poll: ReturnType<typeof setInterval> | null = null;
  private closed = false;

  constructor(
    /** Reads the feed's last sequence number from the database (0 when empty). */
    private readonly readLast: () => Promise<number>,
    /** While someone waits, read the last sequence number this often (ms) for other processes' writes; null: never. */
    private readonly pollMs: number | null,
  ) {}

  /** Readers waiting now. */
  get waiting(): number {
    return this.waiters.size;
  }

  /** A transaction that may have logged changes has committed. */
  committed(): void {
    this.current = false;
    if (this.waiters.size > 0) this.refresh().catch(() => undefined);
  }

  /** Changes up to `seq` are in the feed (the write-back path's, before the database holds them). */
  advanced(seq: number): void {
    if (seq > this.last) this.last = seq;
    this.wake();
  }

  /** The feed's last sequence number, up to date with every commit this process made (read when one may have moved it). */
  async lastSeq(): Promise<number> {
    if (!this.current) await this.refresh();
    return this.last;
  }

  /**
   * The feed's last sequence number read from the database now (after every commit that has returned,
   * this process's or another's), for a check that must not go by a number read before a commit.
   */
  async lastSeqNow(): Promise<number> {
    this.current = false;
    await this.refresh();
    return this.last;
  }

  /** The last sequence number known without a read: a lower bound of the feed's (it never goes down). */
  get known(): number {
    return this.last;
  }

  /**
   * Resolves when the feed's last sequence number passes `after` ("changed"), after `timeoutMs`
   * ("timeout") or when the watch closes ("closed"); rejects with the signal's reason when it aborts.
   */
  wait(after: number, timeoutMs: number, signal?: AbortSignal): Promise<WaitOutcome> {
    if (this.closed) return Promise.resolve("closed");
    if (this.last > after) return Promise.resolve("changed");
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<WaitOutcome>((resolve, reject) => {
      const end = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(waiter);
        if (this.waiters.size === 0) this.stopPolling();
      };
      const waiter: Waiter = {
        after,
        finish: (outcome) => {
          end();
          resolve(outcome);
        },
      };
      const onAbort = () => {
        end();
        reject(signal!.reason);
      };
      // Not unref'd: a caller awaiting the answer expects one, even with nothing else keeping Node alive.
      const timer = setTimeout(() => waiter.finish("timeout"), Math.max(0, timeoutMs));
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.add(waiter);
      this.startPolling();
      if (!this.current) this.refresh().catch(() => undefined);
    });
  }

  /** Answers every waiter ("closed"); later waits answer at once. */
  close(): void {
    this.closed = true;
    for (const w of [...this.waiters]) w.finish("closed");
  }

  /** Reads the last sequence number; calls made while a read runs share it, plus one read after it. */
  private refresh(): Promise<void> {
    if (this.reading) {
      this.readAgain = true;
      return this.reading;
    }
    this.reading = (async () => {
      try {
        do {
          this.readAgain = false;
          // Before the read: a commit during it clears this again, and the loop reads once more.
          this.current = true;
          const n = await this.readLast();
          if (n > this.last) this.last = n;
          this.wake();
        } while (this.readAgain);
      } catch (e) {
        this.current = false;
        throw e;
      } finally {
        this.reading = null;
      }
    })();
    return this.reading;
  }

  private wake(): void {
    for (const w of [...this.waiters]) if (this.last > w.after) w.finish("changed");
  }

  private startPolling(): void {
    if (this.poll !== null || this.pollMs === null) return;
    this.poll = setInterval(() => {
      this.current = false;
      this.refresh().catch(() => undefined);
    }, this.pollMs);
    this.poll.unref();
  }

  private stopPolling(): void {
    if (this.poll === null) return;
    clearInterval(this.poll);
    this.poll = null;
  }
}

/** `adapter` with every committed `write` reported to `watch` (the other operations as they are). */
export function watchWrites(adapter: SqlAdapter, watch: ChangeWatch): SqlAdapter {
  return wrapAdapter(adapter, {
    write: async <T>(fn: (tx: SqlRunner) => Promise<T>) => {
      const result = await adapter.write(fn);
      watch.committed();
      return result;
    },
  });
}

/**
 * The query of the feed's last sequence number: of the membership log, the refresh log and the segment
 * log, which share a sequence (refresh-status.ts, segment-log.ts). A reader of membership changes only,
 * woken by a row of another log, finds no new item and waits again (`changes`), as after another
 * segment's change.
 */
export const LAST_SEQ_SQL =
  "SELECT GREATEST((SELECT COALESCE(MAX(seq), 0) FROM segql_membership_changes), (SELECT COALESCE(MAX(seq), 0) FROM segql_refresh_log), (SELECT COALESCE(MAX(seq), 0) FROM segql_segment_log)) AS n";
