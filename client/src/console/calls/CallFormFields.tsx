/**
 * The create form's part when it works on a call: the caller and the line's agency (fixed by
 * the line), and the caller's location. A location the phone proposed (PIDF-LO) is shown, not
 * used: "Confirm and use" confirms it (`call.location.confirm`) and only then fills the form.
 */
import { useEffect, useRef } from 'react';
import { useCommand } from '../../lib/useCommand';
import type { CallView, Store } from '../../lib/stores';
import type { ConsoleServices } from '../session';
import { tc } from './messages';
import { callerLabel, lineLabel, unconfirmedProposal } from './model';

/** The call the form is opened on, while it is still open (an ended call leaves the store). */
export function callOfForm(callId: string | null, calls: Store<CallView>): CallView | null {
  return callId ? calls.items.get(callId) ?? null : null;
}

/** Fills the form's location with the caller's confirmed location, each time one is confirmed. */
export function useConfirmedLocation(call: CallView | null, set: (p: { lat: number; lon: number }, note: string | null) => void): void {
  const used = useRef<string | null>(null);
  const confirmed = call && !unconfirmedProposal(call) ? call.confirmedLocation : null;
  useEffect(() => {
    if (!confirmed || used.current === confirmed.at) return;
    used.current = confirmed.at;
    set({ lat: confirmed.lat, lon: confirmed.lon }, tc('form.use_confirmed'));
  }, [confirmed, set]);
}

/** Caller and agency of the call (read-only: the line decides the agency). */
export function CallFacts({ call, c }: { call: CallView; c: ConsoleServices }) {
  return (
    <p className="form-call-facts" data-testid="incident-form-call">
      <span className="call-number" data-testid="incident-form-caller" title={tc('form.caller')}>☎ {callerLabel(call)} · {lineLabel(c.city, call.line)}</span>
      <span className="muted" title={tc('form.call_agency')} data-testid="incident-form-agency">{c.city.agencyName(call.agencyId)}</span>
    </p>
  );
}

/** The proposal and the explicit act that makes it the incident's location. */
export function CallLocationHint({ call, c }: { call: CallView; c: ConsoleServices }) {
  const cmd = useCommand(c.live);
  const proposal = unconfirmedProposal(call);
  if (!proposal) return null;
  return (
    <div className="hint form-proposed" data-testid="incident-form-proposed">
      <span>{tc('form.proposed_hint')}</span>
      <button type="button" className="small" data-testid="incident-form-confirm-location" disabled={!!cmd.pending}
        onClick={() => void cmd.run('confirm', { type: 'call.location.confirm', callId: call.id })}>{tc('form.confirm_use')}</button>
      {cmd.error && <span className="error">{cmd.error}</span>}
    </div>
  );
}
