/**
 * The emergency button: deliberate by design. Holding it for 2 s raises the alarm at once
 * (a crew in trouble may not be able to read a dialog); a short tap asks for confirmation
 * instead. Cancelling always asks.
 */
import { useRef, useState, type CSSProperties, type PointerEvent } from 'react';
import { t } from './messages';

/** Hold time that raises the emergency without a confirmation. */
export const EMERGENCY_HOLD_MS = 2_000;

interface Props {
  active: boolean;
  /** An emergency command is on its way (or queued): further presses wait for it. */
  pending: boolean;
  unitLabel: string;
  onRaise(): void;
  onCancel(): void;
}

/** Hold-to-raise / tap-to-confirm emergency toggle. */
export function EmergencyButton({ active, pending, unitLabel, onRaise, onCancel }: Props) {
  const [holding, setHolding] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const firedByHold = useRef(false);

  const stopHold = () => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    setHolding(false);
  };

  const startHold = (e: PointerEvent) => {
    if (active || pending || e.button !== 0) return;
    firedByHold.current = false;
    setHolding(true);
    timer.current = setTimeout(() => {
      timer.current = null;
      firedByHold.current = true;
      setHolding(false);
      navigator.vibrate?.([200, 100, 200]);
      onRaise();
    }, EMERGENCY_HOLD_MS);
  };

  const onClick = () => {
    if (firedByHold.current || pending) {
      firedByHold.current = false;
      return;
    }
    if (active) {
      if (window.confirm(t('emergency.confirm_cancel', { unit: unitLabel }))) onCancel();
    } else if (window.confirm(t('emergency.confirm', { unit: unitLabel }))) {
      onRaise();
    }
  };

  return (
    <button
      type="button"
      data-testid="emergency-button"
      data-active={active ? 'true' : 'false'}
      aria-busy={pending}
      className={`btn emergency-btn${active ? ' emergency-active' : ''}${holding ? ' holding' : ''}`}
      onPointerDown={startHold}
      onPointerUp={stopHold}
      onPointerLeave={stopHold}
      onPointerCancel={stopHold}
      onContextMenu={(e) => e.preventDefault()}
      onClick={onClick}
      style={{ '--hold-ms': `${EMERGENCY_HOLD_MS}ms` } as CSSProperties}
    >
      <span className="emergency-fill" aria-hidden="true" />
      <span className="emergency-label">
        {pending ? t('emergency.sending') : active ? t('emergency.cancel') : holding ? t('emergency.holding') : t('emergency.hold')}
      </span>
    </button>
  );
}
