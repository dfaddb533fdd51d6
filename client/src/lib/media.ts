/**
 * Body-camera video in the browser, over the live connection's media signalling
 * (`LiveClient.mediaRequest`, `media.event`) with mediasoup-client: a field unit publishes its
 * camera into its incident's room (`publishCamera`), a dispatcher views every camera of an
 * incident (`viewIncident`). Media sessions live and die with the WebSocket, so both rebuild
 * everything when the connection comes back and when the server says `room.reset` (the media
 * worker was replaced); `room.closed` (the incident closed) ends them.
 */
import { Device, type types as msc } from 'mediasoup-client';
import type { MediaResult } from '../../../server/protocol';
import type { LiveClient, MediaEventFrame } from './live';

const roomOf = (incidentId: string) => `incident:${incidentId}`;

/** Three VP8 simulcast layers: 1/4, 1/2 and full resolution (720p from the camera). */
const SIMULCAST: RTCRtpEncodingParameters[] = [
  { scaleResolutionDownBy: 4, maxBitrate: 150_000 },
  { scaleResolutionDownBy: 2, maxBitrate: 500_000 },
  { scaleResolutionDownBy: 1, maxBitrate: 1_500_000 },
];

type TransportInfo = MediaResult<'transport.create'>;

export async function loadDevice(live: LiveClient, roomId: string): Promise<Device> {
  const caps = await live.mediaRequest<MediaResult<'router.capabilities'>>({ action: 'router.capabilities', roomId });
  const device = await Device.factory();
  await device.load({ routerRtpCapabilities: caps.rtpCapabilities as unknown as msc.RtpCapabilities });
  return device;
}

/** A server transport mirrored by a mediasoup-client one, DTLS connected over signalling. */
export async function createTransport(live: LiveClient, device: Device, roomId: string, direction: 'send' | 'recv'): Promise<msc.Transport> {
  const info = await live.mediaRequest<TransportInfo>({ action: 'transport.create', roomId, direction });
  const options: msc.TransportOptions = {
    id: info.transportId,
    iceParameters: info.iceParameters as unknown as msc.IceParameters,
    iceCandidates: info.iceCandidates as unknown as msc.IceCandidate[],
    dtlsParameters: info.dtlsParameters as unknown as msc.DtlsParameters,
  };
  const transport = direction === 'send' ? device.createSendTransport(options) : device.createRecvTransport(options);
  transport.on('connect', ({ dtlsParameters }, callback, errback) => {
    live.mediaRequest({ action: 'transport.connect', transportId: transport.id, dtlsParameters: dtlsParameters as never })
      .then(() => callback(), (err: Error) => errback(err));
  });
  return transport;
}

/** Closes a server-side object of this session, ignoring a connection that is already gone. */
export function closeRemote(live: LiveClient, id: string): void {
  live.mediaRequest({ action: 'close', id }).catch(() => undefined);
}

export interface MediaSession {
  /** Whether the media is flowing right now (false while rebuilding or after an error). */
  readonly running: boolean;
  /** The last error that stopped a (re)start, if any. */
  readonly error: Error | null;
  stop(): void;
}

/** Retries of a failed (re)start: the room may be mid-rebuild (`media_unavailable`) for a moment. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 8_000;

/**
 * Runs `start` while the connection is live; runs it again after a reconnect or a
 * `room.reset` of `roomId`, and stops for good on `room.closed`. `start` returns its cleanup.
 * A start that fails is retried with a growing delay while the connection stays live: a
 * viewer that (re)joins while the room's worker is being replaced would otherwise stay dark.
 */
export function runSession(
  live: LiveClient, roomId: string, start: () => Promise<() => void>, onChange: (s: MediaSession) => void,
  onEvent?: (f: MediaEventFrame) => void,
): MediaSession {
  let cleanup: (() => void) | null = null;
  let stopped = false;
  let generation = 0;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  const session = {
    running: false,
    error: null as Error | null,
    stop() {
      if (stopped) return;
      stopped = true;
      offState();
      offEvent();
      teardown();
      onChange(session);
    },
  };
  const teardown = () => {
    generation++;
    if (retryTimer) clearTimeout(retryTimer);
    retryTimer = null;
    cleanup?.();
    cleanup = null;
    session.running = false;
  };
  const restart = () => {
    teardown();
    if (stopped || live.state !== 'live') return onChange(session);
    const mine = generation;
    start().then(
      (done) => {
        if (mine !== generation || stopped) return done();
        cleanup = done;
        failures = 0;
        session.running = true;
        session.error = null;
        onChange(session);
      },
      (err: unknown) => {
        if (mine !== generation || stopped) return;
        session.error = err instanceof Error ? err : new Error(String(err));
        console.warn(`media ${roomId}: ${session.error.message}`);
        onChange(session);
        const delay = Math.min(RETRY_MAX_MS, RETRY_FIRST_MS * 2 ** failures++);
        retryTimer = setTimeout(() => {
          retryTimer = null;
          if (mine === generation) restart();
        }, delay);
      },
    );
  };
  const offState = live.onState((s) => {
    if (s === 'live') {
      failures = 0;
      restart();
    } else if (session.running || retryTimer) {
      teardown();
      onChange(session);
    }
  });
  const offEvent = live.onMediaEvent((f) => {
    if (f.roomId !== roomId || stopped) return;
    if (f.event === 'room.reset') {
      failures = 0;
      restart();
    } else if (f.event === 'room.closed') session.stop();
    else onEvent?.(f);
  });
  restart();
  return session;
}

