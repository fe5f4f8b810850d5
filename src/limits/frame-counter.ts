/** The per-socket frame count, kept in the socket's user data (a fixed one-second window). */
export interface FrameWindow {
  frameWindowMs: number;
  frames: number;
}

export const newFrameWindow = (): FrameWindow => ({ frameWindowMs: 0, frames: 0 });

/** Counts one frame at `nowMs`; false once the socket sent more than `perSec` in the current second. 0 = no limit. */
export function frameAllowed(w: FrameWindow, nowMs: number, perSec: number): boolean {
  if (perSec === 0) return true;
  if (nowMs - w.frameWindowMs >= 1000) {
    w.frameWindowMs = nowMs;
    w.frames = 0;
  }
  return ++w.frames <= perSec;
}
