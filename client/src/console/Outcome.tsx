/** One line that tells the dispatcher what became of a command: sending, queued, done or refused. */
import { t } from './messages';
import type { CommandOutcome } from './session';

/** A command outcome in words. */
export function outcomeText(o: CommandOutcome): string {
  switch (o.kind) {
    case 'pending':
      return t('result.pending');
    case 'queued':
      return t('result.queued');
    case 'ack':
      return o.createdId ? t('result.created', { id: o.createdId }) : t('result.ok', { what: o.message });
    case 'nack':
      return t('result.refused', { message: o.message });
  }
}

/** A command outcome as a status line (`data-result`: pending, queued, ack or nack). */
export function OutcomeLine({ outcome, testId }: { outcome: CommandOutcome | null; testId?: string }) {
  if (!outcome) return <p className="outcome empty" data-testid={testId} data-result="" aria-live="polite" />;
  return (
    <p className={`outcome ${outcome.kind}`} data-testid={testId} data-result={outcome.kind} role="status" aria-live="polite">
      {outcome.kind === 'ack' ? '✓ ' : outcome.kind === 'nack' ? '✗ ' : '… '}{outcomeText(outcome)}
    </p>
  );
}
