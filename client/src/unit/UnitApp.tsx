/** The field-unit page: sign-in, then the crew's screen for its own unit. */
import { useEffect, useState } from 'react';
import { useLocale } from '../lib/i18n';
import { LoginScreen } from '../lib/LoginScreen';
import { UnitScreen } from './UnitScreen';
import { useSession } from '../lib/session';
import { t } from './messages';

/** Root component of the field-unit page. */
export function UnitApp() {
  const locale = useLocale();
  const { api, session, login, logout } = useSession('unit');
  const [notice, setNotice] = useState<string | null>(null);
  const unitId = session?.actor.role === 'field_unit' ? session.actor.unitId : null;

  useEffect(() => {
    document.title = t('title');
    document.documentElement.lang = locale;
  }, [locale]);

  // Only crews use this page: another role signs straight out again, with a word why.
  useEffect(() => {
    if (session && !unitId) {
      logout();
      setNotice(t('login.not_unit'));
    }
  }, [session, unitId, logout]);

  if (!session || !unitId) {
    return <LoginScreen login={async (u, p) => { setNotice(null); return login(u, p); }} notice={notice} t={t} normalize={(u) => u.trim().toLowerCase()} />;
  }
  return <UnitScreen api={api} token={session.token} unitId={unitId} onLogout={logout} />;
}
