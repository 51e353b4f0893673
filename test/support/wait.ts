import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Polls `probe` until it returns a value other than undefined/false, or throws after `timeoutMs` with the last
 * observed value in the message (so a failing test says what it saw, not only that it waited).
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    // a probe that hangs (a query to a frozen server) must not outlive the deadline: it loses the race
    const timer = new AbortController();
    const stuck = sleep(Math.max(0, deadline - Date.now()), undefined, { signal: timer.signal }).then(() => {
      throw new Error(`a probe was still running at the deadline`);
    });
    stuck.catch(() => {});
    try {
      const v = await Promise.race([probe(), stuck]);
      if (v !== undefined && v !== false) return v as T;
      last = v;
    } catch (err) {
      last = err instanceof Error ? err.message : err;
    } finally {
      timer.abort();
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last: ${JSON.stringify(last)}`);
}
