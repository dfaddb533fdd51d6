/**
 * A dispatcher's own call out (`call.dial`): a unit's field phone by its SIP user (e.g. `p-11`)
 * or any number the trunk reaches. C puts the cursor in the number field from anywhere but a
 * field being typed in (D is taken: it dispatches the recommended units); Enter dials. The
 * call then shows among the calls in hand, ringing until the far end answers.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { CommandTracker } from '../../lib/useCommand';
import { isTyping } from '../state';
import { tc } from './messages';

/** What the protocol takes as a number or SIP user part. */
const DIALLABLE = /^[A-Za-z0-9+*#._@-]{1,64}$/;

export function DialForm({ cmd }: { cmd: CommandTracker }) {
  const [number, setNumber] = useState('');
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || isTyping(e.target) || (e.key !== 'c' && e.key !== 'C')) return;
      e.preventDefault();
      input.current?.focus();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  const value = number.trim();
  const valid = DIALLABLE.test(value);
  const onSubmit = (e: FormEvent) => {
    e.preventDefault();
    if (!valid) return;
    void cmd.run('dial', { type: 'call.dial', number: value }).then((ok) => ok && setNumber(''));
  };
  return (
    <form className="call-dial" onSubmit={onSubmit} title={tc('calls.dial_hint')}>
      <input ref={input} data-testid="call-dial-target" value={number} onChange={(e) => setNumber(e.target.value)} placeholder={tc('calls.dial_target')}
        aria-label={tc('calls.dial_target')} aria-invalid={value !== '' && !valid} maxLength={64} inputMode="tel" />
      <button type="submit" className="small" data-testid="call-dial" disabled={!valid || cmd.pending === 'dial'}>☎ {tc('calls.dial')}</button>
    </form>
  );
}
