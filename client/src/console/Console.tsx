/**
 * The signed-in console: layout and the global keys. `/` or F2 reach the command line from
 * anywhere, N opens the create form (when not typing), Escape closes it; A answers the call
 * offered to this seat (the calls panel's own key). The calls panel heads the queue column:
 * the call taker's first look, and too much for a slot of the bottom strip.
 */
import { useEffect } from 'react';
import { useLocale } from '../lib/i18n';
import { AlertsPanel, useAttention } from './AlertsPanel';
import { CallsPanel } from './calls/CallsPanel';
import { CommandLine } from './command/CommandLine';
import { IncidentDetail } from './detail/IncidentDetail';
import { IncidentForm } from './IncidentForm';
import { IncidentQueue } from './IncidentQueue';
import { MapPanel } from './MapPanel';
import { t } from './messages';
import { EmptySlot } from './Panel';
import { useConsole } from './session';
import { isTyping, useObservable } from './state';
import { TopBar } from './TopBar';
import { UnitBoard } from './UnitBoard';
import { VideoSlot } from './video/VideoSlot';
import { VideoWall } from './video/VideoWall';

/** The console layout: queue, map (with the video wall beside or over it), detail, bottom strip, command line. */
export function Console({ onSignOut }: { onSignOut(): void }) {
  const c = useConsole();
  useLocale();
  const formOpen = useObservable(c.formOpen);
  const formCall = useObservable(c.formCall);
  useGlobalKeys();
  useAttentionTitle();
  return (
    <div className="console">
      <TopBar onSignOut={onSignOut} />
      <main className="console-grid">
        <div className="area-queue">
          <CallsPanel />
          <IncidentQueue />
        </div>
        <div className="area-map">
          <MapPanel />
          <VideoWall />
          {formOpen && <IncidentForm key={formCall ?? 'plain'} />}
        </div>
        <div className="area-detail"><IncidentDetail /></div>
        <div className="area-bottom">
          <UnitBoard />
          <AlertsPanel />
          <div className="slots">
            <EmptySlot title={t('panel.radio')} testId="slot-radio" />
            <VideoSlot />
          </div>
        </div>
      </main>
      <CommandLine />
    </div>
  );
}

function useGlobalKeys(): void {
  const c = useConsole();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const typing = isTyping(e.target);
      if (e.key === 'F2' || (e.key === '/' && !typing)) {
        e.preventDefault();
        c.focus.commandLine?.focus();
      } else if ((e.key === 'n' || e.key === 'N') && !typing) {
        e.preventDefault();
        c.formCall.set(null);
        c.formOpen.set(true);
      } else if (e.key === 'Escape' && c.formOpen.get()) {
        c.mapPick.set(null);
        c.formOpen.set(false);
        c.formCall.set(null);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [c]);
}

/** The tab title carries the number of things waiting for the dispatcher. */
function useAttentionTitle(): void {
  const { alerts, emergencies } = useAttention();
  const n = alerts.length + emergencies.length;
  useEffect(() => {
    document.title = `${n > 0 ? `(${n}) ` : ''}${t('app.title')}`;
  }, [n]);
}
