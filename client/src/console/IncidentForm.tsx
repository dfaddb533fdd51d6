/**
 * Create an incident (button or N): type, priority, address, description and a location
 * typed as lat/lon, picked on the map (crosshair) or taken from a street named in the address.
 * Opened from a call ("New incident from call"), it creates the incident and links the call in
 * one command (`call.incident.create`): the agency is the line's, the caller's number is the
 * call's, and a location the caller's phone proposed is used only once the dispatcher confirms it.
 */
import { useEffect, useMemo, useState, type FormEvent, type KeyboardEvent } from 'react';
import { common, useLocale } from '../lib/i18n';
import { useStore } from '../lib/stores';
import { CallFacts, CallLocationHint, callOfForm, useConfirmedLocation } from './calls/CallFormFields';
import { tc } from './calls/messages';
import { localName } from './city';
import { t } from './messages';
import { OutcomeLine } from './Outcome';
import { sendCommand, useConsole, type CommandOutcome, type ConsoleServices } from './session';
import { useObservable } from './state';

type Priority = 1 | 2 | 3 | 4;

/** Roles that open incidents for any agency (the others for their own). */
const CROSS_AGENCY_CREATORS = ['supervisor'];

/** The create-incident form (`incident-form`), shown over the map. */
export function IncidentForm() {
  const c = useConsole();
  useLocale();
  const formCallId = useObservable(c.formCall);
  const call = callOfForm(formCallId, useStore(c.calls));
  // The call ended while the form was open: say so rather than create an unlinked incident.
  const callGone = formCallId !== null && !call;
  const callAgencyId = call?.agencyId ?? null;
  const types = useMemo(
    () => c.city.incidentTypesFor(callAgencyId ?? (CROSS_AGENCY_CREATORS.includes(c.actor.role) ? null : c.actor.agencyId)), [c, callAgencyId],
  );
  const [type, setType] = useState(types[0]?.id ?? '');
  const [priority, setPriority] = useState<Priority>(2);
  const [address, setAddress] = useState('');
  const [description, setDescription] = useState('');
  const loc = useLocationFields(c);
  useConfirmedLocation(call, loc.set);
  const [error, setError] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<CommandOutcome | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const location = loc.parsed();
    if (!location) return setError(t('form.err.location'));
    if (!description.trim()) return setError(t('form.err.description'));
    if (callGone) return setError(tc('form.call_gone'));
    setError(null);
    const agencyId = c.city.agencyFor(type, c.actor.agencyId);
    const fields = { incidentType: type, priority, location, description: description.trim(), ...(address.trim() ? { address: address.trim() } : {}) };
    const input = call
      ? { type: 'call.incident.create' as const, callId: call.id, ...fields }
      : { type: 'incident.create' as const, ...fields, ...(agencyId ? { agencyId } : {}) };
    void sendCommand(c.live, input, setOutcome, type).then((o) => o.kind === 'ack' && o.createdId && created(c, o.createdId));
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return;
    e.stopPropagation();
    if (loc.picking) c.mapPick.set(null);
    else closeForm(c);
  };

  return (
    <form className={`incident-form${call ? ' from-call' : ''}`} data-testid="incident-form" data-call-id={call?.id ?? ''} onSubmit={submit} onKeyDown={onKeyDown} aria-label={t('form.title')}>
      <h2>{call ? tc('form.from_call') : t('form.title')}</h2>
      {call && <CallFacts call={call} c={c} />}
      <div className="form-row">
        <label>{t('form.type')}
          <select autoFocus data-testid="incident-form-type" value={type} onChange={(e) => setType(e.target.value)}>
            {types.map((ty) => <option key={ty.id} value={ty.id}>{localName(ty)}</option>)}
          </select>
        </label>
        <label>{t('form.priority')}
          <select data-testid="incident-form-priority" value={priority} onChange={(e) => setPriority(Number(e.target.value) as Priority)}>
            {([1, 2, 3, 4] as const).map((p) => <option key={p} value={p}>{common(`priority.${p}`)}</option>)}
          </select>
        </label>
      </div>
      <label>{t('form.address')}
        <input data-testid="incident-form-address" value={address} onChange={(e) => setAddress(e.target.value)}
          onBlur={() => loc.fromAddress(address)} maxLength={300} />
      </label>
      <label>{t('form.description')}
        <textarea data-testid="incident-form-description" value={description} onChange={(e) => setDescription(e.target.value)} rows={3} maxLength={4000} />
      </label>
      <LocationRow loc={loc} />
      {call && <CallLocationHint call={call} c={c} />}
      {error && <p className="error" role="alert">{error}</p>}
      <OutcomeLine outcome={outcome} testId="incident-form-result" />
      <div className="form-actions">
        <button type="submit" className="primary" data-testid="incident-form-submit">{t('form.submit')}</button>
        <button type="button" className="ghost" onClick={() => closeForm(c)}>{t('action.cancel')}</button>
      </div>
    </form>
  );
}

