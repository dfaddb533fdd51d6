/**
 * Short glyphs that tell unit types and agencies apart on the map at a glance (the colour is
 * the status, so the shape of the letters carries the type).
 */
import './layers.css';

const UNIT_GLYPHS: Record<string, string> = {
  'patrol-car': 'P', 'police-motorcycle': 'M', 'k9-unit': 'K9', 'swat-van': 'SW',
  'fire-engine': 'E', 'ladder-truck': 'L', 'rescue-unit': 'R', 'hazmat-unit': 'HZ', 'fire-command': 'BC',
  'als-ambulance': 'ALS', 'bls-ambulance': 'BLS', 'ems-supervisor': 'ES',
  'road-repair-truck': 'RD', 'utilities-crew': 'UT', 'tow-truck': 'TW', 'city-inspector': 'CI',
};

/** A 1–3 letter glyph for a unit type; unknown types get the initials of their id. */
export function unitGlyph(typeId: string): string {
  const known = UNIT_GLYPHS[typeId];
  if (known) return known;
  const initials = typeId.split(/[-_\s]+/).map((w) => w[0] ?? '').join('').toUpperCase();
  return initials.slice(0, 3) || '?';
}

/** Colour per agency kind (stations, agency headers). */
export const AGENCY_COLOURS: Record<string, string> = {
  police: '#4c8dff', fire: '#ff6b4a', ems: '#35c2a1', city: '#c9a227',
};

/** Short agency names per kind, English and Chinese (cluster tooltips: "Police 5 · Fire 2"). */
export const AGENCY_SHORT_NAMES: Record<string, { en: string; zh: string }> = {
  police: { en: 'Police', zh: '公安' }, fire: { en: 'Fire', zh: '消防' }, ems: { en: 'EMS', zh: '急救' }, city: { en: 'City', zh: '城管' },
};

/** One letter per agency kind for station markers. */
export const AGENCY_GLYPHS: Record<string, string> = { police: '警', fire: '消', ems: '救', city: '城' };

/** Escapes text for the HTML of a div icon. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
