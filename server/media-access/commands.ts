/**
 * Media access commands: a dispatcher or supervisor of the incident grants a named user the
 * right to view its media for a limited time, or revokes it. The grantee must be a known user;
 * the grant's expiry is a timer of the incident's `media_access` aggregate.
 */
import { randomBytes } from 'node:crypto';
import type { CommandOf } from '../protocol';
import { NotFound, ValidationError, assertNever } from '../errors';
import { assertCanCommandIncident } from '../auth/authorize';
import type { UserDirectory } from '../auth/users';
import type { Plan, PlanContext, Planner, Step } from '../commands/pipeline';
import type { IncidentView } from '../incidents/kind';

type MediaAccessCommands = CommandOf<'media.access.grant' | 'media.access.revoke'>;

/** The step that opens an incident's media access aggregate when it has none yet. */
export async function openAccessIfNeeded(ctx: PlanContext, incident: IncidentView): Promise<Step[]> {
  if (await ctx.tryLoad('media_access', incident.id)) return [];
  return [{ type: 'media_access', id: incident.id, create: { incidentId: incident.id, agencyId: incident.agencyId, districtId: incident.districtId } }];
}

export function mediaAccessPlanner(users: UserDirectory, cmd: MediaAccessCommands): Planner {
  return async (ctx): Promise<Plan> => {
    const incident = (await ctx.load('incident', cmd.incidentId)).view as unknown as IncidentView;
    assertCanCommandIncident(ctx.actor, cmd.type, incident);
    switch (cmd.type) {
      case 'media.access.grant': {
        const grantee = users.find(cmd.username);
        if (!grantee) throw new ValidationError(`no user ${cmd.username} to grant media access to`);
        if (grantee.role === 'auditor') throw new ValidationError(`${cmd.username} is an auditor and may view every incident's media already`);
        const grantId = `G-${randomBytes(6).toString('hex')}`;
        return {
          createdId: grantId,
          steps: [
            ...(await openAccessIfNeeded(ctx, incident)),
            {
              type: 'media_access', id: incident.id, event: {
                type: 'GRANT', grantId, granteeId: grantee.id, granteeUsername: grantee.username, durationMs: cmd.minutes * 60_000,
                reason: cmd.reason, by: ctx.actor.username,
              },
            },
          ],
        };
      }
      case 'media.access.revoke': {
        if (!(await ctx.tryLoad('media_access', incident.id))) throw new NotFound(`incident ${incident.id} has no media access grants`);
        return { steps: [{ type: 'media_access', id: incident.id, event: { type: 'REVOKE', grantId: cmd.grantId, by: ctx.actor.username, reason: cmd.reason } }] };
      }
      default:
        return assertNever(cmd);
    }
  };
}
