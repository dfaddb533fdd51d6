/**
 * Two-way audio of a phone call in the browser, in the call's media room (`call:<callId>`,
 * a router whose only codecs are PCMU, PCMA and telephone-event): the caller's voice (the
 * phone's producer, `source: 'phone'`, and any other phone leg conferenced in) is consumed on
 * a receive transport, and the dispatcher's microphone is published as PCMU on a send
 * transport (`appData: { source: 'dispatcher', callId }`), which the server sends on to the
 * phone as plain G.711, without transcoding. Built with `media.ts`'s session machinery, so it
 * is rebuilt after a reconnect and on `room.reset`; `stop()` leaves the room (the call ended,
 * went on hold or was handed on) and releases the microphone.
 */
import type { types as msc } from 'mediasoup-client';
import type { MediaResult } from '../../../server/protocol';
import type { LiveClient } from './live';
import { closeRemote, createTransport, loadDevice, runSession, type MediaSession } from './media';

export const callRoomOf = (callId: string) => `call:${callId}`;

/** What the call's audio carries now (the current transports only: counts restart after a rebuild). */
export interface CallAudioStats {
  /** RTP from the phone, received by this browser (`inbound-rtp`, audio). */
  packetsReceived: number;
  bytesReceived: number;
  /** RTP of this dispatcher's microphone, sent to the server (`outbound-rtp`, audio). */
  packetsSent: number;
  bytesSent: number;
  /** Phone producers consumed now. */
  remoteTracks: number;
  /** Whether the microphone is published now (false: muted, none, or refused). */
  microphone: boolean;
  muted: boolean;
}

export interface CallAudio extends MediaSession {
  readonly muted: boolean;
  /** Why there is no microphone, if getUserMedia failed (the call is still heard). */
  readonly microphoneError: Error | null;
  /** Mutes (pauses the producer: no RTP) or unmutes the dispatcher's microphone. */
  setMuted(muted: boolean): void;
  stats(): Promise<CallAudioStats>;
}

/**
 * What a call's audio carries now, for instant recall (`console/calls/Recall.tsx`): the
 * callers' voices this seat receives, and its own microphone while it is not muted (muted
 * words are not the caller's to hear again, nor anyone's to replay).
 */
export interface CallAudioTracks {
  callers: MediaStreamTrack[];
  microphone: MediaStreamTrack | null;
}

const trackListeners = new Map<string, Set<(tracks: CallAudioTracks) => void>>();
const currentTracks = new Map<string, CallAudioTracks>();

/** Follows the tracks of the call's audio (now, then on every change); returns the unsubscribe. */
export function watchCallAudioTracks(callId: string, listener: (tracks: CallAudioTracks) => void): () => void {
  let set = trackListeners.get(callId);
  if (!set) trackListeners.set(callId, (set = new Set()));
  set.add(listener);
  listener(currentTracks.get(callId) ?? { callers: [], microphone: null });
  return () => {
    set.delete(listener);
    if (set.size === 0) trackListeners.delete(callId);
  };
}

function publishTracks(callId: string, tracks: CallAudioTracks): void {
  if (tracks.callers.length === 0 && !tracks.microphone) currentTracks.delete(callId);
  else currentTracks.set(callId, tracks);
  for (const listener of trackListeners.get(callId) ?? []) {
    try {
      listener(tracks);
    } catch (err) {
      console.warn(`call audio ${callId}: a track listener failed: ${(err as Error).message}`);
    }
  }
}

export interface CallAudioHandlers {
  /** A caller's voice track to play (one per phone producer). */
  onRemoteTrack(producerId: string, track: MediaStreamTrack): void;
  /** That track is gone (the producer closed, or the session is rebuilding or stopping). */
  onRemoteTrackEnded?(producerId: string): void;
  onChange?(session: CallAudio): void;
  /** The microphone; default `getUserMedia` with echo cancellation. */
  getMicrophone?(): Promise<MediaStreamTrack>;
}

interface AudioState {
  recv: msc.Transport;
  send: msc.Transport | null;
  mic: msc.Producer | null;
  consumers: Map<string, msc.Consumer>;
}

