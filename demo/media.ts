/** Camera and microphone: opening them, and what to tell the user when that fails. */

export const MEDIA_CONSTRAINTS: MediaStreamConstraints = {
  audio: true,
  video: { width: { ideal: 1280 }, height: { ideal: 720 } },
};

/** The local camera and microphone; rejects with the browser's DOMException (see mediaProblem). */
export async function openCamera(): Promise<MediaStream> {
  if (!navigator.mediaDevices?.getUserMedia) {
    throw new DOMException('getUserMedia is not available', 'NotSupportedError');
  }
  return navigator.mediaDevices.getUserMedia(MEDIA_CONSTRAINTS);
}

/** A sentence the user can act on, for a getUserMedia failure. */
export function mediaProblem(err: unknown): string {
  const name = err instanceof DOMException || err instanceof Error ? err.name : '';
  const tail = 'The call goes on without video; you can still chat.';
  switch (name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return `Camera and microphone are blocked for this page. Allow them (the icon in the address bar) and call again. ${tail}`;
    case 'NotFoundError':
    case 'OverconstrainedError':
      return `No camera or microphone was found. ${tail}`;
    case 'NotReadableError':
    case 'AbortError':
      return `The camera or microphone is busy (another application may be using it). ${tail}`;
    case 'NotSupportedError':
      return `This browser does not give camera access here (it needs HTTPS or localhost). ${tail}`;
    default:
      return `The camera could not start (${err instanceof Error ? err.message : String(err)}). ${tail}`;
  }
}

export function stopStream(stream: MediaStream | null): void {
  for (const track of stream?.getTracks() ?? []) track.stop();
}
