/**
 * The one outcome type of a reconcile and the one function that maps it to a queue action and a metric label.
 * Reconcilers never touch the queue: they return (or throw) and `settle` decides.
 *
 *   return done()              → forget the key's backoff                       label success
 *   return requeueAfter(ms)    → forget backoff, reconcile again after ms       label requeue_after
 *   return retry(err) / throw  → reconcile again after per-key backoff          label error
 *   return terminal(err) /
 *     throw new TerminalError  → forget, wait for the next change to the object label error (terminal)
 *
 * Returning nothing (undefined) means done().
 */
import { TerminalError } from './errors.ts';
import type { WorkQueue } from './queue.ts';

export type Result =
  | { readonly outcome: 'done' }
  | { readonly outcome: 'requeueAfter'; readonly afterMs: number }
  | { readonly outcome: 'error'; readonly error: unknown }
  | { readonly outcome: 'terminal'; readonly error: unknown };

const DONE: Result = Object.freeze({ outcome: 'done' });

export const done = (): Result => DONE;
export const requeueAfter = (ms: number): Result => ({ outcome: 'requeueAfter', afterMs: Math.max(0, ms) });
export const retry = (error: unknown): Result => ({ outcome: 'error', error });
export const terminal = (error: unknown): Result => ({ outcome: 'terminal', error });

/** Normalises what a reconciler returned or threw into a Result. */
// biome-ignore lint/suspicious/noConfusingVoidType: a reconciler that returns nothing means done()
export function toResult(returned: Result | undefined | void, thrown?: { error: unknown }): Result {
  if (thrown) return thrown.error instanceof TerminalError ? terminal(thrown.error) : retry(thrown.error);
  return returned ?? DONE;
}

export type ResultLabel = 'success' | 'error' | 'requeue_after';

/** Applies a reconcile's outcome to the queue. The only place a reconcile result becomes a queue action. */
export function settle(queue: WorkQueue, key: string, result: Result): { label: ResultLabel; terminal: boolean } {
  switch (result.outcome) {
    case 'done':
      queue.forget(key);
      return { label: 'success', terminal: false };
    case 'requeueAfter':
      queue.forget(key);
      queue.addAfter(key, result.afterMs);
      return { label: 'requeue_after', terminal: false };
    case 'error':
      queue.addRateLimited(key);
      return { label: 'error', terminal: false };
    case 'terminal':
      queue.forget(key);
      return { label: 'error', terminal: true };
  }
}
