import { useCallback, useRef, useState } from 'react';

type RecorderState = { kind: 'idle' } | { kind: 'recording'; startedAt: number } | { kind: 'error'; message: string };

// The microphone recorded with MediaRecorder; stop() resolves with the whole recording.
export function useRecorder() {
  const [state, setState] = useState<RecorderState>({ kind: 'idle' });
  const recorder = useRef<MediaRecorder | null>(null);
  const chunks = useRef<Blob[]>([]);

  const start = useCallback(async () => {
    try {
      // The microphone as it is: WebRTC's call processing (echo cancellation, noise suppression,
      // automatic gain) is tuned for listeners, and it garbles speech for the recogniser (the
      // e2e's spoken sentence came back as other words with it on).
      const stream = await navigator.mediaDevices.getUserMedia({
        audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false },
      });
      const mr = new MediaRecorder(stream);
      chunks.current = [];
      mr.ondataavailable = (e) => {
        if (e.data.size > 0) chunks.current.push(e.data);
      };
      mr.start(250);
      recorder.current = mr;
      setState({ kind: 'recording', startedAt: Date.now() });
    } catch (e) {
      setState({ kind: 'error', message: `Cannot record the microphone: ${e instanceof Error ? e.message : String(e)}` });
    }
  }, []);

  const stop = useCallback(
    () =>
      new Promise<Blob | null>((resolve) => {
        const mr = recorder.current;
        if (!mr) return resolve(null);
        mr.onstop = () => {
          mr.stream.getTracks().forEach((t) => t.stop());
          recorder.current = null;
          setState({ kind: 'idle' });
          resolve(new Blob(chunks.current, { type: mr.mimeType || 'audio/webm' }));
        };
        mr.stop();
      }),
    [],
  );

  return { state, start, stop };
}
