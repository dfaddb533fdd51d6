/**
 * Media access of one incident: time-limited grants that let a named user view the
 * incident's live and recorded media although their role, agency or jurisdiction would not
 * (a commander of another agency, an investigator). One aggregate per incident.
 *
 * ```
 *   (created with the incident's scope) ──► open ◄─┐
 *                                            │     │ GRANT   (adds an active grant, arms EXPIRE)
 *                                            │     │ REVOKE  (an active grant → revoked)
 *                                            └─────┘ EXPIRE  (delayed: an active grant → expired)
 * ```
 *
 * Expiry is a delayed raise of `EXPIRE` with id `grant:<grantId>`; a revoke cancels it. Time
 * comes only from the server's `at` stamps: `isGrantActive` compares with a time it is given.
 */
import { assertEvent, assign, enqueueActions, setup } from 'xstate';
import { hasText, type Stamped } from './common';

/** One grant: who may view, until when, on whose word. */
export interface MediaGrant {
  id: string;
  granteeId: string;
  granteeUsername: string;
  grantedBy: string;
  grantedAt: string;
  expiresAt: string;
  reason: string;
  state: 'active' | 'revoked' | 'expired';
  endedAt: string | null;
  endedBy: string | null;
}

export interface MediaAccessInput {
  at: string;
  incidentId: string;
  agencyId: string;
  districtId: string | null;
}

export interface MediaAccessContext {
  incidentId: string;
  agencyId: string;
  districtId: string | null;
  createdAt: string;
  grants: MediaGrant[];
}

export type MediaAccessEvent = Stamped &
  (
    | { type: 'GRANT'; grantId: string; granteeId: string; granteeUsername: string; durationMs: number; reason: string; by: string }
    | { type: 'REVOKE'; grantId: string; by: string; reason: string }
    | { type: 'EXPIRE'; grantId: string }
  );

/** Id of the delayed `EXPIRE` raise of a grant (cancelled by that id). */
export function grantTimerId(grantId: string): string {
  return `grant:${grantId}`;
}

/** Whether a grant lets its grantee view media at time `at` (ISO). */
export function isGrantActive(grant: MediaGrant, at: string): boolean {
  return grant.state === 'active' && Date.parse(grant.expiresAt) > Date.parse(at);
}

/** The active grant of `granteeId` at `at`, if any. */
export function activeGrantFor(ctx: Pick<MediaAccessContext, 'grants'>, granteeId: string, at: string): MediaGrant | null {
  return ctx.grants.find((g) => g.granteeId === granteeId && isGrantActive(g, at)) ?? null;
}

/** Longest grant: a day (a longer need is a new decision, with a new reason). */
export const MAX_GRANT_MS = 24 * 3600_000;

const endGrant = (grants: MediaGrant[], grantId: string, state: 'revoked' | 'expired', at: string, by: string | null) =>
  grants.map((g) => (g.id === grantId && g.state === 'active' ? { ...g, state, endedAt: at, endedBy: by } : g));

/** The media access of one incident. Compute with `initialTransition` / `transition`. */
export const mediaAccessMachine = setup({
  types: { context: {} as MediaAccessContext, events: {} as MediaAccessEvent, input: {} as MediaAccessInput },
  guards: {
    validGrant: ({ context, event }) => {
      assertEvent(event, 'GRANT');
      return (
        hasText(event.grantId) && hasText(event.granteeId) && hasText(event.reason) && hasText(event.by) &&
        Number.isFinite(event.durationMs) && event.durationMs > 0 && event.durationMs <= MAX_GRANT_MS &&
        !context.grants.some((g) => g.id === event.grantId)
      );
    },
    grantActive: ({ context, event }) => {
      assertEvent(event, ['REVOKE', 'EXPIRE']);
      if (event.type === 'REVOKE' && !(hasText(event.by) && hasText(event.reason))) return false;
      return context.grants.some((g) => g.id === event.grantId && g.state === 'active');
    },
  },
  actions: {
    grant: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'GRANT');
      const expiresAt = new Date(Date.parse(event.at) + event.durationMs).toISOString();
      const grant: MediaGrant = {
        id: event.grantId, granteeId: event.granteeId, granteeUsername: event.granteeUsername, grantedBy: event.by,
        grantedAt: event.at, expiresAt, reason: event.reason, state: 'active', endedAt: null, endedBy: null,
      };
      enqueue.assign({ grants: [...context.grants, grant] });
      // `at` is when the timer is due; the server re-stamps it with the delivery time.
      enqueue.raise({ type: 'EXPIRE', grantId: event.grantId, at: expiresAt }, { delay: event.durationMs, id: grantTimerId(event.grantId) });
    }),
    revoke: enqueueActions(({ context, event, enqueue }) => {
      assertEvent(event, 'REVOKE');
      enqueue.assign({ grants: endGrant(context.grants, event.grantId, 'revoked', event.at, event.by) });
      enqueue.cancel(grantTimerId(event.grantId));
    }),
    expire: assign(({ context, event }) => {
      assertEvent(event, 'EXPIRE');
      return { grants: endGrant(context.grants, event.grantId, 'expired', event.at, null) };
    }),
  },
}).createMachine({
  id: 'mediaAccess',
  initial: 'open',
  context: ({ input }) =>
    input
      ? { incidentId: input.incidentId, agencyId: input.agencyId, districtId: input.districtId, createdAt: input.at, grants: [] }
      : ({} as MediaAccessContext),
  states: {
    open: {
      on: {
        GRANT: { guard: 'validGrant', actions: 'grant' },
        REVOKE: { guard: 'grantActive', actions: 'revoke' },
        EXPIRE: { guard: 'grantActive', actions: 'expire' },
      },
    },
  },
});
