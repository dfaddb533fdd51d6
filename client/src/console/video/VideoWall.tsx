/**
 * The video wall (`video-wall`), docked beside the map while the open incident has live body
 * cameras: a grid of small tiles (each on the smallest simulcast layer), or the focus view,
 * which covers the map cell with one enlarged camera (on the top layer) and the others in a
 * strip. Keyboard first: V reaches the wall, Enter enlarges the focused tile, Escape goes back.
 * It also keeps the wall's cameras on the incident the dispatcher has open.
 */
import { useEffect, useRef } from 'react';
import { useCameraWall, type CameraWallState } from '../../lib/cameras';
import { useLocale } from '../../lib/i18n';
import type { IncidentViewStats } from '../../lib/media';
import { OPEN_INCIDENT_STATES, useStore } from '../../lib/stores';
import { t } from '../messages';
import { Panel } from '../Panel';
import { useConsole, type ConsoleServices } from '../session';
import { isTyping, useObservable } from '../state';
import { VideoTile } from './VideoTile';
import './video.css';

/** For end-to-end tests and diagnostics: the open incident's receive statistics. */
declare global {
  interface Window {
    __beaconVideo?: { incidentId: string; stats(): Promise<IncidentViewStats> };
  }
}

/** The wall beside (grid) or over (focus view) the map; nothing while no camera is live. */
export function VideoWall() {
  const c = useConsole();
  useLocale();
  useCamerasOfOpenIncident(c);
  const wall = useCameraWall(c.cameras);
  const open = useObservable(c.wallOpen);
  const root = useRef<HTMLElement | null>(null);
  const focused = wall.cameras.find((cam) => cam.key === wall.focused) ?? null;
  useWallKeys(c, wall, root);
  useKeyboardFocusFollowsView(root, focused?.key ?? null);

  if (wall.cameras.length === 0 || (!open && !focused)) return null;
  const others = wall.cameras.filter((cam) => cam !== focused);
  const listen = (key: string) => (on: boolean) => c.cameras.listen(on ? key : null);
  const actions = focused
    ? <button type="button" className="small" data-testid="video-back" onClick={() => c.cameras.focus(null)}>{t('video.back')}</button>
    : <button type="button" className="small ghost" data-testid="video-hide" onClick={() => c.wallOpen.set(false)}>{t('video.hide')}</button>;
  return (
    <Panel
      title={t('video.wall', { n: wall.cameras.length })} testId="video-wall" panelRef={root} actions={actions}
      className={`video-wall ${focused ? 'focus-view' : 'grid-view'}`}
      extra={{ 'data-view': focused ? 'focus' : 'grid', 'data-focused': focused?.key ?? '', 'data-incident-id': wall.incidentId ?? '' }}
    >
      {focused && (
        <div className="video-focus">
          <VideoTile camera={focused} big listening={wall.listening === focused.key} onListen={listen(focused.key)} />
        </div>
      )}
      {others.length > 0 && (
        <div className={focused ? 'video-strip' : 'video-grid'} data-count={others.length}>
          {others.map((cam) => (
            <VideoTile
              key={cam.key} camera={cam} listening={wall.listening === cam.key}
              onEnlarge={() => c.cameras.focus(cam.key)} onListen={listen(cam.key)}
            />
          ))}
        </div>
      )}
    </Panel>
  );
}

/** The wall follows the incident the dispatcher has open, while that incident is open. */
function useCamerasOfOpenIncident(c: ConsoleServices): void {
  const { incidentId } = useObservable(c.selection);
  const incidents = useStore(c.incidents);
  const incident = incidentId ? incidents.items.get(incidentId) : undefined;
  // Closed incidents have no room; an incident not in the queue yet may still be viewable.
  const viewable = !!incidentId && (!incident || OPEN_INCIDENT_STATES.includes(incident.state));
  const watched = viewable ? incidentId : null;
  useEffect(() => {
    c.cameras.show(watched);
    if (!watched) return;
    window.__beaconVideo = { incidentId: watched, stats: () => c.cameras.stats() };
    return () => {
      if (window.__beaconVideo?.incidentId === watched) delete window.__beaconVideo;
    };
  }, [c, watched]);
}

/** V reaches the wall (showing it if hidden); Escape leaves the focus view, unless the create form is open. */
function useWallKeys(c: ConsoleServices, wall: CameraWallState, root: React.RefObject<HTMLElement | null>): void {
  const hasFocusView = wall.focused !== null && wall.cameras.some((cam) => cam.key === wall.focused);
  const count = wall.cameras.length;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
      if (e.key === 'Escape' && hasFocusView && !c.formOpen.get()) {
        e.preventDefault();
        c.cameras.focus(null);
      } else if ((e.key === 'v' || e.key === 'V') && !isTyping(e.target) && count > 0) {
        e.preventDefault();
        c.wallOpen.set(true);
        requestAnimationFrame(() => firstTile(root.current)?.focus());
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [c, hasFocusView, count, root]);
}

const firstTile = (el: HTMLElement | null) => el?.querySelector<HTMLElement>('.video-tile');

/**
 * Keeps the keyboard where the dispatcher is looking: on the enlarged tile when the focus view
 * opens, and back on that camera's small tile when it closes (if the focus was in the wall).
 */
function useKeyboardFocusFollowsView(root: React.RefObject<HTMLElement | null>, focusedKey: string | null): void {
  const last = useRef<string | null>(null);
  useEffect(() => {
    const el = root.current;
    const previous = last.current;
    last.current = focusedKey;
    if (!el || focusedKey === previous) return;
    const inWall = el.contains(document.activeElement) || document.activeElement === document.body;
    if (!inWall) return;
    const key = focusedKey ?? previous;
    el.querySelector<HTMLElement>(`.video-tile[data-camera-key="${CSS.escape(key ?? '')}"]`)?.focus();
  });
}
