/**
 * Agent machine: whether one call taker or dispatcher takes calls from the ACD queue.
 *
 * ```
 *            READY                 ↺ OFFERED (a call is offered: stamps lastOfferedAt)
 *   away ─────────────► ready ◄─┘
 *    ▲  ◄───────────────┘  ↺ ANSWERED (in either state: stamps lastAnsweredAt)
 *         AWAY (a reason: break, missed offer, declined)
 *                          ↺ ENGAGED (in either state: a call is transferred to the agent, or
 *                            the agent is added to one; stamps lastOfferedAt)
 * ```
 *
 * Being busy with a call is not a state here: it is read from the calls themselves, so a call
 * that ends never has to remember to free its agent. The agent's version is what makes the
 * ACD's offer conflict with anything else that makes the agent busy: an offer (OFFERED), an
 * answer or an outbound call (ANSWERED), a transfer or conference (ENGAGED) all step this
 * aggregate, so an offer planned while the agent looked free does not commit once they are not.
 */
import { assertEvent, assign, setup } from 'xstate';
import { hasText, type Stamped } from './common';

export interface AgentInput {
  at: string;
  agentId: string;
  username: string;
  agencyId: string;
  role: string;
}

export interface AgentContext extends Omit<AgentInput, 'at'> {
  /** When the agent last became ready (the ACD's tie-break: ready longest first). */
  readySince: string | null;
  awayReason: string | null;
  lastOfferedAt: string | null;
  lastAnsweredAt: string | null;
}

export type AgentEvent = Stamped &
  (
    | { type: 'READY' }
    | { type: 'AWAY'; reason: string }
    | { type: 'OFFERED'; callId: string }
    | { type: 'ANSWERED'; callId: string }
    | { type: 'ENGAGED'; callId: string; as: 'transfer' | 'conference' }
  );

/** The away reason the server gives a seat whose consoles all disconnected (server/calls/presence.ts). */
export const PRESENCE_AWAY_REASON = 'console disconnected';

/** The availability of one agent. Compute with `initialTransition` / `transition`. */
export const agentMachine = setup({
  types: { context: {} as AgentContext, events: {} as AgentEvent, input: {} as AgentInput },
  guards: {
    hasReason: ({ event }) => event.type === 'AWAY' && hasText(event.reason),
    hasCall: ({ event }) => 'callId' in event && hasText(event.callId),
  },
  actions: {
    ready: assign(({ event }) => ({ readySince: event.at, awayReason: null })),
    away: assign(({ event }) => {
      assertEvent(event, 'AWAY');
      return { readySince: null, awayReason: event.reason };
    }),
    offered: assign(({ event }) => ({ lastOfferedAt: event.at })),
    answered: assign(({ event }) => ({ lastAnsweredAt: event.at })),
  },
}).createMachine({
  id: 'agent',
  initial: 'away',
  context: ({ input }) =>
    input
      ? { agentId: input.agentId, username: input.username, agencyId: input.agencyId, role: input.role, readySince: null, awayReason: 'signed in', lastOfferedAt: null, lastAnsweredAt: null }
      : ({} as AgentContext),
  states: {
    away: {
      on: {
        READY: { target: 'ready', actions: 'ready' },
        ANSWERED: { guard: 'hasCall', actions: 'answered' },
        ENGAGED: { guard: 'hasCall', actions: 'offered' },
      },
    },
    ready: {
      on: {
        AWAY: { target: 'away', guard: 'hasReason', actions: 'away' },
        OFFERED: { guard: 'hasCall', actions: 'offered' },
        ANSWERED: { guard: 'hasCall', actions: 'answered' },
        ENGAGED: { guard: 'hasCall', actions: 'offered' },
      },
    },
  },
});
