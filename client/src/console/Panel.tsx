/**
 * A titled panel of the console. While the connection is not live the panel is marked stale
 * (dimmed, with a STALE tag), so old data is never mistaken for live data.
 */
import type { KeyboardEvent, ReactNode, Ref } from 'react';
import { t } from './messages';
import { useConsole } from './session';
import { useLiveState } from './state';

/** Title, test id and content of a panel. */
export interface PanelProps {
  title: string;
  testId?: string;
  className?: string;
  actions?: ReactNode;
  children: ReactNode;
  panelRef?: Ref<HTMLElement>;
  /** Focusable panel (keyboard handling of its own). */
  tabIndex?: number;
  onKeyDown?(e: KeyboardEvent<HTMLElement>): void;
  extra?: Record<string, string | undefined>;
  /** Shows no live data (an empty slot): never marked stale. */
  static?: boolean;
}

/** True while the data on screen may be out of date. */
export function useStale(): boolean {
  const { live } = useConsole();
  return useLiveState(live) !== 'live';
}

/** A console panel, marked stale while the connection is not live. */
export function Panel(props: PanelProps) {
  const stale = useStale() && !props.static;
  const classes = ['panel', props.className ?? '', stale ? 'stale' : ''].join(' ').trim();
  return (
    <section
      className={classes} data-testid={props.testId} data-stale={stale ? 'true' : 'false'} aria-label={props.title}
      ref={props.panelRef} tabIndex={props.tabIndex} onKeyDown={props.onKeyDown} {...props.extra}
    >
      <header className="panel-head">
        <h2>{props.title}</h2>
        {stale && <span className="stale-tag" title={t('stale.hint')}>{t('stale')}</span>}
        <div className="panel-actions">{props.actions}</div>
      </header>
      <div className="panel-body">{props.children}</div>
    </section>
  );
}

/** A slot kept for a later feature (calls, radio, video). */
export function EmptySlot({ title, testId }: { title: string; testId: string }) {
  return (
    <Panel title={title} testId={testId} className="empty-slot" static>
      <p className="muted">{t('slot.later')}</p>
    </Panel>
  );
}
