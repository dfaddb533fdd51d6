/** Sign-in and the live connection of an app (tablet, unit page), as React hooks. */
import { useCallback, useEffect, useState } from 'react';
import { ApiClient, type Session } from './api';
import { LiveClient, type LiveState } from './live';

/** The signed-in session (restored from this tab's storage) with login and logout. */
export function useSession(app: string): {
  api: ApiClient;
  session: Session | null;
  login(username: string, password: string): Promise<Session>;
  logout(): void;
} {
  const [api] = useState(() => ApiClient.restore(app));
  const [session, setSession] = useState<Session | null>(api.session);
  const login = useCallback(async (username: string, password: string) => {
    const s = await api.login(app, username, password);
    setSession(s);
    return s;
  }, [api, app]);
  const logout = useCallback(() => {
    api.logout(app);
    setSession(null);
  }, [api, app]);
  return { api, session, login, logout };
}

/**
 * One LiveClient per session token, started while mounted. The state is the client's own:
 * it is `live` only while the socket is open and answering pings.
 */
export function useLiveClient(token: string | null): { live: LiveClient | null; state: LiveState } {
  const [live, setLive] = useState<LiveClient | null>(null);
  const [state, setState] = useState<LiveState>('connecting');
  useEffect(() => {
    if (!token) {
      setLive(null);
      setState('signed_out');
      return;
    }
    const client = LiveClient.forPage(() => token);
    const off = client.onState(setState);
    client.start();
    setState(client.state);
    setLive(client);
    return () => {
      off();
      client.stop();
    };
  }, [token]);
  return { live, state };
}

/** Re-renders every `ms` (for "since" clocks and staleness ages). */
export function useTick(ms: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
