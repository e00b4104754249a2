import { useCallback, useState } from 'react';
import { postConsent } from '../api/hooks';
import { consentState, readConsent, rememberConsent, type ConsentAnswer } from './consentMemory';

function storage() {
  return window.localStorage;
}

// The consent question for one meeting (reference §8.4): what to show, and answering it (POST
// first; remembered locally only when the server recorded it, so a failure can be retried).
export function useConsent(meetingId: string, recordingType: string | undefined, skipConsent: boolean) {
  const [answer, setAnswer] = useState<ConsentAnswer | null>(() => readConsent(storage(), meetingId));
  const [dialogOpen, setDialogOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const state = consentState(recordingType, skipConsent, answer);

  const respond = useCallback(
    async (given: boolean) => {
      setSending(true);
      setError(null);
      try {
        await postConsent(meetingId, given);
        const value: ConsentAnswer = given ? 'accepted' : 'denied';
        rememberConsent(storage(), meetingId, value);
        setAnswer(value);
        setDialogOpen(false);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      } finally {
        setSending(false);
      }
    },
    [meetingId],
  );

  return {
    ...state,
    answer,
    dialogOpen: dialogOpen && state.showButton,
    openDialog: () => setDialogOpen(true),
    dismissDialog: () => setDialogOpen(false),
    respond,
    error,
    sending,
  };
}

export type Consent = ReturnType<typeof useConsent>;
