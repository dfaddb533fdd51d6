/**
 * The CAD command line at the bottom of the console (focus: / or F2). Tab completes and
 * cycles, ↑/↓ walk the history (kept across sessions), Enter sends; the server's ack or
 * refusal appears beside it.
 */
import { useEffect, useMemo, useRef, useState, type KeyboardEvent } from 'react';
import { useLocale } from '../../lib/i18n';
import { t, statusLabel } from '../messages';
import { outcomeText } from '../Outcome';
import { sendCommand, useConsole, type CommandOutcome, type ConsoleServices } from '../session';
import { byUrgency } from '../targets';
import type { CompletionSource } from './complete';
import { parseCommand, type ParseContext } from './parse';
import { useCompletion, useHistory, type Cycle } from './useCommandInput';

type Result = { line: string; error: string } | { line: string; outcome: CommandOutcome };

/** The command line (`command-line`) and its result (`command-result`). */
export function CommandLine() {
  const c = useConsole();
  useLocale();
  const input = useRef<HTMLInputElement | null>(null);
  const [value, setValue] = useState('');
  const [result, setResult] = useState<Result | null>(null);
  const caretAfter = useRef<number | null>(null);
  const completion = useCompletion(useMemo(() => completionSource(c), [c]));
  const history = useHistory();

  useEffect(() => {
    c.focus.commandLine = input.current;
  }, [c]);
  useEffect(() => {
    if (caretAfter.current !== null) input.current?.setSelectionRange(caretAfter.current, caretAfter.current);
    caretAfter.current = null;
  });

  const submit = () => {
    const line = value.trim();
    if (!line) return;
    history.push(line);
    completion.reset();
    const parsed = parseCommand(line, parseContext(c));
    if (!parsed.ok) return setResult({ line, error: parsed.error });
    setValue('');
    void sendCommand(c.live, parsed.input, (outcome) => setResult({ line, outcome }), parsed.describe).then((o) => {
      if (o.kind === 'ack' && o.createdId) c.selection.update((s) => ({ ...s, incidentId: o.createdId ?? s.incidentId }));
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    const show = (next: { value: string; caret: number } | null) => {
      if (!next) return;
      caretAfter.current = next.caret;
      setValue(next.value);
    };
    const walk = (dir: -1 | 1) => {
      const line = history.step(dir, value);
      completion.reset();
      show(line === null ? null : { value: line, caret: line.length });
    };
    const handlers: Record<string, () => void> = {
      Tab: () => show(completion.tab(value, input.current?.selectionStart ?? value.length, e.shiftKey)),
      ArrowUp: () => walk(-1),
      ArrowDown: () => walk(1),
      Enter: submit,
      Escape: () => (completion.cycle ? completion.reset() : value ? setValue('') : c.focus.queue?.focus()),
    };
    const handler = handlers[e.key];
    if (!handler) return;
    e.preventDefault();
    handler();
  };

  return (
    <div className="command-bar" role="region" aria-label={t('cmd.label')}>
      <Suggestions cycle={completion.cycle} />
      <label htmlFor="command-line" className="cmd-prompt" title={t('cmd.label')}>&gt;</label>
      <input
        id="command-line" ref={input} data-testid="command-line" value={value} spellCheck={false} autoComplete="off"
        placeholder={t('cmd.placeholder')} aria-label={t('cmd.label')}
        onChange={(e) => {
          setValue(e.target.value);
          completion.reset();
        }}
        onKeyDown={onKeyDown}
      />
      <ResultLine result={result} />
    </div>
  );
}

/** The matches Tab cycles through, the current one highlighted. */
function Suggestions({ cycle }: { cycle: Cycle | null }) {
  if (!cycle || cycle.suggestions.length < 2) return null;
  const from = Math.max(0, Math.min(cycle.index - 5, cycle.suggestions.length - 12));
  return (
    <ul className="suggestions" data-testid="command-suggestions">
      {cycle.suggestions.slice(from, from + 12).map((s, i) => (
        <li key={s.value} className={from + i === cycle.index ? 'current' : ''}>
          <b>{s.value}</b> <span className="muted">{s.hint}</span>
        </li>
      ))}
    </ul>
  );
}

function ResultLine({ result }: { result: Result | null }) {
  const kind = !result ? '' : 'error' in result ? 'error' : result.outcome.kind;
  const text = !result ? '' : 'error' in result ? result.error : outcomeText(result.outcome);
  return (
    <output className={`command-result ${kind}`} data-testid="command-result" data-result={kind} aria-live="polite">
      {result && <span className="muted">{result.line} </span>}
      {text}
    </output>
  );
}

function parseContext(c: ConsoleServices): ParseContext {
  const units = new Map<string, string>();
  for (const seed of c.city.unitSeeds.values()) {
    units.set(seed.id.toLowerCase(), seed.id);
    units.set(seed.callsign.replace(/\s+/g, '').toLowerCase(), seed.id);
  }
  for (const u of c.units.items.values()) units.set(u.id.toLowerCase(), u.id);
  const incidents = new Map([...c.incidents.items.keys()].map((id) => [id.toLowerCase(), id]));
  return {
    city: c.city,
    selectedIncidentId: c.selection.get().incidentId,
    actorAgencyId: c.actor.agencyId,
    resolveUnit: (token) => units.get(token.toLowerCase()) ?? null,
    resolveIncident: (token) => incidents.get(token.toLowerCase()) ?? (/^inc-[a-z0-9-]+$/i.test(token) ? token.toUpperCase() : null),
  };
}

function completionSource(c: ConsoleServices): CompletionSource {
  return {
    city: c.city,
    units: () => [...c.units.items.values()]
      .sort((a, b) => Number(b.status === 'available') - Number(a.status === 'available') || a.id.localeCompare(b.id, undefined, { numeric: true }))
      .map((u) => ({ id: u.id, hint: `${u.callsign} · ${statusLabel(u.status)}` })),
    // The incident open in the detail first, then the queue's order.
    incidents: () => c.incidents.values()
      .sort((a, b) => Number(b.id === c.selection.get().incidentId) - Number(a.id === c.selection.get().incidentId) || byUrgency(a, b))
      .map((i) => ({ id: i.id, hint: `P${i.priority} ${c.city.incidentTypeName(i.incidentType)} · ${i.address ?? ''}` })),
  };
}
