/**
 * Call takers' presence: a seat whose every console connection is gone stops being offered
 * calls. Without it a dispatcher who closed the console stayed Ready, and each emergency call
 * waited out a whole offer time on the empty seat before the ACD tried the next one.
 *
 * Per node: when an agent's last connection here closes, a grace timer starts (a reload or a
 * network blip reconnects well within it); if no connection came back here by then and the
 * agent is still Ready, the system sets them Away with `PRESENCE_AWAY_REASON`. A console that
 * reconnects elsewhere (another node) and finds that reason puts itself back to Ready: the
 * seat was never left by choice (client/src/console/calls/CallsPanel.tsx).
 */
import type { Logger } from '../log';
import type { Actor } from '../protocol';
import { SYSTEM_ACTOR } from '../auth/users';
import { CALL_TAKING_ROLES } from '../auth/authorize';
import type { CommandPipeline } from '../commands/pipeline';
import { describeError } from '../errors';

import { PRESENCE_AWAY_REASON } from '../../state-machines/agent';

export { PRESENCE_AWAY_REASON };

export class AgentPresence {
  private readonly connections = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly pipeline: CommandPipeline, private readonly graceMs: number, private readonly log: Logger) {}

  connected(actor: Actor): void {
    if (!CALL_TAKING_ROLES.includes(actor.role)) return;
    this.connections.set(actor.id, (this.connections.get(actor.id) ?? 0) + 1);
    clearTimeout(this.timers.get(actor.id));
    this.timers.delete(actor.id);
  }

  disconnected(actor: Actor): void {
    const left = (this.connections.get(actor.id) ?? 0) - 1;
    if (left > 0) return void this.connections.set(actor.id, left);
    this.connections.delete(actor.id);
    if (!CALL_TAKING_ROLES.includes(actor.role)) return;
    clearTimeout(this.timers.get(actor.id));
    const since = new Date().toISOString();
    const timer = setTimeout(() => {
      this.timers.delete(actor.id);
      void this.setAway(actor, since);
    }, this.graceMs);
    timer.unref();
    this.timers.set(actor.id, timer);
  }

  /** The agent goes Away if they are still Ready; a seat already away (or never ready) is left alone. */
  private async setAway(actor: Actor, since: string): Promise<void> {
    try {
      await this.pipeline.execute(SYSTEM_ACTOR, `presence-away-${actor.id}-${since}`, 'call.agent.presence', async (ctx) => {
        const agent = await ctx.tryLoad('agent', actor.id);
        if (agent?.state !== 'ready') return { steps: [] };
        return { steps: [{ type: 'agent', id: actor.id, event: { type: 'AWAY', reason: PRESENCE_AWAY_REASON } }] };
      });
      this.log.info({ agent: actor.username, since }, 'no console connected: seat set away');
    } catch (err) {
      // A race with the agent's own ready/away: their word stands.
      if (describeError(err).code !== 'rejected_by_state_machine') this.log.warn({ err, agent: actor.username }, 'presence: seat could not be set away');
    }
  }

  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }
}
