/**
 * The video slot of the bottom strip (`slot-video`): which cameras of the open incident are
 * live, and the switch that docks the wall beside the map or hides it (the map gets the room).
 */
import { useCameraWall } from '../../lib/cameras';
import { useLocale } from '../../lib/i18n';
import { t } from '../messages';
import { Panel } from '../Panel';
import { useConsole } from '../session';
import { useObservable } from '../state';
import { SharedVideoList } from './SharedVideo';

/** Summary of the wall: count and units live, show/hide. */
export function VideoSlot() {
  const c = useConsole();
  useLocale();
  const wall = useCameraWall(c.cameras);
  const open = useObservable(c.wallOpen);
  const { incidentId } = useObservable(c.selection);
  const n = wall.cameras.length;
  const toggle = n > 0 && (
    <button type="button" className={`small${open ? '' : ' active'}`} data-testid="video-wall-toggle" aria-pressed={open} onClick={() => c.wallOpen.set(!open)}>
      {open ? t('video.hide') : t('video.show')}
    </button>
  );
  return (
    <Panel
      title={t('panel.video')} testId="slot-video" className="video-slot" actions={toggle}
      extra={{ 'data-incident-id': incidentId ?? '', 'data-cameras': String(n) }}
    >
      {wall.error && n === 0 && <p className="hint error">{wall.error}</p>}
      {n === 0 && !wall.error && <p className="muted">{incidentId ? t('video.none') : t('video.no_incident')}</p>}
      {n > 0 && (
        <>
          <p className="vs-count"><span className="vs-dot" aria-hidden="true">●</span> {t('video.count', { n })}: {wall.cameras.map((cam) => cam.unitId ?? '?').join(', ')}</p>
          <p className="muted">{t('video.hint')}</p>
        </>
      )}
      <SharedVideoList />
    </Panel>
  );
}