function closeForm(c: ConsoleServices): void {
  c.mapPick.set(null);
  c.formOpen.set(false);
  c.formCall.set(null);
}

/** A created incident is opened at once, with the focus on it (D dispatches). */
function created(c: ConsoleServices, incidentId: string): void {
  c.selection.update((s) => ({ ...s, incidentId }));
  closeForm(c);
  requestAnimationFrame(() => c.focus.detail?.focus());
}

type LocationFields = ReturnType<typeof useLocationFields>;

function parseLatLon(lat: string, lon: string): { lat: number; lon: number } | null {
  const p = { lat: Number(lat), lon: Number(lon) };
  const ok = lat.trim() && lon.trim() && Number.isFinite(p.lat) && Number.isFinite(p.lon) && Math.abs(p.lat) <= 90 && Math.abs(p.lon) <= 180;
  return ok ? p : null;
}

/** Latitude and longitude as typed, picked on the map or found from the address; marked on the map. */
function useLocationFields(c: ConsoleServices) {
  const [lat, setLat] = useState('');
  const [lon, setLon] = useState('');
  const [hint, setHint] = useState<string | null>(null);
  const picking = useObservable(c.mapPick) !== null;
  const parsed = () => parseLatLon(lat, lon);
  useEffect(() => c.draftLocation.set(parseLatLon(lat, lon)), [c, lat, lon]);
  useEffect(() => () => {
    c.mapPick.set(null);
    c.draftLocation.set(null);
  }, [c]);
  const set = (p: { lat: number; lon: number }, note: string | null) => {
    setLat(String(p.lat));
    setLon(String(p.lon));
    setHint(note);
  };
  const fromAddress = (address: string) => {
    if (lat || lon || !address.trim()) return;
    const lower = address.toLowerCase();
    const street = c.city.data.streets
      .filter((s) => [s.name, s.nameZh].some((n) => lower.includes(n.toLowerCase())))
      .sort((a, b) => b.name.length - a.name.length)[0];
    const mid = street ? c.city.streetMidpoint(street.id) : null;
    if (street && mid) set(mid, t('form.street_hint', { street: localName(street) }));
  };
  const pick = () => c.mapPick.set((p) => set(p, null));
  return { lat, lon, setLat, setLon, hint, picking, parsed, fromAddress, pick, set };
}

function LocationRow({ loc }: { loc: LocationFields }) {
  return (
    <>
      <div className="form-row with-button">
        <label>{t('form.lat')}
          <input data-testid="incident-form-lat" inputMode="decimal" value={loc.lat} onChange={(e) => loc.setLat(e.target.value)} />
        </label>
        <label>{t('form.lon')}
          <input data-testid="incident-form-lon" inputMode="decimal" value={loc.lon} onChange={(e) => loc.setLon(e.target.value)} />
        </label>
        <button type="button" className={loc.picking ? 'active' : ''} onClick={loc.pick} aria-pressed={loc.picking} data-testid="incident-form-pick">
          {t('form.pick')}
        </button>
      </div>
      {loc.picking && <p className="hint" role="status">{t('form.picking')}</p>}
      {loc.hint && <p className="hint">{loc.hint}</p>}
    </>
  );
}
