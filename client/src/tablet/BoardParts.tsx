/** Pieces of the ICS board: a unit card and the "+ add" column. */
import { useState, type FormEvent, type PointerEvent } from 'react';
import { common } from '../lib/i18n';
import { STATUS_COLOURS } from '../map/base';
import { divisionLabel, type PendingMove } from './divisions';
import { t } from './messages';

/** What a card shows about one unit on the incident. */
export interface BoardUnit {
  id: string;
  callsign: string;
  /** Assignment status on this incident (dispatched, on_scene …). */
  status: string;
  emergency: boolean;
  /** Division the server has the unit in (null: unassigned). */
  division: string | null;
  /** Key of that division's column. */
  columnKey: string;
}

interface CardProps {
  unit: BoardUnit;
  selected: boolean;
  pending: PendingMove | undefined;
  queued: boolean;
  dragging: boolean;
  handlers: {
    onPointerDown(e: PointerEvent<HTMLElement>): void;
    onPointerMove(e: PointerEvent<HTMLElement>): void;
    onPointerUp(e: PointerEvent<HTMLElement>): void;
    onPointerCancel(): void;
  };
  onTap(): void;
}

/** A draggable, tappable unit card (`ics-unit-<id>`; `data-division` = the server's division, "" if none). */
export function UnitCard({ unit, selected, pending, queued, dragging, handlers, onTap }: CardProps) {
  const target = pending ? (pending.division === null ? t('board.unassigned') : divisionLabel(pending.division)) : null;
  const classes = ['ics-card', selected && 'selected', pending && 'pending', dragging && 'drag-source', unit.emergency && 'emergency']
    .filter(Boolean).join(' ');
  return (
    <button
      type="button"
      className={classes}
      data-testid={`ics-unit-${unit.id}`}
      data-division={unit.division ?? ''}
      aria-pressed={selected}
      style={{ borderLeftColor: STATUS_COLOURS[unit.status] ?? '#8b949e' }}
      {...handlers}
      onClick={(e) => {
        e.stopPropagation();
        onTap();
      }}
    >
      <span className="ics-callsign">{unit.callsign}</span>
      <span className="ics-meta">
        {unit.id} · {common(`unit.${unit.status}` as Parameters<typeof common>[0])}
      </span>
      {unit.emergency && <span className="ics-emergency">{t('board.emergency')}</span>}
      {target && <span className="ics-pending">{t(queued ? 'board.queued' : 'board.moving', { division: target })}</span>}
    </button>
  );
}

/** The last column: adds a division or group to this incident's board. */
export function AddColumn({ onAdd, exists }: { onAdd(name: string): void; exists(name: string): boolean }) {
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const valid = name.trim().length > 0 && name.trim().length <= 40 && !exists(name);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    onAdd(name.trim());
    setName('');
    setOpen(false);
  };
  if (!open) {
    return (
      <button type="button" className="ics-add" data-testid="ics-add-column" onClick={() => setOpen(true)}>
        {t('board.add')}
      </button>
    );
  }
  return (
    <form className="ics-add-form" onSubmit={submit}>
      <input
        className="input" autoFocus maxLength={40} value={name} placeholder={t('board.add_placeholder')}
        aria-label={t('board.add_placeholder')} data-testid="ics-add-column-name" onChange={(e) => setName(e.target.value)}
      />
      <div className="row">
        <button type="button" className="btn btn-secondary" onClick={() => setOpen(false)}>{common('cancel')}</button>
        <button type="submit" className="btn btn-primary" disabled={!valid}>{t('board.add_confirm')}</button>
      </div>
    </form>
  );
}