/**
 * Publishes a body camera (`stream`: one video and one audio track) for `unitId` into the
 * incident's room: VP8 with three simulcast layers, and Opus. The tracks stay the caller's.
 */
export function publishCamera(
  live: LiveClient, incidentId: string, unitId: string, stream: MediaStream, onChange: (s: MediaSession) => void = () => undefined,
): MediaSession {
  const roomId = roomOf(incidentId);
  return runSession(live, roomId, async () => {
    const device = await loadDevice(live, roomId);
    const transport = await createTransport(live, device, roomId, 'send');
    transport.on('produce', ({ kind, rtpParameters }, callback, errback) => {
      live.mediaRequest<MediaResult<'produce'>>({
        action: 'produce', transportId: transport.id, kind, rtpParameters: rtpParameters as never, appData: { source: 'bodycam', unitId },
      }).then(({ producerId }) => callback({ id: producerId }), (err: Error) => errback(err));
    });
    const cleanup = () => {
      transport.close();
      closeRemote(live, transport.id);
    };
    try {
      const video = stream.getVideoTracks()[0];
      const audio = stream.getAudioTracks()[0];
      if (!video && !audio) throw new Error('the camera gave no tracks');
      if (video) {
        const codec = device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'video/vp8');
        await transport.produce({ track: video, encodings: SIMULCAST.map((e) => ({ ...e })), codec, stopTracks: false });
      }
      if (audio) {
        const codec = device.rtpCapabilities.codecs?.find((c) => c.mimeType.toLowerCase() === 'audio/opus');
        await transport.produce({ track: audio, codec, stopTracks: false });
      }
    } catch (err) {
      cleanup();
      throw err;
    }
    return cleanup;
  }, onChange);
}

/** A camera track received from an incident's room. */
export interface IncidentTrack {
  producerId: string;
  consumerId: string;
  unitId: string | null;
  kind: 'audio' | 'video';
  track: MediaStreamTrack;
}

/** What one received camera video decodes now (from its receiver's `inbound-rtp` stats). */
export interface VideoReceiveStats {
  producerId: string;
  unitId: string | null;
  framesDecoded: number;
  /** Size of the last decoded frame: tells which simulcast layer arrives (0 before the first). */
  frameWidth: number;
  frameHeight: number;
}

/** Receive statistics of an incident view. */
export interface IncidentViewStats {
  framesDecoded: number;
  audioBytes: number;
  videoBytes: number;
  /** Per video consumer. */
  videos: VideoReceiveStats[];
}

export interface IncidentView extends MediaSession {
  /** Asks the server for a simulcast layer of one video consumer (0: the smallest). */
  setPreferredLayers(producerId: string, spatialLayer: number, temporalLayer?: number): Promise<void>;
  /** Decoded video frames and received audio bytes over the receive transport (tests, diagnostics). */
  stats(): Promise<IncidentViewStats>;
}

export interface ViewHandlers {
  onTrack(track: IncidentTrack): void;
  /**
   * A track is gone: its producer closed (`closed`: the camera was turned off), or the view is
   * rebuilding (`rebuilding`: after `room.reset` or a reconnect; the camera's new tracks follow
   * if it is still on) or stopping.
   */
  onTrackEnded?(producerId: string, reason: 'closed' | 'rebuilding'): void;
  onChange?(session: MediaSession): void;
}

interface ViewState {
  transport: msc.Transport;
  consumers: Map<string, msc.Consumer>;
  /** The unit of each consumed producer (null: a source that is not a unit's camera). */
  unitOf: Map<string, string | null>;
  consume(producerId: string, unitId: string | null): Promise<void>;
}

type InboundRtp = { type?: string; kind?: string; framesDecoded?: number; bytesReceived?: number; frameWidth?: number; frameHeight?: number };

