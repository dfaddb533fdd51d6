/**
 * The calls panel (`calls-panel`): this seat's readiness for the ACD, the call offered to it
 * (Answer with A when no field is being typed in, or Decline), the calls in its hands with
 * their controls, the agency's waiting callers in the server's answer order with their
 * waiting time ticking, and the abandoned callers to call back. The buttons drive the call
 * core and the SIP bridge carries them out on the phones; the call in hand's audio flows
 * through its call room (`CallAudioControls`).
 */
import { useEffect, useRef } from 'react';
import { elapsed } from '../../lib/format';
import { useLocale } from '../../lib/i18n';
import { useCommand, type CommandTracker } from '../../lib/useCommand';
import { useStore, type CallView } from '../../lib/stores';
import { t } from '../messages';
import { Panel } from '../Panel';
import { useConsole } from '../session';
import { isTyping, useLiveState, useNow } from '../state';
import { AbandonedCalls } from './AbandonedCalls';
import { DialForm } from './DialForm';
import { PRESENCE_AWAY_REASON } from '../../../../state-machines/agent';
import { RecentCalls } from './RecentCalls';
import { ActiveCall } from './ActiveCall';
import { tc } from './messages';
import './calls.css';
import { callDesk, callerLabel, isOverdue, lineLabel, transferredToMe, waitedMs, type CallDesk } from './model';

/** The calls panel for a call-taking seat; nothing for a seat that takes no calls. */
export function CallsPanel() {
  const c = useConsole();
  useLocale();
  const calls = useStore(c.calls);
  const agents = useStore(c.agents);
  const desk = callDesk(calls, agents, c.actor.id, c.city);
  const cmd = useCommand(c.live);
  useAnswerKey(desk, cmd.run, c.actor.id);
  useBackAfterDrop(desk, cmd.run, useLiveState(c.live) === 'live');
  if (!c.callAgencyId) return null;
  const ready = desk.me?.state === 'ready';
  return (
    <Panel
      title={t('panel.calls')} testId="calls-panel" className="calls-panel"
      actions={<ReadyToggle ready={ready} cmd={cmd} />}
      extra={{ 'data-agent-state': desk.me?.state ?? 'away', 'data-waiting': String(desk.waiting.length) }}
    >
      {cmd.error && <p className="error" role="alert" data-testid="calls-error">{cmd.error}</p>}
      {!ready && desk.me?.awayReason && <AwayReason reason={desk.me.awayReason} />}
      {desk.offered && <OfferBanner call={desk.offered} cmd={cmd} />}
      <DialForm cmd={cmd} />
      {desk.mine.map((call) => <ActiveCall key={call.id} call={call} />)}
      <WaitingList waiting={desk.waiting} />
      <AbandonedCalls calls={desk.abandoned} />
      <RecentCalls inHand={desk.mine.map((m) => m.id).join(' ')} />
    </Panel>
  );
}

function ReadyToggle({ ready, cmd }: { ready: boolean; cmd: CommandTracker }) {
  const toggle = () => void cmd.run('ready', ready ? { type: 'call.agent.away', reason: tc('calls.away_reason') } : { type: 'call.agent.ready' });
  return (
    <button
      type="button" className={`small agent-toggle ${ready ? 'is-ready' : 'is-away'}`} data-testid="agent-toggle" aria-pressed={ready}
      title={ready ? tc('calls.ready_hint') : tc('calls.away_hint')} disabled={cmd.pending === 'ready'} onClick={toggle}
    >
      <span className="agent-dot" aria-hidden="true">●</span> {ready ? tc('calls.ready') : tc('calls.away')}
      <span className="muted"> · {ready ? tc('calls.go_away') : tc('calls.go_ready')}</span>
    </button>
  );
}

/**
 * A answers the call offered to this seat (or, with none, a call handed to it), from anywhere
 * but a field being typed in.
 */
function useAnswerKey(desk: CallDesk, run: CommandTracker['run'], agentId: string): void {
  const callId = desk.offered?.id ?? desk.mine.find((c) => transferredToMe(c, agentId))?.id ?? null;
  useEffect(() => {
    if (!callId) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || (e.key !== 'a' && e.key !== 'A')) return;
      e.preventDefault();
      void run('answer', { type: 'call.answer', callId });
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [callId, run]);
}

