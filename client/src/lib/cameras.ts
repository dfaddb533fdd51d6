/**
 * The body cameras of one incident as a viewer's wall shows them, shared by the console's video
 * wall and the commander tablet: one entry per unit (its video and audio in one stream), one
 * camera enlarged at a time (it alone asks for the top simulcast layer, the small tiles keep the
 * smallest, so a wall of many cameras stays cheap) and one camera listened to at a time.
 * Outside React, so the console's map can read which units have a live camera and ask for one.
 */
import { useSyncExternalStore } from 'react';
import type { LiveClient } from './live';
import { viewIncident, type IncidentTrack, type IncidentView, type IncidentViewStats } from './media';

/** Simulcast layer of a small tile (1/4 resolution) and of the enlarged camera (full). */
export const TILE_LAYER = 0;
export const FOCUS_LAYER = 2;

/** How long a camera that dropped out keeps its tile and roles, should it come back (see `startGrace`). */
const RECONNECT_GRACE_MS = 15_000;

/** One unit's live body camera. */
export interface LiveCamera {
  /** The unit id, or the producer id of a source that is not a unit. */
  key: string;
  unitId: string | null;
  /** Video and audio of the camera (a new stream object when a track comes or goes). */
  stream: MediaStream;
  videoProducerId: string | null;
  audioProducerId: string | null;
  /**
   * Its tracks ended because the view is being rebuilt (the room moved to a new media worker,
   * or the connection came back): the tile stays, showing no signal, until the camera's new
   * tracks arrive, and goes if they do not within RECONNECT_GRACE_MS.
   */
  stalled: boolean;
}

/** What a wall shows. */
export interface CameraWallState {
  incidentId: string | null;
  cameras: readonly LiveCamera[];
  /** Key of the enlarged camera (shown only while it is in `cameras`). */
  focused: string | null;
  /** Key of the camera whose audio plays (every other tile is muted). */
  listening: string | null;
  /** Why the incident's media could not be opened, while that lasts. */
  error: string | null;
}

const EMPTY: CameraWallState = { incidentId: null, cameras: [], focused: null, listening: null, error: null };

/** The cameras of the incident being watched, with the enlarged and listened-to one. */
export class CameraWall {
  private state: CameraWallState = EMPTY;
  private view: IncidentView | null = null;
  private readonly listeners = new Set<() => void>();
  private grace: ReturnType<typeof setTimeout> | null = null;
  /** A camera asked for before it is live (a unit clicked on the map), and until when. */
  private wanted: { key: string; until: number } | null = null;

  constructor(private readonly live: LiveClient) {}

  /** What the wall shows now (a new object on every change). */
  get(): CameraWallState {
    return this.state;
  }

  /** Calls `listener` after every change; returns the unsubscribe. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** Watches the cameras of `incidentId` (null: none); keeps the current view when it is the same. */
  show(incidentId: string | null): void {
    if (incidentId === this.state.incidentId) return;
    this.view?.stop();
    this.view = null;
    this.clearGrace();
    const keepWanted = this.wanted && this.wanted.until > Date.now() ? this.wanted : null;
    this.wanted = keepWanted;
    this.set({ ...EMPTY, incidentId });
    if (!incidentId) return;
    const view = viewIncident(this.live, incidentId, {
      onTrack: (tr) => this.addTrack(tr),
      onTrackEnded: (producerId, reason) => this.removeTrack(producerId, reason),
      onChange: (s) => {
        if (this.view === view) this.set({ ...this.state, error: s.error && !s.running ? s.error.message : null });
      },
    });
    this.view = view;
  }

  /** Enlarges one camera (null: back to the grid); only the enlarged one asks for the top layer. */
  focus(key: string | null): void {
    this.wanted = null;
    if (key === this.state.focused) return;
    const before = this.state.focused;
    this.set({ ...this.state, focused: key });
    this.applyLayer(before);
    this.applyLayer(key);
  }

  /**
   * Enlarges the unit's camera now if it is live, or as soon as it appears within `withinMs`
   * (its incident's cameras are still being fetched after a click on the map).
   */
  focusWhenLive(unitId: string, withinMs = 10_000): void {
    if (this.state.cameras.some((c) => c.key === unitId)) return this.focus(unitId);
    this.wanted = { key: unitId, until: Date.now() + withinMs };
  }

  /** Plays one camera's audio (null: none); only one at a time. */
  listen(key: string | null): void {
    if (key !== this.state.listening) this.set({ ...this.state, listening: key });
  }

