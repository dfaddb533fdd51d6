/** The sign-in form of the touch apps (tablet, unit page). */
import { useState, type FormEvent } from 'react';
import { common, setLocale, useLocale } from './i18n';
import type { Session } from './api';

/** The app's messages for the sign-in keys. */
export type LoginMessages = (key: 'login.busy' | 'login.failed' | 'login.heading' | 'login.hint', params?: Record<string, string | number>) => string;

interface Props {
  login(username: string, password: string): Promise<Session>;
  /** Error to show on arrival (e.g. an account of another role was refused). */
  notice?: string | null;
  t: LoginMessages;
  /** How a typed username is normalised (unit ids are typed in any case). */
  normalize?: (username: string) => string;
}

/** The sign-in form with the login-* test ids. */
export function LoginScreen({ login, notice, t, normalize = (u) => u.trim() }: Props) {
  const locale = useLocale();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(normalize(username), password);
    } catch (err) {
      setError(t('login.failed', { message: err instanceof Error ? err.message : String(err) }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <div className="login-top">
        <span className="brand">Beacon</span>
        <button type="button" className="btn btn-small" data-testid="language-toggle" onClick={() => setLocale(locale === 'en' ? 'zh-CN' : 'en')}>
          {common('language')}
        </button>
      </div>
      <form className="panel login-form" onSubmit={submit}>
        <h1>{t('login.heading')}</h1>
        <p className="muted small">{t('login.hint')}</p>
        <label htmlFor="login-username">{common('username')}</label>
        <input
          id="login-username" data-testid="login-username" className="input" value={username}
          autoComplete="username" autoCapitalize="none" autoCorrect="off" spellCheck={false} required
          onChange={(e) => setUsername(e.target.value)}
        />
        <label htmlFor="login-password">{common('password')}</label>
        <input
          id="login-password" data-testid="login-password" className="input" type="password" value={password}
          autoComplete="current-password" required onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" data-testid="login-submit" className="btn btn-primary" disabled={busy}>
          {busy ? t('login.busy') : common('sign_in')}
        </button>
        {(error ?? notice) && <p className="hint error" role="alert">{error ?? notice}</p>}
      </form>
    </main>
  );
}
