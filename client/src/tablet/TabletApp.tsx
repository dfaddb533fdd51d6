/** The incident commander tablet: sign-in, then command of the agency's incidents. */
import { useEffect, useState } from 'react';
import { useLocale } from '../lib/i18n';
import { CommandScreen } from './CommandScreen';
import { LoginScreen } from '../lib/LoginScreen';
import { useSession } from '../lib/session';
import { t } from './messages';

/** Roles that may command on scene from this tablet. */
const COMMAND_ROLES: readonly string[] = ['incident_commander', 'supervisor'];

/** Root component of the tablet. */
export function TabletApp() {
  const locale = useLocale();
  const { api, session, login, logout } = useSession('tablet');
  const [notice, setNotice] = useState<string | null>(null);
  const actor = session?.actor;
  const allowed = !!actor && COMMAND_ROLES.includes(actor.role) && actor.agencyId !== null;

  useEffect(() => {
    document.title = t('title');
    document.documentElement.lang = locale;
  }, [locale]);

  useEffect(() => {
    if (actor && !allowed) {
      logout();
      setNotice(t('login.wrong_role', { role: actor.role }));
    }
  }, [actor, allowed, logout]);

  if (!session || !actor || !allowed || !actor.agencyId) {
    return <LoginScreen login={async (u, p) => { setNotice(null); return login(u, p); }} notice={notice} t={t} />;
  }
  return <CommandScreen api={api} token={session.token} agencyId={actor.agencyId} displayName={actor.username} onLogout={logout} />;
}