  /** Receive statistics of the current view (tests, diagnostics). */
  stats(): Promise<IncidentViewStats> {
    return this.view?.stats() ?? Promise.resolve({ framesDecoded: 0, audioBytes: 0, videoBytes: 0, videos: [] });
  }

  /** Stops viewing (the console signing out, the tablet leaving the incident). */
  close(): void {
    this.show(null);
    this.listeners.clear();
  }

  private set(next: CameraWallState): void {
    this.state = next;
    for (const l of this.listeners) l();
  }

  private addTrack(tr: IncidentTrack): void {
    const key = tr.unitId ?? tr.producerId;
    const cameras = [...this.state.cameras];
    const i = cameras.findIndex((c) => c.key === key);
    const old = i >= 0 ? cameras[i]! : null;
    // Ended tracks (of a view being rebuilt) are dropped; the camera's other live track is kept.
    const kept = old?.stream.getTracks().filter((x) => x.kind !== tr.kind && x.readyState === 'live') ?? [];
    const camera: LiveCamera = {
      key, unitId: tr.unitId, stream: new MediaStream([...kept, tr.track]), stalled: false,
      videoProducerId: tr.kind === 'video' ? tr.producerId : (old?.videoProducerId ?? null),
      audioProducerId: tr.kind === 'audio' ? tr.producerId : (old?.audioProducerId ?? null),
    };
    if (old) cameras[i] = camera;
    else cameras.push(camera);
    let focused = this.state.focused;
    if (this.wanted?.key === key) {
      if (this.wanted.until >= Date.now()) focused = key;
      this.wanted = null;
    }
    this.set({ ...this.state, cameras, focused });
    if (!cameras.some((c) => c.stalled) && !this.isGone(focused) && !this.isGone(this.state.listening)) this.clearGrace();
    if (tr.kind === 'video') this.applyLayer(key);
  }

  private removeTrack(producerId: string, reason: 'closed' | 'rebuilding'): void {
    const cameras = this.state.cameras.flatMap((c): LiveCamera[] => {
      const isVideo = c.videoProducerId === producerId;
      if (!isVideo && c.audioProducerId !== producerId) return [c];
      const ids = { videoProducerId: isVideo ? null : c.videoProducerId, audioProducerId: isVideo ? c.audioProducerId : null };
      if (reason === 'rebuilding') return [{ ...c, ...ids, stalled: true }];
      const left = c.stream.getTracks().filter((x) => x.kind !== (isVideo ? 'video' : 'audio'));
      return left.length ? [{ ...c, ...ids, stream: new MediaStream(left) }] : [];
    });
    this.set({ ...this.state, cameras });
    if (reason === 'rebuilding' || this.isGone(this.state.focused) || this.isGone(this.state.listening)) this.startGrace();
  }

  private isGone(key: string | null): boolean {
    return key !== null && !this.state.cameras.some((c) => c.key === key);
  }

  /**
   * Cameras dropped out: a stalled tile, and the enlarged or listened-to role of a camera gone,
   * wait for the camera to come back (every camera drops out for a moment when the room moves
   * to a new media worker). After RECONNECT_GRACE_MS what has not come back goes, so a camera
   * back an hour later does not take over the screen or start playing aloud.
   */
  private startGrace(): void {
    this.clearGrace(); // counted from the latest dropout
    this.grace = setTimeout(() => {
      this.grace = null;
      const cameras = this.state.cameras.filter((c) => !c.stalled);
      const gone = (key: string | null) => key !== null && !cameras.some((c) => c.key === key);
      const s = this.state;
      this.set({ ...s, cameras, focused: gone(s.focused) ? null : s.focused, listening: gone(s.listening) ? null : s.listening });
    }, RECONNECT_GRACE_MS);
  }

  private applyLayer(key: string | null): void {
    const producerId = key && this.state.cameras.find((c) => c.key === key)?.videoProducerId;
    if (!producerId || !this.view) return;
    this.view.setPreferredLayers(producerId, key === this.state.focused ? FOCUS_LAYER : TILE_LAYER).catch(() => undefined);
  }

  private clearGrace(): void {
    if (this.grace) clearTimeout(this.grace);
    this.grace = null;
  }
}

const noWall = () => () => undefined;

/** The wall's state, re-rendering on change (no cameras while there is no wall yet). */
export function useCameraWall(wall: CameraWall | null): CameraWallState {
  return useSyncExternalStore(wall?.subscribe ?? noWall, () => wall?.get() ?? EMPTY);
}