/** The receive statistics of a view's current transport, in total and per video consumer. */
async function viewStats(state: ViewState | null): Promise<IncidentViewStats> {
  const out: IncidentViewStats = { framesDecoded: 0, audioBytes: 0, videoBytes: 0, videos: [] };
  if (!state) return out;
  const report = await state.transport.getStats();
  report.forEach((s: InboundRtp) => {
    if (s.type !== 'inbound-rtp') return;
    // mediasoup-client's hidden probator receiver shows as a second video stream without bytes.
    if (s.kind === 'video' && (s.bytesReceived ?? 0) > 0) {
      out.framesDecoded += s.framesDecoded ?? 0;
      out.videoBytes += s.bytesReceived ?? 0;
    } else if (s.kind === 'audio') out.audioBytes += s.bytesReceived ?? 0;
  });
  for (const [producerId, consumer] of state.consumers) {
    if (consumer.kind !== 'video' || consumer.closed) continue;
    const video: VideoReceiveStats = { producerId, unitId: state.unitOf.get(producerId) ?? null, framesDecoded: 0, frameWidth: 0, frameHeight: 0 };
    (await consumer.getStats()).forEach((s: InboundRtp) => {
      if (s.type !== 'inbound-rtp' || s.kind !== 'video' || (s.bytesReceived ?? 0) === 0) return;
      video.framesDecoded = s.framesDecoded ?? 0;
      video.frameWidth = s.frameWidth ?? 0;
      video.frameHeight = s.frameHeight ?? 0;
    });
    out.videos.push(video);
  }
  return out;
}

/**
 * Receives every camera of an incident: what is already published (`producers.list`) and what
 * is published later (`producer.added`), each consumer resumed once set up. Everything is
 * rebuilt on `room.reset` and after a reconnect.
 */
export function viewIncident(live: LiveClient, incidentId: string, handlers: ViewHandlers | ((track: IncidentTrack) => void)): IncidentView {
  const h: ViewHandlers = typeof handlers === 'function' ? { onTrack: handlers } : handlers;
  const roomId = roomOf(incidentId);
  let current: ViewState | null = null;

  const session = runSession(live, roomId, async () => {
    const device = await loadDevice(live, roomId);
    const transport = await createTransport(live, device, roomId, 'recv');
    const consumers = new Map<string, msc.Consumer>();
    const unitOf = new Map<string, string | null>();
    const seen = new Set<string>();
    let closed = false;
    const consume = async (producerId: string, unitId: string | null = null) => {
      if (seen.has(producerId) || closed) return;
      seen.add(producerId);
      try {
        const r = await live.mediaRequest<MediaResult<'consume'>>({
          action: 'consume', transportId: transport.id, producerId, rtpCapabilities: device.rtpCapabilities as never,
        });
        if (closed) return;
        const consumer = await transport.consume({
          id: r.consumerId, producerId: r.producerId, kind: r.kind, rtpParameters: r.rtpParameters as unknown as msc.RtpParameters,
        });
        consumers.set(producerId, consumer);
        unitOf.set(producerId, unitId);
        await live.mediaRequest({ action: 'consumer.resume', consumerId: consumer.id });
        if (closed) return;
        h.onTrack({ producerId, consumerId: consumer.id, unitId, kind: r.kind, track: consumer.track });
      } catch (err) {
        seen.delete(producerId);
        if (!closed) console.warn(`media ${roomId}: could not consume ${producerId}: ${(err as Error).message}`);
      }
    };
    const state: ViewState = { transport, consumers, unitOf, consume };
    current = state;
    const list = await live.mediaRequest<MediaResult<'producers.list'>>({ action: 'producers.list', roomId });
    await Promise.all(list.producers.map((p) => consume(p.producerId, p.unitId)));
    return () => {
      closed = true;
      if (current === state) current = null;
      for (const producerId of consumers.keys()) h.onTrackEnded?.(producerId, 'rebuilding');
      consumers.clear();
      transport.close();
      closeRemote(live, transport.id);
    };
  }, (s) => h.onChange?.(s), (f) => {
    const c = current;
    if (!c || !f.producerId) return;
    if (f.event === 'producer.added') void c.consume(f.producerId, f.unitId ?? null);
    else if (f.event === 'producer.closed') {
      const consumer = c.consumers.get(f.producerId);
      consumer?.close();
      c.consumers.delete(f.producerId);
      c.unitOf.delete(f.producerId);
      h.onTrackEnded?.(f.producerId, 'closed');
    }
  });

  const stopSession = session.stop.bind(session);
  return Object.assign(session, {
    /** Stops viewing and leaves the room, so the access log records the end of the viewing. */
    stop() {
      stopSession();
      live.mediaRequest({ action: 'room.leave', roomId }).catch(() => undefined);
    },
    async setPreferredLayers(producerId: string, spatialLayer: number, temporalLayer?: number) {
      const consumer = current?.consumers.get(producerId);
      if (!consumer || consumer.kind !== 'video') return;
      await live.mediaRequest({ action: 'consumer.setPreferredLayers', consumerId: consumer.id, spatialLayer, temporalLayer });
    },
    stats: () => viewStats(current),
  });
}
