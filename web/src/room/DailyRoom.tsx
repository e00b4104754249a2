// Daily (reference §8.2): the prebuilt iframe of daily-js, joined with the URL (and token) from the
// join endpoint; cloud-recorded meetings start their recordings after the join.
import type { DailyCall, DailyCustomTrayButtons } from '@daily-co/daily-js';
import { useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router-dom';
import type { Meeting, Room } from '../api/client';
import { joinMeeting, startRecording } from '../api/hooks';
import { ConsentControls } from '../consent/ConsentControls';
import { useConsent, type Consent } from '../consent/useConsent';
import { ErrorText } from '../common/ErrorText';
import { startMeetingRecordings } from './dailyRecording';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function trayButtons(consent: Consent): DailyCustomTrayButtons {
  if (consent.showButton) {
    return {
      'recording-consent': {
        iconPath: `${window.location.origin}/recording-icon.svg`,
        label: 'Recording (click to consent)',
        tooltip: 'Recording (click to consent)',
      },
    };
  }
  if (consent.showRecordingIndicator) {
    return {
      'recording-indicator': {
        iconPath: `${window.location.origin}/recording-icon.svg`,
        label: 'Recording',
        tooltip: 'Recording',
      },
    };
  }
  return {};
}

export default function DailyRoom({ room, meeting }: { room: Room; meeting: Meeting }) {
  const meetingId = meeting.id ?? '';
  const consent = useConsent(meetingId, meeting.recording_type, room.skip_consent ?? false);
  const container = useRef<HTMLDivElement>(null);
  const call = useRef<DailyCall | null>(null);
  const consentRef = useRef(consent);
  consentRef.current = consent;
  const [error, setError] = useState<unknown>(null);
  const navigate = useNavigate();

  useEffect(() => {
    let cancelled = false;
    (async () => {
      try {
        const joined = await joinMeeting(room.name ?? '', meetingId);
        const { default: DailyIframe } = await import('@daily-co/daily-js');
        if (cancelled || !container.current) return;
        DailyIframe.getCallInstance()?.destroy();
        const frame = DailyIframe.createFrame(container.current, {
          iframeStyle: { width: '100vw', height: '100vh', border: '0' },
          showLeaveButton: true,
          showFullscreenButton: true,
          customTrayButtons: trayButtons(consentRef.current),
        });
        call.current = frame;
        frame.iframe()?.setAttribute('title', `Daily video call: ${room.name}`);
        frame.on('left-meeting', () => navigate('/browse'));
        frame.on('custom-button-click', (e) => {
          if (e?.button_id === 'recording-consent') consentRef.current.openDialog();
        });
        frame.on('joined-meeting', () => {
          if (meeting.recording_type !== 'cloud') return;
          void startMeetingRecordings(meetingId, (type, id) => startRecording(meetingId, type, id), sleep).then(
            (outcomes) => {
              for (const o of outcomes) {
                if (!o.ok) console.warn(`recording ${o.type} not started: ${o.error}`);
              }
            },
          );
        });
        await frame.join({
          url: joined.room_url ?? '',
          sendSettings: { video: { allowAdaptiveLayers: true, maxQuality: 'medium' } },
        });
      } catch (e) {
        if (!cancelled) setError(e);
      }
    })();
    return () => {
      cancelled = true;
      call.current?.destroy();
      call.current = null;
    };
  }, [meetingId, room.name, meeting.recording_type, navigate]);

  useEffect(() => {
    call.current?.updateCustomTrayButtons(trayButtons(consent));
  }, [consent.showButton, consent.showRecordingIndicator]); // eslint-disable-line react-hooks/exhaustive-deps

  return (
    <div className="provider-room">
      <ConsentControls consent={consent} className="overlay" />
      <ErrorText error={error} />
      {/* While the consent dialog is open the call is inert, so its iframe cannot take focus. */}
      <div ref={container} className="provider-frame" {...(consent.dialogOpen ? { inert: '' } : {})} />
    </div>
  );
}
