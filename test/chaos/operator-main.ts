/**
 * The whole operator (every controller, `controllers()`) in its own process, so a chaos suite can SIGKILL or
 * SIGSTOP it like a real crash or freeze:
 *
 *   node operator-main.ts KUBECONFIG NAMESPACE IDENTITY [--leader-election LEASE]
 *
 * Logs pino JSON at info level on stdout (the suites keep it, and R5 scans it for secrets). Prints one line
 * `{"chaos":"ready","metrics":"127.0.0.1:PORT"}` once its /metrics server is bound.
 */
import { controllers } from '../../src/controllers/index.ts';
import { createLogger, loadKubeConfig, Manager } from '../../src/runtime/index.ts';

const [kubeconfig, namespace, identity, ...rest] = process.argv.slice(2);
const leIndex = rest.indexOf('--leader-election');
const lease = leIndex >= 0 ? rest[leIndex + 1] : undefined;
const mgr = new Manager(loadKubeConfig({ path: kubeconfig }), {
  metricsBindAddress: '127.0.0.1:0',
  healthProbeBindAddress: '0',
  namespaces: [namespace],
  identity,
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'info' }),
  ...(lease
    ? {
        leaderElection: true,
        leaderElectionID: lease,
        leaderElectionNamespace: namespace,
        // short lease: a takeover within seconds keeps the suite fast; the ratios are client-go's (15/10/2)
        leaseDurationMs: 6_000,
        renewDeadlineMs: 4_000,
        retryPeriodMs: 1_000,
      }
    : {}),
});
mgr.add(...controllers({ addressMode: 'pod-ip' }));
mgr.handleSignals();
const started = mgr.start();
// the metrics server binds before the caches sync; report as soon as it has an address
const timer = setInterval(() => {
  if (!mgr.metricsAddress) return;
  clearInterval(timer);
  process.stdout.write(`${JSON.stringify({ chaos: 'ready', metrics: mgr.metricsAddress })}\n`);
}, 20);
try {
  await started;
  process.exit(0);
} catch (err) {
  process.stdout.write(`${JSON.stringify({ chaos: 'exit', error: (err as Error).name, message: String(err) })}\n`);
  process.exit(1);
}
