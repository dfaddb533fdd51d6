/**
 * Tab completion of the command line: verbs, unit ids, incident ids, incident types,
 * priorities, statuses and street names, by the verb and the position of the word.
 */
import { localName, type CityIndex } from '../city';
import { UNIT_STATUS_TARGETS, VERBS } from './parse';

/** Where completion finds units and incidents. */
export interface CompletionSource {
  city: CityIndex;
  /** Unit ids with a hint (callsign · status), the most useful first. */
  units(): { id: string; hint: string }[];
  /** Open incident ids with a hint, most urgent first. */
  incidents(): { id: string; hint: string }[];
}

/** One completion with a hint for the dispatcher. */
export interface Suggestion {
  value: string;
  hint: string;
}

/** The matches for the word at the caret. */
export interface Completion {
  /** Where in the line the word being completed starts. */
  start: number;
  suggestions: Suggestion[];
}

const PRIORITIES: Suggestion[] = [1, 2, 3, 4].map((p) => ({ value: `P${p}`, hint: '' }));

/** Suggestions for the word ending at `caret`. */
export function complete(line: string, caret: number, src: CompletionSource): Completion {
  const before = line.slice(0, caret);
  const street = /^\s*new\s+\S+\s+\S+\s+(@[^\n]*)$/i.exec(before);
  if (street) {
    const typed = street[1]!.slice(1).toLowerCase();
    const suggestions = src.city.data.streets
      .flatMap((s) => [s.name, s.nameZh].map((name) => ({ value: `@${name}`, hint: localName(s) })))
      .filter((s) => s.value.slice(1).toLowerCase().startsWith(typed));
    return { start: before.length - street[1]!.length, suggestions };
  }
  const wordStart = Math.max(before.lastIndexOf(' '), before.lastIndexOf(','), -1) + 1;
  const word = before.slice(wordStart).toLowerCase();
  const words = before.slice(0, wordStart).trim().split(/\s+/).filter(Boolean);
  const verb = words[0]?.toLowerCase();
  const position = words.length;
  const options = position === 0 ? VERBS.map((v) => ({ value: v, hint: '' })) : candidates(verb ?? '', position, src);
  return { start: wordStart, suggestions: options.filter((o) => o.value.toLowerCase().startsWith(word)) };
}

function candidates(verb: string, position: number, src: CompletionSource): Suggestion[] {
  const units = () => src.units().map((u) => ({ value: u.id, hint: u.hint }));
  const incidents = () => src.incidents().map((i) => ({ value: i.id, hint: i.hint }));
  switch (verb) {
    case 'new':
      if (position === 1) return src.city.data.incidentTypes.map((ty) => ({ value: ty.id, hint: localName(ty) }));
      if (position === 2) return PRIORITIES;
      return [];
    case 'd':
      return position === 1 ? units() : [...incidents(), ...units()];
    case 'st':
      if (position === 1) return units();
      if (position === 2) return UNIT_STATUS_TARGETS.map((s) => ({ value: s, hint: '' }));
      return [];
    case 'ack':
      return position === 1 ? units() : [];
    case 'note':
    case 'close':
      return position === 1 ? incidents() : [];
    case 'p':
      if (position === 1) return [...incidents(), ...PRIORITIES];
      if (position === 2) return PRIORITIES;
      return [];
    default:
      return [];
  }
}

const HISTORY_KEY = 'beacon.console.commandHistory';
const HISTORY_MAX = 100;

/** Command lines entered before (oldest first), kept in localStorage. */
export function loadHistory(): string[] {
  try {
    const raw = JSON.parse(localStorage.getItem(HISTORY_KEY) ?? '[]') as unknown;
    return Array.isArray(raw) ? raw.filter((x): x is string => typeof x === 'string').slice(-HISTORY_MAX) : [];
  } catch {
    return [];
  }
}

/** Stores the command history (the last 100 lines). */
export function saveHistory(lines: string[]): void {
  localStorage.setItem(HISTORY_KEY, JSON.stringify(lines.slice(-HISTORY_MAX)));
}
