/**
 * Polls `check` (every few ms, real time) until it is true; throws, naming
 * `what`, after `timeoutMs`. The one wait-for-a-condition of the tests: use it
 * where an event cannot be awaited directly, never a fixed sleep.
 */
export async function eventually(check: () => boolean | Promise<boolean>, what = 'the condition', timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
