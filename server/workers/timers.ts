/**
 * Delivers due machine timers (an unacknowledged dispatch, a pending incident past target)
 * through the command pipeline. Each delivery is a command with an id derived from the timer,
 * consumed in the same transaction, so any number of nodes may run this: one wins, the others
 * see a duplicate.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock';
import type { Logger } from '../log';
import type { Sql } from '../store/db';
import { SYSTEM_ACTOR } from '../auth/users';
import type { CommandPipeline } from '../commands/pipeline';
import type { AggregateType } from '../commands/aggregate-kind';
import { describeError } from '../errors';

interface DueTimer {
  stream_type: AggregateType;
  stream_id: string;
  send_id: string;
  event: { type: string } & Record<string, unknown>;
  due_at: Date;
}

export class TimerWorker {
  constructor(private readonly sql: Sql, private readonly pipeline: CommandPipeline, private readonly clock: Clock, private readonly log: Logger, private readonly onFired: () => void) {}

  /** Fires every timer due by the clock's now; returns how many were delivered. */
  async runOnce(limit = 100): Promise<number> {
    const now = this.clock.now().toISOString();
    const due = await this.sql<DueTimer[]>`
      SELECT stream_type, stream_id, send_id, event, due_at FROM timers WHERE due_at <= ${now} ORDER BY due_at LIMIT ${limit}`;
    let fired = 0;
    for (const t of due) {
      // One command id per (timer, due time): re-armed timers fire again, a second node's try is a duplicate.
      const commandId = `timer-${createHash('sha256').update(`${t.stream_type}\n${t.stream_id}\n${t.send_id}\n${t.due_at.getTime()}`).digest('hex').slice(0, 40)}`;
      try {
        await this.pipeline.execute(SYSTEM_ACTOR, commandId, 'timer.fire', async () => ({
          steps: [{ type: t.stream_type, id: t.stream_id, event: t.event }],
          ignoreRefusals: true,
          consumeTimer: { op: 'consume', streamType: t.stream_type, streamId: t.stream_id, sendId: t.send_id, dueAt: t.due_at },
        }));
        fired++;
        this.onFired();
      } catch (err) {
        const e = describeError(err);
        // Cancelled or fired meanwhile (the call was answered as its offer ran out, another node
        // fired it): nothing to deliver, not a failure.
        if (/timer already consumed/.test(String((err as Error)?.message ?? err))) this.log.debug({ timer: t.send_id, stream: t.stream_id }, 'timer consumed meanwhile');
        else if (e.status >= 500) this.log.error({ err, timer: t.send_id, stream: t.stream_id }, 'timer delivery failed');
      }
    }
    return fired;
  }
}
