/**
 * Polls `check` every 50 ms until it returns a value; the bound only turns a hang into a clear
 * failure naming `what` (a busy machine is slow, not wrong).
 */
export async function until<T>(what: string, check: () => T | null | undefined | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
