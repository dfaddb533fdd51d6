/**
 * Waits for something a real component does on its own time (a mediasoup worker respawning,
 * an outbox row processed, packets arriving): polls, and fails with `what` at the deadline.
 */
export async function until<T>(
  what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
