/** Routes a validated command to its handler and runs it through the pipeline. */
import type { Actor, Command, CommandResult } from '../protocol';
import { NotAuthorized, assertNever } from '../errors';
import type { CityModel } from '../city';
import { incidentPlanner } from '../incidents/commands';
import { unitPlanner } from '../units/commands';
import { mediaAccessPlanner } from '../media-access/commands';
import { callPlanner, type SeatPicker } from '../calls/commands';
import type { UserDirectory } from '../auth/users';
import type { CommandPipeline, Planner } from './pipeline';

/** What the command handlers need besides the pipeline. */
export interface CommandDeps {
  city: CityModel;
  users: UserDirectory;
  /** Offers a new call in the command that creates it when an agent is free (the ACD). */
  seats?: SeatPicker;
}

export function plannerFor({ city, users, seats }: CommandDeps, cmd: Command): Planner {
  switch (cmd.type) {
    case 'incident.create': case 'incident.triage': case 'incident.pend': case 'incident.dispatch':
    case 'incident.unit.release': case 'incident.priority': case 'incident.update': case 'incident.note':
    case 'incident.hold': case 'incident.resume': case 'incident.under_control': case 'incident.close':
    case 'incident.cancel': case 'incident.reopen': case 'incident.merge': case 'incident.alert.ack':
    case 'incident.unit.division': case 'incident.resources.request':
      return incidentPlanner(city, cmd);
    case 'unit.acknowledge': case 'unit.status': case 'unit.emergency':
      return unitPlanner(city, cmd);
    case 'media.access.grant': case 'media.access.revoke':
      return mediaAccessPlanner(users, cmd);
    case 'call.agent.ready': case 'call.agent.away': case 'call.answer': case 'call.decline': case 'call.hold':
    case 'call.resume': case 'call.transfer': case 'call.transfer.complete': case 'call.transfer.cancel':
    case 'call.conference.add': case 'call.conference.remove': case 'call.hangup': case 'call.callback': case 'call.dial':
    case 'call.callback.resolve': case 'call.location.confirm': case 'call.incident.create': case 'call.incident.join':
    case 'call.offered': case 'call.media.up': case 'call.connected': case 'call.location.proposed':
    case 'call.transfer.progress': case 'call.ended': case 'call.dtmf': case 'call.party.left':
      return callPlanner({ city, users, seats }, cmd);
    default:
      return assertNever(cmd);
  }
}

export async function handleCommand(pipeline: CommandPipeline, deps: CommandDeps, actor: Actor, cmd: Command): Promise<CommandResult> {
  if (actor.role === 'auditor') throw new NotAuthorized('auditors read; they do not change operational state');
  return pipeline.execute(actor, cmd.commandId, cmd.type, plannerFor(deps, cmd));
}
