import type { EventInput, KubeObject } from '../../runtime/index.ts';
import { buildStatus, type MusicServiceStatus, type StatusInput } from './buildStatus.ts';
import type { StepContext } from './context.ts';

/** Events for what changed between two statuses: transitions only, never a repeat of the same state. */
export function transitionEvents(before: MusicServiceStatus | undefined, after: MusicServiceStatus): EventInput[] {
  const events: EventInput[] = [];
  if (after.phase && before?.phase !== after.phase) {
    const warning = after.phase === 'Failed' || after.phase === 'Degraded';
    events.push({
      type: warning ? 'Warning' : 'Normal',
      reason: after.phase,
      action: 'Reconcile',
      note:
        after.phase === 'Failed'
          ? `Reconcile failed: ${after.lastError ?? 'unknown error'}`
          : `MusicService is ${after.phase}`,
    });
  }
  const db = after.database;
  if (db && before?.database?.phase !== db.phase) {
    events.push({
      type: db.phase === 'Failed' ? 'Warning' : 'Normal',
      reason: `Database${db.phase}`,
      action: 'Reconcile',
      note: `Database is ${db.phase}: ${after.conditions?.find((c) => c.type === 'DatabaseReady')?.message ?? ''}`,
    });
  }
  if (db?.replicaDeletionDetected && !before?.database?.replicaDeletionDetected) {
    events.push({
      type: 'Warning',
      reason: 'ReplicaDeletionDetected',
      action: 'Observe',
      note: 'Database replicas disappeared without a spec change; they are being recreated',
    });
  }
  for (const c of after.conditions ?? []) {
    if (!c.type.startsWith('StorageWarning')) continue;
    const prev = before?.conditions?.find((p) => p.type === c.type);
    if (prev?.reason !== c.reason)
      events.push({ type: 'Warning', reason: c.reason, action: 'Resize', note: c.message });
  }
  return events;
}

/**
 * Writes the status when it changed (one merge patch of the top-level fields, skipped when equal) and records the
 * transitions as events. Fields no longer set are removed (lastError after a recovery, database when disabled).
 */
export async function writeStatus(c: StepContext, input: StatusInput): Promise<MusicServiceStatus> {
  const before = c.ms.status as MusicServiceStatus | undefined;
  const next = buildStatus(c.ms, input, before);
  const patch: Record<string, unknown> = { ...next };
  for (const k of ['lastError', 'database'] as const) if (!(k in next)) patch[k] = undefined;
  await c.mgr.patchStatus(c.owner as KubeObject, patch);
  for (const e of transitionEvents(before, next)) c.event(e);
  return next;
}
