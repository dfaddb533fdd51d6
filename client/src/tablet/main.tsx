/** Entry of the incident commander tablet (/tablet/). */
import { createRoot } from 'react-dom/client';
import 'leaflet/dist/leaflet.css';
import { currentLocale } from '../lib/i18n';
import { TabletApp } from './TabletApp';
import '../lib/touch-base.css';
import './tablet.css';

document.documentElement.lang = currentLocale();
createRoot(document.getElementById('root')!).render(<TabletApp />);
