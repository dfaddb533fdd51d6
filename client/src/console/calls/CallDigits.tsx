/**
 * The keys the caller pressed (`call-digits`), oldest first: a caller who cannot speak may
 * still answer "press 1" or key in a code. Each digit says in its tooltip how it came (a tone
 * in the RTP, RFC 4733, or SIP INFO) and how long the phone held it. Nothing shows until a key
 * is pressed; the call keeps its last 64.
 */
import type { CallView } from '../../lib/stores';
import { tc } from './messages';

export function CallDigits({ call }: { call: CallView }) {
  // Calls stored before digits were kept have none.
  const digits = call.digits ?? [];
  if (digits.length === 0) return null;
  return (
    <div className="call-location" data-testid="call-digits" data-digits={digits.map((d) => d.digit).join('')} title={tc('calls.digits_hint')}>
      <span className="muted">{tc('calls.digits')}</span>
      <span className="call-number" style={{ overflowWrap: 'anywhere' }}>
        {digits.map((d, i) => (
          <span key={`${d.at}-${i}`} data-via={d.via}
            title={[tc(d.via === 'rfc4733' ? 'calls.digit_via_rfc4733' : 'calls.digit_via_info'), d.durationMs === null ? '' : tc('calls.digit_ms', { ms: d.durationMs })].filter(Boolean).join(', ')}>
            {d.digit}
          </span>
        ))}
      </span>
    </div>
  );
}
