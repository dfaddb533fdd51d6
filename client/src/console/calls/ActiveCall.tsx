/**
 * A call in this seat's hands (`active-call`): who and which line, how long, hold / resume and
 * hang up, the caller's location (proposed until the dispatcher confirms it), the incident in
 * one action (a new one from the call, or joining the selected one), and transfers; the
 * call's two-way audio with a mute toggle while it is up (`CallAudioControls`).
 */
import { useState } from 'react';
import { elapsed } from '../../lib/format';
import { useCommand, type CommandTracker } from '../../lib/useCommand';
import type { CallView } from '../../lib/stores';
import { useConsole, type ConsoleServices } from '../session';
import { useNow, useObservable } from '../state';
import { tc } from './messages';
import { callerLabel, consultedMe, consulting, lineLabel, transferredToMe, unconfirmedProposal } from './model';
import { TransferControls } from './TransferControls';
import { CallAudioControls } from './CallAudioControls';
import { CallRecall } from './Recall';
import { CallDigits } from './CallDigits';

/** One call with this seat and its controls. */
export function ActiveCall({ call }: { call: CallView }) {
  const c = useConsole();
  const now = useNow();
  const cmd = useCommand(c.live);
  const incoming = transferredToMe(call, c.actor.id);
  const consulted = consultedMe(call, c.actor.id);
  const since = call.answeredAt ?? call.createdAt;
  const [muted, setMuted] = useState(false);
  // The caller is heard (and hears this seat) while the call is up; hold and hang up leave the call room.
  // An attended transfer's consultation: the caller is held, the transferor and the consulted party talk.
  const talking = !incoming && (call.state === 'answered' || call.state === 'conferenced' || consulting(call));
  return (
    <article className={`active-call state-${call.state}`} data-testid="active-call" data-call-id={call.id} data-state={call.state}>
      <header className="active-call-head">
        <span className="call-state-tag" data-testid="active-call-state">{stateWords(call, incoming, consulted)}</span>
        <span className="call-line">{lineLabel(c.city, call.line)}</span>
        <span className="call-timer" data-testid="active-call-timer">{elapsed(Math.max(0, now - Date.parse(since)))}</span>
      </header>
      <div className="active-call-main">
        <span className="call-number" data-testid="active-call-number">{callerLabel(call)}</span>
        {talking && <CallAudioControls callId={call.id} muted={muted} onMuted={setMuted} />}
        {!incoming && <CallRecall callId={call.id} live={talking} />}
        {incoming ? (
          <button type="button" className="primary" data-testid="call-answer-transfer" disabled={!!cmd.pending}
            onClick={() => void cmd.run('answer', { type: 'call.answer', callId: call.id })}>{tc('calls.answer')}</button>
        ) : !consulted && <CallButtons call={call} cmd={cmd} />}
      </div>
      {cmd.error && <p className="error" role="alert" data-testid="active-call-error">{cmd.error}</p>}
      {consulted && <p className="hint" data-testid="call-consulted">{tc('calls.consulted_hint', { name: call.transfer!.from.username })}</p>}
      {!incoming && !consulted && (
        <>
          <CallerLocation call={call} cmd={cmd} />
          <CallDigits call={call} />
          <CallIncident call={call} cmd={cmd} />
          {call.state !== 'ringing' && <TransferControls call={call} cmd={cmd} />}
        </>
      )}
    </article>
  );
}

function stateWords(call: CallView, incoming: boolean, consulted: boolean): string {
  if (incoming) return tc('calls.transfer_to_you', { name: call.transfer?.from.username ?? '' });
  if (consulted) return tc('calls.consulting_with', { name: call.transfer!.from.username });
  if (call.state === 'ringing' && !call.callbackOf) return tc('calls.calling_out');
  switch (call.state) {
    case 'held': return tc('calls.held');
    case 'transferring': return tc('calls.transferring');
    case 'conferenced': return tc('calls.conferenced');
    case 'ringing': return tc('calls.ringing_out');
    default: return tc('calls.active');
  }
}

