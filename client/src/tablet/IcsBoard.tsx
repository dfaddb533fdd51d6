/**
 * The ICS board: one column per division or group plus "unassigned"; the incident's units as
 * cards. Drag a card to another column, or tap a card and then a column (also by keyboard:
 * the column's "move here" button). Every move is `incident.unit.division`.
 *
 * Test ids: columns `division-<key>` (key = name in lower case with dashes: `division-division-a`,
 * `division-rescue-group`, `division-unassigned`); cards `ics-unit-<unitId>` whose
 * `data-division` is the division name the server holds ("" when unassigned).
 */
import { useCallback, useMemo, useState, type ReactNode } from 'react';
import { useLocale } from '../lib/i18n';
import type { LiveState, LiveClient } from '../lib/live';
import type { IncidentView, Store, UnitWithPosition } from '../lib/stores';
import { AddColumn, UnitCard, type BoardUnit } from './BoardParts';
import { UNASSIGNED, boardDivisions, divisionLabel, divisionSlug, useCustomDivisions, useDivisionMoves } from './divisions';
import { useBoardDrag } from './useBoardDrag';
import { t } from './messages';

interface Column {
  key: string;
  /** Division name sent to the server; null for unassigned. */
  name: string | null;
  label: string;
}

interface ColumnProps {
  column: Column;
  cards: BoardUnit[];
  over: boolean;
  selectedCard: BoardUnit | undefined;
  onTapColumn(): void;
  renderCard(unit: BoardUnit): ReactNode;
}

/** One column: a drop target, tappable to receive the selected unit. */
function BoardColumn({ column, cards, over, selectedCard, onTapColumn, renderCard }: ColumnProps) {
  return (
    <div
      className={`ics-column${over ? ' drop-over' : ''}`}
      data-testid={`division-${column.key}`}
      data-drop-key={column.key}
      onClick={onTapColumn}
    >
      <div className="ics-column-head">
        <span>{column.label}</span>
        <span className="ics-count">{cards.length}</span>
      </div>
      {selectedCard && selectedCard.columnKey !== column.key && (
        <button type="button" className="btn btn-small ics-move-here" onClick={(e) => { e.stopPropagation(); onTapColumn(); }}>
          {t('board.move_here', { unit: selectedCard.id })}
        </button>
      )}
      {cards.map(renderCard)}
      {cards.length === 0 && <span className="ics-empty muted small">{t('board.empty_column')}</span>}
    </div>
  );
}

interface Props {
  live: LiveClient | null;
  state: LiveState;
  incident: IncidentView;
  units: Store<UnitWithPosition>;
}

function boardUnits(incident: IncidentView, units: Store<UnitWithPosition>): BoardUnit[] {
  return Object.entries(incident.units)
    .map(([id, a]) => {
      const u = units.items.get(id);
      const division = incident.divisions[id];
      return {
        id, callsign: u?.callsign ?? id, status: a.status, emergency: u?.emergency ?? false,
        division: division ?? null, columnKey: division ? divisionSlug(division) : UNASSIGNED,
      };
    })
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The board for one incident. */
export function IcsBoard({ live, state, incident, units }: Props) {
  const [custom, addCustom] = useCustomDivisions(incident.id);
  const moves = useDivisionMoves(live, incident);
  const [selected, setSelected] = useState<string | null>(null);
  const locale = useLocale();

  const columns: Column[] = useMemo(() => [
    { key: UNASSIGNED, name: null, label: t('board.unassigned') },
    ...boardDivisions(custom, incident.divisions).map((name) => ({ key: divisionSlug(name), name, label: divisionLabel(name) })),
  ], [custom, incident.divisions, locale]); // labels follow the language
  const cards = boardUnits(incident, units);

  const moveTo = useCallback((unitId: string, key: string) => {
    const column = columns.find((c) => c.key === key);
    if (column) moves.move(unitId, column.name);
  }, [columns, moves]);
  const { drag, cardHandlers, wasDrag } = useBoardDrag(moveTo);

  const tapColumn = (key: string) => {
    if (!selected) return;
    moveTo(selected, key);
    setSelected(null);
  };
  const selectedCard = cards.find((c) => c.id === selected);

  return (
    <section className="panel board-panel" aria-labelledby="board-heading">
      <div className="panel-head">
        <h2 id="board-heading">{t('board.heading')}</h2>
        <span className="muted small">{selectedCard ? t('board.selected', { unit: selectedCard.callsign }) : t('board.hint')}</span>
        {selectedCard && <button type="button" className="btn btn-small" onClick={() => setSelected(null)}>{t('board.cancel_selection')}</button>}
      </div>
      {moves.error && <p className="hint error" role="alert">{t('board.refused', { message: moves.error })}</p>}
      {cards.length === 0 && <p className="muted">{t('board.no_units')}</p>}
      <div className={`ics-board${state !== 'live' ? ' stale' : ''}${selected ? ' selecting' : ''}`} data-testid="ics-board">
        {columns.map((col) => (
          <BoardColumn
            key={col.key}
            column={col}
            cards={cards.filter((c) => c.columnKey === col.key)}
            over={drag?.over === col.key}
            selectedCard={selectedCard}
            onTapColumn={() => tapColumn(col.key)}
            renderCard={(u) => (
              <UnitCard
                key={u.id}
                unit={u}
                selected={selected === u.id}
                pending={moves.pending[u.id]}
                queued={state !== 'live'}
                dragging={drag?.unitId === u.id}
                handlers={cardHandlers(u.id, col.key)}
                onTap={() => {
                  if (wasDrag()) return;
                  setSelected((s) => (s === u.id ? null : u.id));
                }}
              />
            )}
          />
        ))}
        <div className="ics-column ics-column-add">
          <AddColumn onAdd={addCustom} exists={(name) => columns.some((c) => c.key === divisionSlug(name))} />
        </div>
      </div>
      {drag && (
        <div className="ics-ghost" style={{ left: drag.x, top: drag.y }} aria-hidden="true">
          {cards.find((c) => c.id === drag.unitId)?.callsign ?? drag.unitId}
        </div>
      )}
    </section>
  );
}
