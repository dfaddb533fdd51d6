/**
 * A new dispatch must not be missed: the screen flashes, the phone vibrates and beeps. Raised
 * by the server's `unit.notification` and, as a backstop for a notification lost while
 * offline, by the unit's own view turning `dispatched` to a new incident.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LiveClient } from '../lib/live';
import type { UnitView } from '../lib/stores';
import { t } from './messages';

const VIBRATION = [400, 150, 400, 150, 400];

function beep(): void {
  try {
    const ctx = new AudioContext();
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = 880;
    gain.gain.value = 0.2;
    osc.connect(gain).connect(ctx.destination);
    osc.start();
    osc.stop(ctx.currentTime + 0.6);
    osc.onended = () => void ctx.close();
  } catch {
    // No audio (not allowed before a gesture, or no device): the flash and vibration remain.
  }
}

/** Incident id of a dispatch the crew has not yet dismissed, and how to dismiss it. */
export function useDispatchAlert(live: LiveClient | null, unit: UnitView | null): { incidentId: string | null; dismiss(): void } {
  const [incidentId, setIncidentId] = useState<string | null>(null);
  const alerted = useRef<Set<string>>(new Set());
  const unitId = unit?.id ?? null;

  const raise = useCallback((id: string) => {
    if (alerted.current.has(id)) return;
    alerted.current.add(id);
    setIncidentId(id);
    navigator.vibrate?.(VIBRATION);
    beep();
  }, []);

  useEffect(() => {
    if (!live || !unitId) return;
    return live.onNotification((f) => {
      if (f.unitId === unitId && f.kind === 'dispatch' && f.incidentId) raise(f.incidentId);
    });
  }, [live, unitId, raise]);

  useEffect(() => {
    if (unit?.status === 'dispatched' && unit.incidentId) raise(unit.incidentId);
  }, [unit?.status, unit?.incidentId, raise]);

  // Once the crew acknowledges (or moves on), the flash has done its job.
  const status = unit?.status;
  useEffect(() => {
    if (status && status !== 'dispatched') setIncidentId(null);
  }, [status]);

  return { incidentId, dismiss: useCallback(() => setIncidentId(null), []) };
}

/**
 * A flashing frame round the screen below the top bar (it never takes a tap, and leaves the
 * callsign and the language button readable) and a banner above the status buttons whose
 * colours pulse but whose text keeps a high contrast throughout; tapping the banner stops
 * the flashing.
 */
export function DispatchFlash({ incidentId, onDismiss }: { incidentId: string; onDismiss(): void }) {
  return (
    <>
      <div className="dispatch-frame" aria-hidden="true" />
      <button type="button" className="dispatch-banner" data-testid="dispatch-alert" onClick={onDismiss} role="alert">
        <span className="dispatch-heading">{t('dispatch.heading')}</span>
        <span className="dispatch-body">{t('dispatch.body', { id: incidentId })}</span>
        <span className="small">{t('dispatch.dismiss')}</span>
      </button>
    </>
  );
}
