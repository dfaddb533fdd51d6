import { createRoot } from 'react-dom/client';
import 'leaflet/dist/leaflet.css';
import { common } from '../lib/i18n';

createRoot(document.getElementById('root')!).render(<p>{common('connecting')}</p>);
