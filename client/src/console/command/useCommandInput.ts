/** Editing helpers of the command line: Tab completion that cycles, and the ↑/↓ history. */
import { useState } from 'react';
import { complete, loadHistory, saveHistory, type CompletionSource, type Suggestion } from './complete';

/** The state of a Tab cycle: the line before it and the matches. */
export interface Cycle {
  base: string;
  caret: number;
  start: number;
  suggestions: Suggestion[];
  index: number;
}

/** The line and caret after choosing a suggestion. */
function apply(cy: Cycle): { value: string; caret: number } {
  const choice = cy.suggestions[cy.index]!;
  const tail = cy.base.slice(cy.caret);
  const space = cy.suggestions.length === 1 && !tail.startsWith(' ') ? ' ' : '';
  const head = cy.base.slice(0, cy.start) + choice.value + space;
  return { value: head + tail, caret: head.length };
}

/** Tab completes the word at the caret; pressed again it cycles through the other matches. */
export function useCompletion(source: CompletionSource) {
  const [cycle, setCycle] = useState<Cycle | null>(null);
  const tab = (value: string, caret: number, back: boolean): { value: string; caret: number } | null => {
    if (cycle && cycle.suggestions.length > 1) {
      const n = cycle.suggestions.length;
      const next = { ...cycle, index: (cycle.index + (back ? n - 1 : 1)) % n };
      setCycle(next);
      return apply(next);
    }
    const { start, suggestions } = complete(value, caret, source);
    if (suggestions.length === 0) return null;
    const first = { base: value, caret, start, suggestions, index: 0 };
    setCycle(first);
    return apply(first);
  };
  return { cycle, tab, reset: () => setCycle(null) };
}

/** Lines entered before, walked with ↑/↓; the line being typed is kept as the draft. */
export function useHistory() {
  const [lines, setLines] = useState(loadHistory);
  const [browse, setBrowse] = useState<{ index: number; draft: string } | null>(null);
  const push = (line: string) => {
    const next = [...lines.filter((h) => h !== line), line];
    setLines(next);
    saveHistory(next);
    setBrowse(null);
  };
  /** The line to show after one step back (-1) or forward (+1), or null with no history. */
  const step = (dir: -1 | 1, current: string): string | null => {
    if (lines.length === 0) return null;
    const index = Math.max(0, Math.min(lines.length, (browse?.index ?? lines.length) + dir));
    const draft = browse?.draft ?? current;
    setBrowse(index === lines.length ? null : { index, draft });
    return index === lines.length ? draft : lines[index]!;
  };
  return { push, step };
}
