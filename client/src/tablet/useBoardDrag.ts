/**
 * Dragging unit cards between board columns with Pointer Events, so it works the same with a
 * finger, a pen and a mouse (HTML5 drag-and-drop does not fire for touch). A press that moves
 * less than a few pixels is a tap (select), not a drag; columns are found under the pointer by
 * their `data-drop-key`.
 */
import { useCallback, useRef, useState, type PointerEvent } from 'react';

/** Movement that turns a press into a drag. */
const DRAG_THRESHOLD_PX = 8;

/** The card being dragged, where the pointer is, and the column under it. */
export interface DragState {
  unitId: string;
  x: number;
  y: number;
  over: string | null;
}

interface Press {
  unitId: string;
  from: string;
  pointerId: number;
  x: number;
  y: number;
  started: boolean;
}

function columnAt(x: number, y: number): string | null {
  const el = document.elementFromPoint(x, y)?.closest<HTMLElement>('[data-drop-key]');
  return el?.dataset.dropKey ?? null;
}

/** Pointer handlers for cards, the drag in progress, and a click filter for after a drag. */
export function useBoardDrag(onDrop: (unitId: string, columnKey: string) => void) {
  const [drag, setDrag] = useState<DragState | null>(null);
  const press = useRef<Press | null>(null);
  const justDragged = useRef(false);

  const cardHandlers = useCallback((unitId: string, from: string) => ({
    onPointerDown(e: PointerEvent<HTMLElement>) {
      if (e.button !== 0) return;
      justDragged.current = false;
      press.current = { unitId, from, pointerId: e.pointerId, x: e.clientX, y: e.clientY, started: false };
      e.currentTarget.setPointerCapture(e.pointerId);
    },
    onPointerMove(e: PointerEvent<HTMLElement>) {
      const p = press.current;
      if (!p || p.pointerId !== e.pointerId) return;
      if (!p.started && Math.hypot(e.clientX - p.x, e.clientY - p.y) < DRAG_THRESHOLD_PX) return;
      p.started = true;
      setDrag({ unitId: p.unitId, x: e.clientX, y: e.clientY, over: columnAt(e.clientX, e.clientY) });
    },
    onPointerUp(e: PointerEvent<HTMLElement>) {
      const p = press.current;
      press.current = null;
      if (!p || p.pointerId !== e.pointerId || !p.started) return;
      justDragged.current = true;
      setDrag(null);
      const over = columnAt(e.clientX, e.clientY);
      if (over && over !== p.from) onDrop(p.unitId, over);
    },
    onPointerCancel() {
      press.current = null;
      setDrag(null);
    },
  }), [onDrop]);

  /** True (once) when a click is the tail of a drag and must not count as a tap. */
  const wasDrag = useCallback(() => {
    const dragged = justDragged.current;
    justDragged.current = false;
    return dragged;
  }, []);

  return { drag, cardHandlers, wasDrag };
}
