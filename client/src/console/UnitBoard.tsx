/**
 * The unit status board: every unit in the dispatcher's view, grouped by agency (own agency
 * first) and station, as chips coloured by status; sortable by callsign, status or time in
 * status. Clicking a chip selects the unit and brings it into view on the map.
 */
import { memo, useCallback, useMemo, useState } from 'react';
import { localTime } from '../lib/format';
import { useLocale } from '../lib/i18n';
import type { UnitWithPosition } from '../lib/stores';
import { STATUS_COLOURS } from '../map/base';
import { AGENCY_COLOURS } from '../map/layers/glyphs';
import { statusLabel, t } from './messages';
import { Panel } from './Panel';
import { useConsole } from './session';
import { sameRows, useObservable, useStoreSelector } from './state';

type SortKey = 'callsign' | 'status' | 'since';

/** What the board shows of a unit (positions are left out: they change all the time). */
type RosterUnit = Pick<UnitWithPosition, 'id' | 'callsign' | 'status' | 'since' | 'emergency' | 'incidentId' | 'agencyId' | 'stationId'>;

function roster(store: { items: Map<string, UnitWithPosition> }): RosterUnit[] {
  const out: RosterUnit[] = [];
  for (const u of store.items.values()) {
    out.push({ id: u.id, callsign: u.callsign, status: u.status, since: u.since, emergency: u.emergency, incidentId: u.incidentId, agencyId: u.agencyId, stationId: u.stationId });
  }
  return out;
}

const STATUS_ORDER = ['available', 'returning', 'dispatched', 'acknowledged', 'en_route', 'on_scene', 'transporting', 'at_destination', 'out_of_service'];

const SORTERS: Record<SortKey, (a: RosterUnit, b: RosterUnit) => number> = {
  callsign: (a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }),
  status: (a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status) || SORTERS.callsign(a, b),
  since: (a, b) => a.since.localeCompare(b.since) || SORTERS.callsign(a, b),
};

interface Group {
  agencyId: string;
  stations: { stationId: string; units: RosterUnit[] }[];
  available: number;
  total: number;
}

function groupUnits(units: RosterUnit[], ownAgency: string | null, sort: SortKey): Group[] {
  const byAgency = new Map<string, Map<string, RosterUnit[]>>();
  for (const u of units) {
    const stations = byAgency.get(u.agencyId) ?? new Map<string, RosterUnit[]>();
    byAgency.set(u.agencyId, stations);
    stations.set(u.stationId, [...(stations.get(u.stationId) ?? []), u]);
  }
  const groups = [...byAgency].map(([agencyId, stations]): Group => {
    const all = [...stations.values()].flat();
    return {
      agencyId, total: all.length, available: all.filter((u) => u.status === 'available').length,
      stations: [...stations].sort(([a], [b]) => a.localeCompare(b)).map(([stationId, list]) => ({ stationId, units: list.sort(SORTERS[sort]) })),
    };
  });
  return groups.sort((a, b) => Number(b.agencyId === ownAgency) - Number(a.agencyId === ownAgency) || a.agencyId.localeCompare(b.agencyId));
}

/** The unit status board (`unit-board`); chips are `unit-chip-<id>` with `data-status`. */
export function UnitBoard() {
  const c = useConsole();
  const locale = useLocale();
  const units = useStoreSelector(c.units, roster, sameRows);
  const { unitId: selected } = useObservable(c.selection);
  const [sort, setSort] = useState<SortKey>('callsign');
  const groups = useMemo(() => groupUnits(units, c.actor.agencyId, sort), [units, c.actor.agencyId, sort]);
  const select = useCallback((unitId: string) => c.selection.update((s) => ({ ...s, unitId })), [c]);

  const sorter = (
    <label className="sort">
      {t('units.sort')}
      <select value={sort} onChange={(e) => setSort(e.target.value as SortKey)} data-testid="unit-board-sort">
        <option value="callsign">{t('sort.callsign')}</option>
        <option value="status">{t('sort.status')}</option>
        <option value="since">{t('sort.since')}</option>
      </select>
    </label>
  );
  return (
    <Panel title={t('panel.units')} testId="unit-board" className="unit-board" actions={sorter}>
      {groups.length === 0 && <p className="muted">{t('units.empty')}</p>}
      {groups.map((g) => (
        <section key={g.agencyId} className="ub-agency" style={{ ['--agency' as string]: AGENCY_COLOURS[c.city.agencies.get(g.agencyId)?.kind ?? ''] }}>
          <h3>
            {c.city.agencyName(g.agencyId)}
            <span className="muted"> · {t('units.summary', { available: g.available, total: g.total })}</span>
          </h3>
          {g.stations.map((s) => (
            <div key={s.stationId} className="ub-station">
              <span className="ub-station-name">{c.city.stationName(s.stationId)}</span>
              <div className="ub-chips">
                {s.units.map((u) => (
                  <UnitChip key={u.id} id={u.id} callsign={u.callsign} status={u.status} since={u.since}
                    emergency={u.emergency} incidentId={u.incidentId} selected={u.id === selected} onSelect={select} locale={locale} />
                ))}
              </div>
            </div>
          ))}
        </section>
      ))}
    </Panel>
  );
}

interface ChipProps {
  id: string;
  callsign: string;
  status: string;
  since: string;
  emergency: boolean;
  incidentId: string | null;
  selected: boolean;
  onSelect(id: string): void;
  /** Re-renders the memoized chip when the language changes. */
  locale: string;
}

const UnitChip = memo(function UnitChip(p: ChipProps) {
  const title = [`${p.callsign} (${p.id})`, `${statusLabel(p.status)} · ${localTime(p.since)}`, p.incidentId ?? ''].filter(Boolean).join('\n');
  return (
    <button
      type="button" title={title} onClick={() => p.onSelect(p.id)}
      className={['unit-chip', `status-${p.status}`, p.emergency ? 'emergency' : '', p.selected ? 'selected' : ''].join(' ')}
      style={{ ['--c' as string]: STATUS_COLOURS[p.status] ?? '#8b949e' }}
      data-testid={`unit-chip-${p.id}`} data-status={p.status} aria-pressed={p.selected}
    >
      <span className="uc-id">{p.id}</span>
      <span className="uc-status">{statusLabel(p.status)}</span>
    </button>
  );
});
