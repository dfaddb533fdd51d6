/**
 * Who may enter a call's media room (`call:<id>`): the call takers and dispatchers of the
 * call's agency (and supervisors), the same people who may take the call, while it is live;
 * only the agents on the call publish their microphone there.
 */
import { NotFound } from '../errors';
import { assertCanTakeCalls } from '../auth/authorize';
import type { CommandPipeline } from '../commands/pipeline';
import type { CallLoader } from '../../media/MediaService';
import { LIVE_CALL_STATES } from '../../state-machines/call';
import type { CallView } from './kind';

/** The media plane's call loader, reading the call aggregate's view. */
export function callLoader(pipeline: CommandPipeline): CallLoader {
  return async (actor, callId) => {
    const loaded = await pipeline.load('call', callId);
    if (!loaded) throw new NotFound(`no call ${callId}`);
    const call = loaded.view as unknown as CallView;
    assertCanTakeCalls(actor, call.agencyId);
    // Who speaks in the room: the agent who has the call, the agents conferenced in, and the
    // agent consulted for an attended transfer once they answered.
    const consulted = call.transfer?.target.kind === 'agent' && call.transfer.targetAnsweredAt !== null ? call.transfer.target.agentId : undefined;
    const agentIds = [call.agent?.agentId, consulted, ...call.conference.map((p) => (p.kind === 'agent' ? p.agentId : undefined))].filter((a): a is string => !!a);
    return { id: call.id, agencyId: call.agencyId, live: (LIVE_CALL_STATES as readonly string[]).includes(call.state), agentIds };
  };
}
