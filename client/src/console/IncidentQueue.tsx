/**
 * The incident queue: open incidents of the dispatcher's agency (every agency for a
 * supervisor), most urgent first, each with its age running against the response target.
 * ↑/↓ (and Home/End) move the cursor, Enter opens the incident in the detail panel.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { elapsed } from '../lib/format';
import { useLocale } from '../lib/i18n';
import { useStore, type IncidentView } from '../lib/stores';
import { PRIORITY_COLOURS } from '../map/base';
import { stateLabel, t } from './messages';
import { Panel } from './Panel';
import { useConsole } from './session';
import { useNow, useObservable } from './state';
import { byUrgency, responseTarget } from './targets';

/** The incident queue panel; rows are `queue-row-<id>` with `data-state`. */
export function IncidentQueue() {
  const c = useConsole();
  useLocale();
  const store = useStore(c.incidents);
  const selection = useObservable(c.selection);
  const rows = useMemo(() => store.values().sort(byUrgency), [store, store.version]);
  const [cursor, setCursor] = useState<string | null>(null);
  const listRef = useRef<HTMLElement>(null);
  const active = rows.some((r) => r.id === cursor) ? cursor : (selection.incidentId ?? rows[0]?.id ?? null);

  useEffect(() => {
    c.focus.queue = listRef.current;
  }, [c]);

  useEffect(() => {
    if (active) rowElement(listRef.current, active)?.scrollIntoView({ block: 'nearest' });
  }, [active]);

  const open = (id: string) => {
    setCursor(id);
    c.selection.update((s) => ({ ...s, incidentId: id }));
  };

  const onKeyDown = (e: KeyboardEvent<HTMLElement>) => {
    const i = rows.findIndex((r) => r.id === active);
    const move = (to: number) => {
      e.preventDefault();
      const row = rows[Math.max(0, Math.min(rows.length - 1, to))];
      if (!row) return;
      setCursor(row.id);
      rowElement(listRef.current, row.id)?.focus();
    };
    if (e.key === 'ArrowDown') move(i + 1);
    else if (e.key === 'ArrowUp') move(i - 1);
    else if (e.key === 'Home') move(0);
    else if (e.key === 'End') move(rows.length - 1);
    else if (e.key === 'Enter' && active) {
      e.preventDefault();
      open(active);
      requestAnimationFrame(() => c.focus.detail?.focus());
    }
  };

  return (
    <Panel
      title={t('panel.queue')} testId="incident-queue" className="queue-panel"
      actions={<span className="muted">{t('queue.count', { n: rows.length })}</span>}
    >
      <ul
        className="queue" role="listbox" tabIndex={rows.length === 0 ? 0 : -1} aria-label={`${t('panel.queue')} · ${t('queue.hint')}`}
        ref={(el) => void (listRef.current = el)} onKeyDown={onKeyDown}
        onFocus={(e) => e.target === e.currentTarget && active && rowElement(listRef.current, active)?.focus()}
      >
        {rows.length === 0 && <li className="empty muted">{t('queue.empty')}</li>}
        {rows.map((inc) => (
          <QueueRow key={inc.id} inc={inc} cursor={inc.id === active} selected={inc.id === selection.incidentId} onOpen={open} />
        ))}
      </ul>
      <p className="panel-hint muted">{t('queue.hint')}</p>
    </Panel>
  );
}

/** The row of an incident (rows keep the focus in turn: one Tab stop for the whole queue). */
function rowElement(list: HTMLElement | null, id: string): HTMLElement | null {
  return list?.querySelector<HTMLElement>(`[data-row-id="${CSS.escape(id)}"]`) ?? null;
}

function QueueRow({ inc, cursor, selected, onOpen }: { inc: IncidentView; cursor: boolean; selected: boolean; onOpen(id: string): void }) {
  const c = useConsole();
  const now = useNow();
  const target = responseTarget(inc, c.city, now);
  const alerting = inc.alerts.some((a) => a.acknowledgedAt === null);
  const unitCount = Object.keys(inc.units).length;
  return (
    <li
      id={`queue-${inc.id}`} role="option" aria-selected={selected} tabIndex={cursor ? 0 : -1}
      className={['queue-row', cursor ? 'cursor' : '', selected ? 'selected' : '', `level-${target.level}`].join(' ')}
      data-testid={`queue-row-${inc.id}`} data-state={inc.state} data-row-id={inc.id} data-priority={inc.priority}
      onClick={() => onOpen(inc.id)}
    >
      <span className="prio-badge" style={{ ['--c' as string]: PRIORITY_COLOURS[inc.priority] }}>P{inc.priority}</span>
      <span className="q-main">
        <span className="q-type">{c.city.incidentTypeName(inc.incidentType)}{alerting && <span className="q-alert" aria-label={t('panel.alerts')}>!</span>}</span>
        <span className="q-addr">{inc.address ?? `${inc.location.lat.toFixed(4)}, ${inc.location.lon.toFixed(4)}`}</span>
        <span className="q-meta">
          <span className={`state-tag state-${inc.state}`}>{stateLabel(inc.state)}</span>
          {unitCount > 0 && <span className="muted"> · {t('queue.units', { n: unitCount })}</span>}
          <span className="muted q-id"> · {inc.id}</span>
        </span>
      </span>
      <span className={`q-timer level-${target.level}`} title={target.level === 'over' ? t('queue.overdue') : undefined}>
        <span className="q-age">{elapsed(target.elapsedMs)}</span>
        <span className="q-target">
          {target.targetMs === null ? t('queue.on_scene') : t('queue.target', { t: elapsed(target.targetMs) })}
        </span>
      </span>
    </li>
  );
}
