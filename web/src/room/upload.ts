import { authHeaders } from '../api/auth';
import { errorMessage } from '../api/client';
import type { paths } from '../api/schema';

// The 202 answer of the mock recording endpoint, from /openapi.json. The upload itself uses
// XMLHttpRequest (progress events), not the typed client.
type Accepted =
  paths['/v1/mock/rooms/{room_name}/recording']['post']['responses']['202']['content']['application/json'];

export interface UploadResult {
  status: number;
  recordingId?: string;
  message?: string;
}

// POST /v1/mock/rooms/{room}/recording (contract §7.1 item 5) with XMLHttpRequest, whose upload
// events report progress (fetch has none).
export function uploadRecording(
  roomName: string,
  blob: Blob,
  onProgress: (fraction: number) => void,
): Promise<UploadResult> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/v1/mock/rooms/${encodeURIComponent(roomName)}/recording`);
    xhr.setRequestHeader('Content-Type', blob.type || 'audio/webm');
    for (const [name, value] of Object.entries(authHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        onProgress(1);
        resolve({ status: xhr.status, recordingId: (body as Accepted | undefined)?.recording_id });
      } else {
        resolve({ status: xhr.status, message: errorMessage(body, xhr.status) });
      }
    };
    xhr.onerror = () => reject(new Error('Upload failed: network error'));
    xhr.send(blob);
  });
}
