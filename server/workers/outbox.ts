/**
 * Runs side effects written to the outbox by committed commands, exactly once per action as
 * far as the effect can tell: rows are claimed with FOR UPDATE SKIP LOCKED (any number of
 * nodes), handlers are idempotent, and a failure is retried with backoff.
 */
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Sql, TxSql } from '../store/db';

export type OutboxHandler = (params: Record<string, unknown>, row: { id: number; commandId: string }) => Promise<void>;

interface Row {
  id: number;
  command_id: string;
  action: string;
  params: Record<string, unknown>;
  attempts: number;
}

const MAX_BACKOFF_MS = 60_000;

export class OutboxWorker {
  constructor(
    private readonly sql: Sql,
    private readonly handlers: Record<string, OutboxHandler>,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly onDone: (action: string, outcome: string) => void,
  ) {}

  async runOnce(limit = 50): Promise<number> {
    return this.claimAndRun((tx, now) => tx<Row[]>`
      SELECT id::int AS id, command_id, action, params, attempts FROM outbox
      WHERE processed_at IS NULL AND available_at <= ${now.toISOString()}
      ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`);
  }

  /**
   * Runs the rows a commit on this node just wrote, now, instead of at the next poll (a call's
   * 200 OK waited for it). They are claimed like a poll claims them (a row a poll holds is
   * skipped, and runs there), so each runs once.
   */
  async runNow(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.claimAndRun((tx) => tx<Row[]>`
      SELECT id::int AS id, command_id, action, params, attempts FROM outbox
      WHERE id IN ${tx(ids)} AND processed_at IS NULL ORDER BY id FOR UPDATE SKIP LOCKED`);
  }

  /** In one transaction: the rows `claim` locks, each run by its handler, then marked done or put off. */
  private async claimAndRun(claim: (tx: TxSql, now: Date) => Promise<Row[]>): Promise<number> {
    const now = this.clock.now();
    return (await this.sql.begin(async (tx) => {
      const rows = await claim(tx, now);
      await this.run(tx, rows, now);
      return rows.length;
    })) as number;
  }

  private async run(tx: TxSql, rows: Row[], now: Date): Promise<void> {
    const done: number[] = [];
    for (const row of rows) {
      const handler = this.handlers[row.action];
      try {
        if (!handler) throw new Error(`no handler for outbox action ${row.action}`);
        await handler(row.params, { id: row.id, commandId: row.command_id });
        done.push(row.id);
        this.onDone(row.action, 'done');
      } catch (err) {
        const backoff = Math.min(MAX_BACKOFF_MS, 500 * 2 ** row.attempts);
        await tx`UPDATE outbox SET attempts = attempts + 1, last_error = ${String(err)},
          available_at = ${new Date(now.getTime() + backoff).toISOString()} WHERE id = ${row.id}`;
        this.log.warn({ err, action: row.action, id: row.id }, 'outbox action failed; will retry');
        this.onDone(row.action, 'failed');
      }
    }
    // One statement for every row done: a row at a time was a round trip each, and under load
    // a batch of calls' answers waited seconds behind one another for their 200 OK.
    if (done.length > 0) await tx`UPDATE outbox SET processed_at = ${now.toISOString()}, attempts = attempts + 1 WHERE id IN ${tx(done)}`;
  }
}