/**
 * The server sets a seat away when all its consoles were gone for a while (a network outage):
 * this console, back on line and ready before the drop, puts it back to ready. A seat its
 * dispatcher set away, or a console opened afresh after the seat was left, stays away.
 */
function useBackAfterDrop(desk: CallDesk, run: CommandTracker['run'], live: boolean): void {
  const wasReady = useRef(false);
  const state = desk.me?.state;
  const reason = desk.me?.awayReason ?? null;
  useEffect(() => {
    if (state === 'ready') wasReady.current = true;
    else if (state === 'away' && reason !== PRESENCE_AWAY_REASON) wasReady.current = false;
    if (live && state === 'away' && reason === PRESENCE_AWAY_REASON && wasReady.current) {
      wasReady.current = false;
      void run('ready', { type: 'call.agent.ready' });
    }
  }, [state, reason, live, run]);
}

/** Why the seat is away, when the ACD set it so (a missed or declined offer): the call taker must know. */
function AwayReason({ reason }: { reason: string }) {
  const missed = /^missed call (\S+)/.exec(reason);
  const declined = /^declined call (\S+)/.exec(reason);
  const dropped = reason === PRESENCE_AWAY_REASON;
  // Away by the seat's own choice (or just signed in) needs no explanation.
  if (!missed && !declined && !dropped) return null;
  const words = dropped ? tc('calls.away_disconnected')
    : missed ? tc('calls.away_missed', { id: missed[1]! }) : tc('calls.away_declined', { id: declined![1]! });
  return <p className="hint away-reason" data-testid="away-reason">{tc('calls.away')}: {words}</p>;
}

function OfferBanner({ call, cmd }: { call: CallView; cmd: CommandTracker }) {
  const c = useConsole();
  const now = useNow();
  return (
    <div className="call-offer" data-testid="call-offer" data-call-id={call.id} role="alert">
      <div className="call-offer-head">
        <span className="call-offer-title">☎ {tc('calls.offer')}</span>
        <span className="call-line">{lineLabel(c.city, call.line)}</span>
      </div>
      <div className="call-number" data-testid="call-offer-number">{callerLabel(call)}</div>
      <div className="muted">{tc('calls.waited', { t: elapsed(waitedMs(call, now)) })}</div>
      <div className="call-buttons">
        <button type="button" className="primary" data-testid="call-answer" disabled={cmd.pending === 'answer'}
          onClick={() => void cmd.run('answer', { type: 'call.answer', callId: call.id })}>{tc('calls.answer')}</button>
        <button type="button" data-testid="call-decline" disabled={cmd.pending === 'decline'}
          onClick={() => void cmd.run('decline', { type: 'call.decline', callId: call.id })}>{tc('calls.decline')}</button>
      </div>
    </div>
  );
}

function WaitingList({ waiting }: { waiting: CallView[] }) {
  const c = useConsole();
  const now = useNow();
  return (
    <section className="calls-section" aria-label={tc('calls.waiting')}>
      <h3>{tc('calls.waiting')} <span className={`count-badge${waiting.some((w) => isOverdue(w, now)) ? ' hot' : ''}`}>{waiting.length}</span></h3>
      {waiting.length === 0 && <p className="muted">{tc('calls.waiting_none')}</p>}
      <ol className="call-queue" data-testid="call-queue">
        {waiting.map((call) => {
          const overdue = isOverdue(call, now);
          const mine = call.offer?.agentId === c.actor.id;
          return (
            <li key={call.id} className={`call-row prio-${call.priority}${overdue ? ' overdue' : ''}${mine ? ' offered-me' : ''}`} data-testid="call-row"
              data-call-id={call.id} data-line={call.line} data-state={call.state} data-overdue={overdue ? 'true' : 'false'}>
              <span className="call-prio" title={`P${call.priority}`}>{call.priority}</span>
              <span className="call-row-main">
                <span className="call-number">{callerLabel(call)}</span>
                <span className="muted call-row-sub">
                  {lineLabel(c.city, call.line)}
                  {call.offer && ` · ${mine ? tc('calls.offered_you') : tc('calls.offered_to', { name: call.offer.username })}`}
                </span>
              </span>
              <span className="call-wait" data-testid="call-wait">
                {elapsed(waitedMs(call, now))}
                {overdue && <span className="call-overdue">{tc('calls.overdue')}</span>}
              </span>
            </li>
          );
        })}
      </ol>
    </section>
  );
}
