/**
 * The failover confirmation window: a source is given up on only when it failed `probes` probes spread over
 * `windowMs` (first at once, last at the end of the window). One missed observation — a connect timeout, a failed
 * query, a pod between IPs, a process paused for a few seconds — is not enough: the node may still be a writable
 * source, and promoting past it would make two.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export interface FailoverConfirmation {
  /** probes that must all fail; default 3 (at least 2) */
  probes?: number;
  /** time the probes span; default 10 s */
  windowMs?: number;
}

export interface ConfirmationResult {
  unreachable: boolean;
  /** probes made (fewer than `probes` when one succeeded) */
  probes: number;
  /** time from the first probe to the verdict */
  elapsedMs: number;
  /** the last probe's error, when unreachable */
  lastError?: string;
}

/** Resolves once the node answered a probe (not unreachable) or failed every probe of the window (unreachable). */
export async function confirmUnreachable(
  probe: () => Promise<void>,
  options: FailoverConfirmation & { signal?: AbortSignal } = {},
): Promise<ConfirmationResult> {
  const probes = Math.max(2, options.probes ?? 3);
  const windowMs = Math.max(0, options.windowMs ?? 10_000);
  const started = Date.now();
  let lastError = '';
  for (let i = 0; i < probes; i++) {
    const due = started + (windowMs * i) / (probes - 1);
    const wait = due - Date.now();
    if (wait > 0) await sleep(wait, undefined, { signal: options.signal });
    options.signal?.throwIfAborted();
    try {
      await probe();
      return { unreachable: false, probes: i + 1, elapsedMs: Date.now() - started };
    } catch (err) {
      lastError = (err as Error).message;
    }
  }
  return { unreachable: true, probes, elapsedMs: Date.now() - started, lastError };
}
