/**
 * The audio of the call in hand (`call-audio`): while the call is answered (or conferenced),
 * the caller's voice plays in an `<audio>` element and this dispatcher's microphone goes to
 * the phone (`lib/callAudio.ts`); hold, hang up and handing the call on unmount it, which
 * leaves the call room and releases the microphone. Mute pauses the microphone's producer.
 * Tests read the RTP counts through `window.__beaconCallAudio`.
 */
import { useEffect, useRef, useState } from 'react';
import { joinCallAudio, type CallAudio, type CallAudioStats } from '../../lib/callAudio';
import { useConsole } from '../session';
import { tc } from './messages';

declare global {
  interface Window {
    __beaconCallAudio?: { callId: string; muted: boolean; stats(): Promise<CallAudioStats> };
  }
}

type AudioState = 'connecting' | 'live' | 'failed';

/** Mounted while the caller is to be heard; `muted` outlives it (a held call resumes muted). */
export function CallAudioControls({ callId, muted, onMuted }: { callId: string; muted: boolean; onMuted(m: boolean): void }) {
  const c = useConsole();
  const audioEl = useRef<HTMLAudioElement>(null);
  const session = useRef<CallAudio | null>(null);
  const [state, setState] = useState<AudioState>('connecting');
  const [error, setError] = useState<string | null>(null);
  const [noMic, setNoMic] = useState(false);
  const mutedRef = useRef(muted);
  mutedRef.current = muted;

  useEffect(() => {
    const stream = new MediaStream();
    if (audioEl.current) audioEl.current.srcObject = stream;
    const tracks = new Map<string, MediaStreamTrack>();
    const audio = joinCallAudio(c.live, callId, {
      onRemoteTrack(producerId, track) {
        tracks.set(producerId, track);
        stream.addTrack(track);
        void audioEl.current?.play().catch(() => undefined);
      },
      onRemoteTrackEnded(producerId) {
        const track = tracks.get(producerId);
        if (track) stream.removeTrack(track);
        tracks.delete(producerId);
      },
      onChange(s) {
        setState(s.running ? 'live' : s.error ? 'failed' : 'connecting');
        setError(s.error?.message ?? null);
        setNoMic(!!s.microphoneError);
      },
    });
    if (mutedRef.current) audio.setMuted(true);
    session.current = audio;
    window.__beaconCallAudio = { callId, get muted() { return audio.muted; }, stats: () => audio.stats() };
    return () => {
      audio.stop();
      session.current = null;
      if (window.__beaconCallAudio?.callId === callId) delete window.__beaconCallAudio;
      if (audioEl.current) audioEl.current.srcObject = null;
    };
  }, [c.live, callId]);

  useEffect(() => {
    if (session.current && session.current.muted !== muted) session.current.setMuted(muted);
  }, [muted]);

  return (
    <div className="call-audio" data-testid="call-audio" data-audio-state={state} data-muted={String(muted)}>
      <audio ref={audioEl} autoPlay data-testid="call-audio-out" />
      <span className={`call-audio-state ${state}`} data-testid="call-audio-state" title={state === 'live' ? tc('calls.audio_live') : error ?? undefined}>
        {state === 'live' ? tc('calls.audio_live') : state === 'failed' ? tc('calls.audio_failed') : tc('calls.audio_connecting')}
      </span>
      {noMic && <span className="error" data-testid="call-no-mic">{tc('calls.no_mic')}</span>}
      <button type="button" className={muted ? 'active' : ''} data-testid="call-mute" aria-pressed={muted} title={tc('calls.mute_hint')}
        onClick={() => onMuted(!muted)}>{muted ? tc('calls.unmute') : tc('calls.mute')}</button>
    </div>
  );
}
