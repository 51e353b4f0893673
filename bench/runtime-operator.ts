/**
 * The operator side of `npm run bench:runtime`, in its own process so its RSS is its own:
 * `node bench/runtime-operator.ts KUBECONFIG NAMESPACE CONCURRENCY STATUS(0|1)` (or `--warm-up`: load and exit).
 * Prints one JSON line `{ metrics, syncedAt }` once its caches synced (syncedAt: epoch ms).
 */
import { pino } from 'pino';
import { loadKubeConfig, Manager } from '../src/runtime/index.ts';
import { widgetController } from '../test/runtime/fixtures/widget.ts';

// `--warm-up`: only load the modules (bench/runtime.ts fills Node's compile cache this way before the measured run)
if (process.argv[2] === '--warm-up') process.exit(0);
const [kubeconfig, namespace, concurrency, status] = process.argv.slice(2);
// the runtime's own loader, as `statecraft run` uses: @kubernetes/client-node is never loaded (~80 MB of RSS)
const kc = loadKubeConfig({ path: kubeconfig });
const mgr = new Manager(kc, {
  metricsBindAddress: '127.0.0.1:0',
  healthProbeBindAddress: '0',
  namespaces: [namespace],
  logger: pino({ level: process.env.LOG_LEVEL ?? 'warn' }),
});
widgetController(mgr, { maxConcurrentReconciles: Number(concurrency), status: status === '1' });
mgr.handleSignals();
const running = mgr.start();
const announce = setInterval(() => {
  if (!mgr.isReady) return;
  clearInterval(announce);
  console.log(JSON.stringify({ metrics: mgr.metricsAddress, syncedAt: Date.now() }));
}, 5);
await running;
process.exit(0);
