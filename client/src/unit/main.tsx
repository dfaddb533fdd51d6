/** Entry of the field-unit page (/unit/): an installable PWA for the crew's phone. */
import { createRoot } from 'react-dom/client';
import { currentLocale } from '../lib/i18n';
import { UnitApp } from './UnitApp';
import { registerShellCache } from './serviceWorker';
import '../lib/touch-base.css';
import './unit.css';

document.documentElement.lang = currentLocale();
createRoot(document.getElementById('root')!).render(<UnitApp />);
registerShellCache();