function CallButtons({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  const held = call.state === 'held';
  const canHold = call.state === 'answered' || held;
  return (
    <div className="call-buttons end">
      {canHold && (
        <button type="button" className={held ? 'active' : ''} data-testid={held ? 'call-resume' : 'call-hold'} disabled={!!cmd.pending}
          onClick={() => void cmd.run('hold', { type: held ? 'call.resume' : 'call.hold', callId: call.id })}>
          {held ? tc('calls.resume') : tc('calls.hold')}
        </button>
      )}
      <button type="button" className="danger" data-testid="call-hangup" disabled={!!cmd.pending}
        onClick={() => void cmd.run('hangup', { type: 'call.hangup', callId: call.id })}>{tc('calls.hangup')}</button>
    </div>
  );
}

const radius = (m: number | null) => (m === null ? '' : tc('calls.radius', { m: Math.round(m) }));

/** The caller's location: a proposal waits for the dispatcher's confirmation; it is never used before. */
function CallerLocation({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  const proposal = unconfirmedProposal(call);
  const confirmed = call.confirmedLocation;
  return (
    <div className="call-location" data-testid="call-location" data-confirmed={confirmed && !proposal ? 'true' : 'false'}>
      {proposal && (
        <>
          <span className="proposed">{tc('calls.location_proposed', {
            lat: proposal.lat.toFixed(5), lon: proposal.lon.toFixed(5), radius: radius(proposal.radiusM), method: proposal.method ?? tc('calls.method_unknown'),
          })}</span>
          <button type="button" className="small primary" data-testid="call-confirm-location" disabled={!!cmd.pending}
            onClick={() => void cmd.run('confirm', { type: 'call.location.confirm', callId: call.id })}>{tc('calls.confirm_location')}</button>
        </>
      )}
      {!proposal && confirmed && (
        <span>{tc('calls.location_confirmed', { lat: confirmed.lat.toFixed(5), lon: confirmed.lon.toFixed(5), radius: radius(confirmed.radiusM) })}</span>
      )}
      {!proposal && !confirmed && <span className="muted">{tc('calls.location_none')}</span>}
    </div>
  );
}

/** The call's incident, or the one action that makes or joins one. */
function CallIncident({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  const c = useConsole();
  const { incidentId: selected } = useObservable(c.selection);
  if (call.incidentId) {
    return (
      <div className="call-incident" data-testid="call-incident" data-incident-id={call.incidentId}>
        <span>{tc('calls.linked', { id: call.incidentId })}</span>
        <button type="button" className="small" onClick={() => openIncident(c, call.incidentId!)}>{tc('calls.open_incident')}</button>
      </div>
    );
  }
  const joinable = selected && c.incidents.items.has(selected) ? selected : null;
  return (
    <div className="call-buttons call-incident" data-testid="call-incident" data-incident-id="">
      <button type="button" className="small primary" data-testid="call-new-incident" title={tc('calls.new_incident')}
        onClick={() => newIncidentFromCall(c, call.id)}>{tc('calls.new_incident_short')}</button>
      <button type="button" className="small" data-testid="call-join-incident" disabled={!joinable || !!cmd.pending} title={tc('calls.join_hint')}
        onClick={() => joinable && void cmd.run('join', { type: 'call.incident.join', callId: call.id, incidentId: joinable })}>
        {joinable ? tc('calls.join', { id: joinable }) : tc('calls.join_none')}
      </button>
    </div>
  );
}

/** Opens the create form on this call (the form reopens if a plain one was open). */
export function newIncidentFromCall(c: ConsoleServices, callId: string): void {
  c.formCall.set(callId);
  c.formOpen.set(true);
}

function openIncident(c: ConsoleServices, incidentId: string): void {
  c.selection.update((s) => ({ ...s, incidentId }));
  requestAnimationFrame(() => c.focus.detail?.focus());
}
