/** Entry of the dispatcher console (client/console/index.html). */
import { createRoot } from 'react-dom/client';
import 'leaflet/dist/leaflet.css';
import './console.css';
import { currentLocale } from '../lib/i18n';
import { App } from './App';

document.documentElement.lang = currentLocale();
createRoot(document.getElementById('root')!).render(<App />);
