/**
 * Instant recall of the call in hand (`call-recall`): Replay (or R, from anywhere but a field
 * being typed in) plays the last `RECALL_SECONDS` of what the caller said, and what this seat
 * said unmuted, from a rolling buffer kept in the browser, while the live audio goes on in its
 * own element. The buffer follows the tracks `lib/callAudio.ts` receives and sends
 * (`watchCallAudioTracks`); it lives as long as the call is in this seat's hands, so a call
 * just resumed from hold can still be replayed. Nothing leaves the browser: the recordings of
 * record are the server's (see RecentCalls).
 */
import { useEffect, useRef, useState } from 'react';
import { watchCallAudioTracks } from '../../lib/callAudio';
import { isTyping } from '../state';
import { tc } from './messages';
import { RecallBuffer } from './recall-buffer';
import './recall.css';

/** How far back Replay goes, in seconds. */
export const RECALL_SECONDS = 30;

declare global {
  interface Window {
    /** For tests: seconds buffered for recall of the call in hand. */
    __beaconRecall?: { callId: string; bufferedSeconds(): Promise<number> };
  }
}

type ReplayState = { kind: 'idle' } | { kind: 'playing'; url: string } | { kind: 'empty' } | { kind: 'failed'; message: string };

/** Mounted while the call is in this seat's hands; `live`: the call is heard now (R is bound then). */
export function CallRecall({ callId, live }: { callId: string; live: boolean }) {
  const buffer = useRef<RecallBuffer | null>(null);
  const [state, setState] = useState<ReplayState>({ kind: 'idle' });
  const player = useRef<HTMLAudioElement>(null);

  useEffect(() => {
    const recall = new RecallBuffer(RECALL_SECONDS);
    buffer.current = recall;
    const unwatch = watchCallAudioTracks(callId, (tracks) => recall.follow([...tracks.callers, ...(tracks.microphone ? [tracks.microphone] : [])]));
    window.__beaconRecall = { callId, bufferedSeconds: () => recall.bufferedSeconds() };
    return () => {
      unwatch();
      recall.close();
      buffer.current = null;
      if (window.__beaconRecall?.callId === callId) delete window.__beaconRecall;
    };
  }, [callId]);

  // The object URL of a replay is released when the next one replaces it, or on unmount.
  const url = state.kind === 'playing' ? state.url : null;
  useEffect(() => () => { if (url) URL.revokeObjectURL(url); }, [url]);

  const replay = async () => {
    const recall = buffer.current;
    if (!recall) return;
    try {
      const wav = await recall.wav();
      if (!wav) return setState({ kind: 'empty' });
      setState({ kind: 'playing', url: URL.createObjectURL(wav) });
    } catch (err) {
      setState({ kind: 'failed', message: (err as Error).message });
    }
  };
  const stop = () => setState({ kind: 'idle' });

  const replayRef = useRef(replay);
  replayRef.current = replay;
  useEffect(() => {
    if (!live) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || (e.key !== 'r' && e.key !== 'R')) return;
      e.preventDefault();
      void replayRef.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [live]);

  const playing = state.kind === 'playing';
  return (
    <div className="call-recall" data-testid="call-recall" data-replay-state={state.kind}>
      <button type="button" className={playing ? 'active' : ''} data-testid="call-replay" aria-pressed={playing}
        title={tc('recall.hint', { s: RECALL_SECONDS })} onClick={() => (playing ? stop() : void replay())}>
        {playing ? tc('recall.stop') : tc('recall.replay')}
      </button>
      {playing && (
        <>
          <span className="muted call-recall-note">{tc('recall.playing', { s: RECALL_SECONDS })}</span>
          <audio ref={player} key={state.url} data-testid="call-replay-audio" src={state.url} autoPlay onEnded={stop}
            onError={() => setState({ kind: 'failed', message: player.current?.error?.message || 'the browser could not play it' })} />
        </>
      )}
      {state.kind === 'empty' && <span className="muted">{tc('recall.empty')}</span>}
      {state.kind === 'failed' && <span className="error" role="alert">{tc('recall.failed', { message: state.message })}</span>}
    </div>
  );
}
