/**
 * "Share location": watches the phone's GPS and reports the unit's position as `avl.report`
 * frames, at most one every 2 s (the latest fix wins). A report is counted as sent only when
 * the connection was live; while it is not, nothing is sent and the screen says so.
 */
import { useEffect, useRef, useState } from 'react';
import type { LiveClient, LiveState } from '../lib/live';

/** Minimum time between two reports. */
export const MIN_REPORT_INTERVAL_MS = 2_000;

/** One GPS fix, as reported. */
export interface Fix {
  lat: number;
  lon: number;
  at: string;
  heading?: number;
  speedKmh?: number;
  accuracyM?: number;
}

/** What the GPS panel shows. */
export interface GpsStatus {
  fix: Fix | null;
  lastSentAt: number | null;
  error: { kind: 'denied' | 'unavailable' | 'unsupported'; message: string } | null;
}

/** Turns a browser position into a report (m/s → km/h; absent or invalid values left out). */
export function fixFromPosition(p: GeolocationPosition): Fix {
  const c = p.coords;
  const fix: Fix = { lat: c.latitude, lon: c.longitude, at: new Date(p.timestamp).toISOString() };
  if (c.heading !== null && Number.isFinite(c.heading) && c.heading >= 0 && c.heading <= 360) fix.heading = c.heading;
  if (c.speed !== null && Number.isFinite(c.speed) && c.speed >= 0) fix.speedKmh = Math.min(400, c.speed * 3.6);
  if (Number.isFinite(c.accuracy) && c.accuracy >= 0) fix.accuracyM = Math.min(100_000, c.accuracy);
  return fix;
}

/** Shares the unit's location while `enabled`. */
export function useGpsSharing(live: LiveClient | null, state: LiveState, unitId: string | null, enabled: boolean): GpsStatus {
  const [fix, setFix] = useState<Fix | null>(null);
  const [lastSentAt, setLastSentAt] = useState<number | null>(null);
  const [error, setError] = useState<GpsStatus['error']>(null);
  const latest = useRef<Fix | null>(null);
  const sentFix = useRef<Fix | null>(null);
  const lastSent = useRef(0);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const send = useRef<() => void>(() => undefined);

  // Re-bound after every render so the GPS callback always sees the current connection.
  useEffect(() => {
    send.current = () => {
      const next = latest.current;
      if (!live || !unitId || !next || next === sentFix.current || live.state !== 'live') return;
      const wait = lastSent.current + MIN_REPORT_INTERVAL_MS - Date.now();
      if (wait > 0) {
        timer.current ??= setTimeout(() => {
          timer.current = null;
          send.current();
        }, wait);
        return;
      }
      live.reportPositions([{ unitId, ...next }]);
      sentFix.current = next;
      lastSent.current = Date.now();
      setLastSentAt(lastSent.current);
    };
  });

  useEffect(() => {
    if (!enabled) return;
    if (typeof navigator === 'undefined' || !navigator.geolocation || !window.isSecureContext) {
      setError({ kind: 'unsupported', message: '' });
      return;
    }
    setError(null);
    latest.current = null; // never re-send a fix from before the switch was last turned on
    const watch = navigator.geolocation.watchPosition(
      (p) => {
        const f = fixFromPosition(p);
        latest.current = f;
        setFix(f);
        setError(null);
        send.current();
      },
      (e) => setError({ kind: e.code === e.PERMISSION_DENIED ? 'denied' : 'unavailable', message: e.message }),
      { enableHighAccuracy: true, maximumAge: 1_000, timeout: 30_000 },
    );
    return () => {
      navigator.geolocation.clearWatch(watch);
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [enabled]);

  // Back online: send the latest fix at once (it carries the time it was taken).
  useEffect(() => {
    if (enabled && state === 'live') send.current();
  }, [enabled, state]);

  return { fix: enabled ? fix : null, lastSentAt, error: enabled ? error : null };
}