async function defaultMicrophone(): Promise<MediaStreamTrack> {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true }, video: false });
  const track = stream.getAudioTracks()[0];
  if (!track) throw new Error('the microphone gave no audio track');
  return track;
}

type RtpStat = { type?: string; kind?: string; packetsReceived?: number; bytesReceived?: number; packetsSent?: number; bytesSent?: number };

export function joinCallAudio(live: LiveClient, callId: string, handlers: CallAudioHandlers): CallAudio {
  const roomId = callRoomOf(callId);
  let current: AudioState | null = null;
  let micTrack: MediaStreamTrack | null = null;
  let micError: Error | null = null;
  let muted = false;
  let stopped = false;
  /** This seat's microphone producers, the ones of earlier sessions included (a reconnect leaves the old one a moment). */
  const ownMicrophones = new Set<string>();
  /** Tells recall what is heard and said now. */
  const tracksChanged = () => {
    const c = current;
    const callers = stopped || !c ? [] : [...c.consumers.values()].filter((k) => !k.closed).map((k) => k.track);
    const mic = !stopped && !muted && c?.mic && !c.mic.closed && micTrack?.readyState === 'live' ? micTrack : null;
    publishTracks(callId, { callers, microphone: mic });
  };

  const microphone = async (): Promise<MediaStreamTrack | null> => {
    if (micTrack && micTrack.readyState === 'live') return micTrack;
    try {
      micTrack = await (handlers.getMicrophone ?? defaultMicrophone)();
      micError = null;
      if (stopped) micTrack.stop();
      return micTrack;
    } catch (err) {
      micError = err instanceof Error ? err : new Error(String(err));
      console.warn(`call audio ${roomId}: no microphone: ${micError.message}`);
      return null;
    }
  };

  const session = runSession(live, roomId, async () => {
    const device = await loadDevice(live, roomId);
    const recv = await createTransport(live, device, roomId, 'recv');
    const state: AudioState = { recv, send: null, mic: null, consumers: new Map() };
    const seen = new Set<string>();
    let closed = false;
    const consume = async (producerId: string) => {
      if (seen.has(producerId) || closed) return;
      seen.add(producerId);
      try {
        const r = await live.mediaRequest<MediaResult<'consume'>>({
          action: 'consume', transportId: recv.id, producerId, rtpCapabilities: device.rtpCapabilities as never,
        });
        if (closed) return;
        const consumer = await recv.consume({
          id: r.consumerId, producerId: r.producerId, kind: r.kind, rtpParameters: r.rtpParameters as unknown as msc.RtpParameters,
        });
        state.consumers.set(producerId, consumer);
        await live.mediaRequest({ action: 'consumer.resume', consumerId: consumer.id });
        if (closed) return;
        handlers.onRemoteTrack(producerId, consumer.track);
        tracksChanged();
      } catch (err) {
        seen.delete(producerId);
        if (!closed) console.warn(`call audio ${roomId}: could not consume ${producerId}: ${(err as Error).message}`);
      }
    };
    /**
     * The room's voices: phone legs and the other dispatchers (a consultation, a conference),
     * never this seat's own microphone, nor the server's conference mixes (those are for phones:
     * a browser mixes what it plays itself).
     */
    const consumeCallers = async () => {
      const list = await live.mediaRequest<MediaResult<'producers.list'>>({ action: 'producers.list', roomId });
      if (closed) return;
      const voices = list.producers.filter((p) => p.kind === 'audio' && p.source !== 'mix' && p.producerId !== state.mic?.id && !ownMicrophones.has(p.producerId));
      await Promise.all(voices.map((p) => consume(p.producerId)));
    };
    const cleanup = () => {
      closed = true;
      if (current === holder) current = null;
      for (const producerId of state.consumers.keys()) handlers.onRemoteTrackEnded?.(producerId);
      state.consumers.clear();
      tracksChanged();
      recv.close();
      closeRemote(live, recv.id);
      if (state.send) {
        state.send.close();
        closeRemote(live, state.send.id);
      }
    };
    const holder = Object.assign(state, { consumeCallers, closed: () => closed });
    current = holder;
    try {
      await consumeCallers();
      const track = await microphone();
      if (track && !closed) {
        const send = await createTransport(live, device, roomId, 'send');
        state.send = send;
        send.on('produce', ({ kind, rtpParameters }, callback, errback) => {
          live.mediaRequest<MediaResult<'produce'>>({
            action: 'produce', transportId: send.id, kind, rtpParameters: rtpParameters as never, appData: { source: 'dispatcher', callId },
          }).then(({ producerId }) => callback({ id: producerId }), (err: Error) => errback(err));
        });
        // G.711 straight to the phone: the router has PCMU, and the browser must not pick anything else.
        const codec = device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'audio/pcmu');
        if (!codec) throw new Error('the call room offers no PCMU');
        state.mic = await send.produce({ track, codec, stopTracks: false, disableTrackOnPause: false, zeroRtpOnPause: true });
        ownMicrophones.add(state.mic.id);
        if (muted) pauseMic(state.mic);
        tracksChanged();
      }
    } catch (err) {
      cleanup();
      throw err;
    }
    return cleanup;
  }, () => handlers.onChange?.(audio), (f) => {
    const c = current as (AudioState & { consumeCallers(): Promise<void>; closed(): boolean }) | null;
    if (!c || c.closed() || !f.producerId) return;
    if (f.event === 'producer.added' && f.kind === 'audio') {
      c.consumeCallers().catch((err: Error) => console.warn(`call audio ${roomId}: ${err.message}`));
    } else if (f.event === 'producer.closed') {
      const consumer = c.consumers.get(f.producerId);
      if (!consumer) return;
      consumer.close();
      c.consumers.delete(f.producerId);
      handlers.onRemoteTrackEnded?.(f.producerId);
      tracksChanged();
    }
  });

  function pauseMic(p: msc.Producer) {
    p.pause();
    live.mediaRequest({ action: 'producer.pause', producerId: p.id }).catch(() => undefined);
  }

  const stopSession = session.stop.bind(session);
  Object.defineProperties(session, {
    muted: { get: () => muted, enumerable: true },
    microphoneError: { get: () => micError, enumerable: true },
  });
  const audio: CallAudio = Object.assign(session as MediaSession & Pick<CallAudio, 'muted' | 'microphoneError'>, {
    setMuted(m: boolean) {
      muted = m;
      tracksChanged();
      const p = current?.mic;
      if (!p || p.closed) return void handlers.onChange?.(audio);
      if (m) pauseMic(p);
      else {
        p.resume();
        live.mediaRequest({ action: 'producer.resume', producerId: p.id }).catch(() => undefined);
      }
      handlers.onChange?.(audio);
    },
    async stats(): Promise<CallAudioStats> {
      const out: CallAudioStats = { packetsReceived: 0, bytesReceived: 0, packetsSent: 0, bytesSent: 0, remoteTracks: 0, microphone: false, muted };
      const c = current;
      if (!c) return out;
      out.remoteTracks = c.consumers.size;
      out.microphone = !!c.mic && !c.mic.closed && !c.mic.paused;
      (await c.recv.getStats()).forEach((s: RtpStat) => {
        if (s.type !== 'inbound-rtp' || s.kind !== 'audio') return;
        out.packetsReceived += s.packetsReceived ?? 0;
        out.bytesReceived += s.bytesReceived ?? 0;
      });
      if (c.mic && !c.mic.closed) {
        (await c.mic.getStats()).forEach((s: RtpStat) => {
          if (s.type !== 'outbound-rtp' || s.kind !== 'audio') return;
          out.packetsSent += s.packetsSent ?? 0;
          out.bytesSent += s.bytesSent ?? 0;
        });
      }
      return out;
    },
    /** Leaves the call room (server side too) and releases the microphone. */
    stop() {
      if (stopped) return;
      stopped = true;
      stopSession();
      live.mediaRequest({ action: 'room.leave', roomId }).catch(() => undefined);
      micTrack?.stop();
      micTrack = null;
      tracksChanged();
    },
  });
  return audio;
}
