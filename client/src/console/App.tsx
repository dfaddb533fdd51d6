/**
 * The console app: sign-in, then one console session per sign-in (restored from the
 * session token on reload); back to sign-in when the server no longer accepts the token.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiClient } from '../lib/api';
import { Console } from './Console';
import { LoginScreen } from './LoginScreen';
import { t } from './messages';
import { ConsoleContext, openConsole, type ConsoleServices } from './session';

const APP = 'console';

/** The console app root: sign-in or the console. */
export function App() {
  const [api] = useState(() => ApiClient.restore(APP));
  const [services, setServices] = useState<ConsoleServices | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const current = useRef<ConsoleServices | null>(null);

  const start = useCallback(async () => {
    setBusy(true);
    try {
      const opened = await openConsole(api);
      current.current = opened;
      setServices(opened);
      setError(null);
    } catch (err) {
      api.logout(APP);
      setError(t('login.failed', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  }, [api]);

  useEffect(() => {
    if (api.session) void start();
  }, [api, start]);

  const signOut = useCallback(() => {
    const s = current.current;
    current.current = null;
    api.logout(APP);
    setServices(null);
    s?.close();
  }, [api]);

  // A token the server refuses (expired, revoked) ends the session.
  useEffect(() => {
    if (!services) return;
    const off = services.live.onState((s) => {
      if (s === 'signed_out' && current.current === services) signOut();
    });
    return () => void off();
  }, [services, signOut]);

  const login = async (username: string, password: string) => {
    setBusy(true);
    try {
      await api.login(APP, username, password);
    } catch (err) {
      setBusy(false);
      setError(t('login.failed', { message: err instanceof Error ? err.message : String(err) }));
      return;
    }
    await start();
  };

  if (!services) return <LoginScreen onLogin={login} busy={busy} error={error} />;
  return (
    <ConsoleContext.Provider value={services}>
      <Console onSignOut={signOut} />
    </ConsoleContext.Provider>
  );
}
