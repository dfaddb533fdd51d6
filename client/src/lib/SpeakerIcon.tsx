/** A speaker, sounding or crossed out: the listen toggles' icon (no emoji font on the control-room PCs). */
export function SpeakerIcon({ on }: { on: boolean }) {
  return (
    <svg className="speaker-icon" viewBox="0 0 16 16" width="1em" height="1em" aria-hidden="true" focusable="false">
      <path d="M2 6h3l4-3.5v11L5 10H2z" fill="currentColor" />
      {on
        ? <path d="M11 5.5a3.5 3.5 0 0 1 0 5M12.8 3.5a6 6 0 0 1 0 9" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
        : <path d="M11 5.5l4 5M15 5.5l-4 5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />}
    </svg>
  );
}
