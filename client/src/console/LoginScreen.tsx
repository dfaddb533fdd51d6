/** Sign-in: username and password, language switch and local clock before anything else. */
import { useState, type FormEvent } from 'react';
import { common, useLocale } from '../lib/i18n';
import { t } from './messages';
import { Clock, LanguageToggle } from './TopBar';

/** What the sign-in screen needs from the app. */
export interface LoginProps {
  onLogin(username: string, password: string): Promise<void>;
  /** Set while the city data loads after a successful sign-in. */
  busy: boolean;
  error: string | null;
}

/** The sign-in screen (`login-username`, `login-password`, `login-submit`). */
export function LoginScreen({ onLogin, busy, error }: LoginProps) {
  useLocale();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (username && password && !busy) void onLogin(username.trim(), password);
  };
  return (
    <div className="login-screen">
      <div className="login-top"><Clock /><LanguageToggle /></div>
      <form className="login-card" onSubmit={submit} aria-label={common('sign_in')}>
        <h1>{t('app.title')}</h1>
        <p className="muted">{t('login.subtitle')}</p>
        <label>{common('username')}
          <input data-testid="login-username" autoFocus autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} />
        </label>
        <label>{common('password')}
          <input data-testid="login-password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} />
        </label>
        {error && <p className="error" role="alert" data-testid="login-error">{error}</p>}
        <button type="submit" className="primary" data-testid="login-submit" disabled={busy || !username || !password}>
          {busy ? t('login.busy') : common('sign_in')}
        </button>
      </form>
    </div>
  );
}
