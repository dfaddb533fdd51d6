/**
 * Sends commands and remembers, honestly, what happened to the last one: in flight, queued
 * for the reconnect (LiveClient re-sends it with the same id), or refused with the reason.
 */
import { useCallback, useState } from 'react';
import type { CommandInput, LiveClient } from './live';

/** What the screen shows about commands it sent. */
export interface CommandTracker {
  /** Key of the command waiting for its ack (e.g. the button's action), or null. */
  pending: string | null;
  /** The server's reason for refusing the last command, or null. */
  error: string | null;
  /** Sends; resolves true on ack, false on refusal. */
  run(key: string, input: CommandInput): Promise<boolean>;
  clearError(): void;
}

/** A tracker for commands of one part of the screen. */
export function useCommand(live: LiveClient | null): CommandTracker {
  const [pending, setPending] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = useCallback(async (key: string, input: CommandInput) => {
    if (!live) return false;
    setPending(key);
    setError(null);
    try {
      await live.command(input);
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setPending((p) => (p === key ? null : p));
    }
  }, [live]);
  const clearError = useCallback(() => setError(null), []);
  return { pending, error, run, clearError };
}
