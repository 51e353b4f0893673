/** Starts a Manager against the test cluster for one test and stops it when the test ends. */
import { pino } from 'pino';
import { type ControllerRegistration, Manager, type ManagerOptions } from '../../src/runtime/index.ts';
import { testCluster } from '../support/cluster.ts';
import { eventually } from '../support/wait.ts';

export async function startManager(
  t: { after(fn: () => Promise<void> | void): void },
  /** controllers to register (e.g. `controllers({ only: [...] })`), or a function that registers its own */
  configure: ((mgr: Manager) => void) | readonly ControllerRegistration[],
  options: ManagerOptions = {},
): Promise<Manager> {
  const { kc } = await testCluster();
  const mgr = new Manager(kc, {
    metricsBindAddress: '127.0.0.1:0',
    healthProbeBindAddress: '127.0.0.1:0',
    logger: pino({ level: process.env.LOG_LEVEL ?? 'silent' }),
    ...options,
  });
  if (typeof configure === 'function') configure(mgr);
  else mgr.add(...configure);
  const running = mgr.start();
  running.catch(() => {});
  t.after(() => mgr.stop());
  await Promise.race([
    eventually('manager caches to sync', async () => mgr.isReady, 60_000),
    running.then(() => {
      throw new Error('manager stopped before it was ready');
    }),
  ]);
  return mgr;
}

/** GETs a path from one of the manager's servers; resolves to status and body. */
export async function httpGet(address: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${address}${path}`);
  return { status: res.status, body: await res.text() };
}
