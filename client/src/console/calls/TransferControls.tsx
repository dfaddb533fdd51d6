/**
 * Handing a call on: blind (let go at once) or attended (consult, then complete or take the
 * caller back) to another call taker by username or to an outside number, and conference
 * parties added and removed. What a target is comes from what is typed: digits (and + * #)
 * are a number, anything else a username.
 */
import { useState, type FormEvent } from 'react';
import type { CommandTracker } from '../../lib/useCommand';
import type { CallView } from '../../lib/stores';
import type { CallParty } from '../../../../state-machines/call-model';
import { tc } from './messages';

type Target = { username: string } | { number: string };

/** A typed target as the protocol's `callTarget`. */
export function parseTarget(text: string): Target | null {
  const v = text.trim();
  if (!v) return null;
  return /^[0-9+*#]+$/.test(v) ? { number: v } : { username: v };
}

const partyName = (p: CallParty) => (p.kind === 'agent' ? p.username : p.number);
const asTarget = (p: CallParty): Target => (p.kind === 'agent' ? { username: p.username } : { number: p.number });

/** Transfer and conference controls of one call. */
export function TransferControls({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  if (call.state === 'transferring' && call.transfer) return <TransferInProgress call={call} cmd={cmd} />;
  return (
    <>
      {call.conference.length > 0 && (
        <ul className="call-parties" data-testid="call-parties">
          {call.conference.map((p) => (
            <li key={partyName(p)}>
              <span>{partyName(p)}</span>
              <button type="button" className="small ghost" disabled={!!cmd.pending}
                onClick={() => void cmd.run('conference', { type: 'call.conference.remove', callId: call.id, to: asTarget(p) })}>
                {tc('calls.conference_remove')}
              </button>
            </li>
          ))}
        </ul>
      )}
      <TargetForm call={call} cmd={cmd} />
    </>
  );
}

function TargetForm({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  const [text, setText] = useState('');
  const target = parseTarget(text);
  const send = (kind: 'blind' | 'attended' | 'conference') => {
    if (!target) return;
    const input = kind === 'conference'
      ? { type: 'call.conference.add' as const, callId: call.id, to: target }
      : { type: 'call.transfer' as const, callId: call.id, mode: kind, to: target };
    void cmd.run('transfer', input).then((ok) => ok && setText(''));
  };
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    send('blind');
  };
  const canTransfer = call.state === 'answered' || call.state === 'held';
  const canConference = call.state === 'answered' || call.state === 'conferenced';
  return (
    <form className="call-transfer" onSubmit={onSubmit}>
      <input data-testid="call-transfer-target" value={text} onChange={(e) => setText(e.target.value)} placeholder={tc('calls.target')}
        aria-label={tc('calls.target')} maxLength={100} />
      <button type="submit" className="small" data-testid="call-transfer-blind" disabled={!target || !canTransfer || !!cmd.pending}>
        {tc('calls.transfer_blind')}
      </button>
      <button type="button" className="small" data-testid="call-transfer-attended" disabled={!target || !canTransfer || !!cmd.pending}
        onClick={() => send('attended')}>{tc('calls.transfer_attended')}</button>
      <button type="button" className="small" data-testid="call-conference-add" disabled={!target || !canConference || !!cmd.pending}
        onClick={() => send('conference')}>{tc('calls.conference_add')}</button>
    </form>
  );
}

function TransferInProgress({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  const transfer = call.transfer!;
  const mode = transfer.mode === 'blind' ? tc('calls.mode.blind') : tc('calls.mode.attended');
  const answered = transfer.targetAnsweredAt !== null;
  return (
    <div className="call-transfer-state" data-testid="call-transfer-state" data-mode={transfer.mode} data-answered={answered ? 'true' : 'false'}>
      <span>{tc('calls.transfer_state', { mode, target: partyName(transfer.target) })}{answered ? ` · ${tc('calls.target_answered')}` : ''}</span>
      <div className="call-buttons">
        {transfer.mode === 'attended' && (
          <button type="button" className="small primary" data-testid="call-transfer-complete" disabled={!answered || !!cmd.pending}
            onClick={() => void cmd.run('transfer', { type: 'call.transfer.complete', callId: call.id })}>{tc('calls.transfer_complete')}</button>
        )}
        <button type="button" className="small" data-testid="call-transfer-cancel" disabled={!!cmd.pending}
          onClick={() => void cmd.run('transfer', { type: 'call.transfer.cancel', callId: call.id, reason: tc('calls.transfer_back_reason') })}>
          {tc('calls.transfer_cancel')}
        </button>
      </div>
    </div>
  );
}
