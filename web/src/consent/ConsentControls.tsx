import { useEffect, useRef } from 'react';
import type { Consent } from './useConsent';

// The consent button / recording indicator and the dialog, the same on every platform.
export function ConsentControls({ consent, className }: { consent: Consent; className?: string }) {
  const buttonRef = useRef<HTMLButtonElement>(null);
  const wasOpen = useRef(false);
  useEffect(() => {
    // Focus returns to the button when the dialog closes without an answer.
    if (wasOpen.current && !consent.dialogOpen) buttonRef.current?.focus();
    wasOpen.current = consent.dialogOpen;
  }, [consent.dialogOpen]);

  if (!consent.required) return null;
  return (
    <div className={`consent-controls ${className ?? ''}`}>
      {consent.showButton && (
        <button
          ref={buttonRef}
          type="button"
          className="consent-button"
          aria-haspopup="dialog"
          onClick={consent.openDialog}
        >
          <span aria-hidden="true" className="rec-dot" /> Meeting is being recorded — give or refuse consent
        </button>
      )}
      {consent.showRecordingIndicator && (
        <p className="recording-indicator" role="status">
          <span aria-hidden="true" className="rec-dot" /> Recording
        </p>
      )}
      {consent.dialogOpen && <ConsentDialog consent={consent} />}
    </div>
  );
}

function ConsentDialog({ consent }: { consent: Consent }) {
  const acceptRef = useRef<HTMLButtonElement>(null);
  const dismiss = useRef(consent.dismissDialog);
  dismiss.current = consent.dismissDialog;
  useEffect(() => {
    // "Yes" is focused when the dialog opens; Escape closes it without an answer.
    acceptRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') dismiss.current();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  return (
    <div className="consent-dialog" role="alertdialog" aria-modal="false" aria-labelledby="consent-question">
      <p id="consent-question">Can we have your permission to store this meeting's audio recording on our servers?</p>
      {consent.error && (
        <p role="alert" className="error">
          Your answer was not saved: {consent.error}
        </p>
      )}
      <div className="row-actions">
        <button type="button" disabled={consent.sending} onClick={() => consent.respond(false)}>
          No, delete after transcription
        </button>
        <button
          ref={acceptRef}
          type="button"
          className="primary"
          disabled={consent.sending}
          onClick={() => consent.respond(true)}
        >
          Yes, store the audio
        </button>
      </div>
    </div>
  );
}
