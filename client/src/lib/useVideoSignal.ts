/** Plays a camera stream in a <video> and tells what it shows (shared by the console's wall and the tablet). */
import { useEffect, useRef, useState, type RefObject } from 'react';

/** What a camera's video shows: frames, not yet, or nothing arriving (a tile's `data-signal`). */
export type VideoSignal = 'connecting' | 'live' | 'stalled';

/**
 * Attaches the stream and follows what arrives: `live` while frames play, `stalled` when the
 * video track is muted (no packets: the uplink or the media worker is down), else `connecting`.
 */
export function useVideoSignal(ref: RefObject<HTMLVideoElement | null>, stream: MediaStream): VideoSignal {
  const [signal, setSignal] = useState<VideoSignal>('connecting');
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    el.srcObject = stream;
    el.play().catch(() => undefined);
    const track = stream.getVideoTracks()[0];
    const update = () => {
      if (!track || track.readyState === 'ended') setSignal('stalled');
      else if (track.muted) setSignal(el.readyState >= 2 ? 'stalled' : 'connecting');
      else setSignal(el.readyState >= 2 && !el.paused ? 'live' : 'connecting');
    };
    update();
    const videoEvents = ['playing', 'waiting', 'emptied', 'loadeddata', 'pause'] as const;
    videoEvents.forEach((ev) => el.addEventListener(ev, update));
    track?.addEventListener('mute', update);
    track?.addEventListener('unmute', update);
    track?.addEventListener('ended', update);
    return () => {
      videoEvents.forEach((ev) => el.removeEventListener(ev, update));
      track?.removeEventListener('mute', update);
      track?.removeEventListener('unmute', update);
      track?.removeEventListener('ended', update);
    };
  }, [ref, stream]);
  return signal;
}

/**
 * A camera tile's video element: the ref to put on `<video>`, its signal (a camera the wall
 * knows to be stalled reads `stalled`), and its audio muted unless `listening`.
 */
export function useCameraVideo(camera: { stream: MediaStream; stalled: boolean }, listening: boolean) {
  const ref = useRef<HTMLVideoElement | null>(null);
  const playing = useVideoSignal(ref, camera.stream);
  useEffect(() => {
    // Set as a property: React does not keep the `muted` attribute in step after the first render.
    if (ref.current) ref.current.muted = !listening;
  }, [listening, camera.stream]);
  return { ref, signal: camera.stalled ? 'stalled' as const : playing };
}
