/**
 * The operator in its own process, so a test can SIGKILL it mid-reshard:
 *
 *   node cluster-operator-process.ts KUBECONFIG NAMESPACE
 *
 * Runs only the RedisCluster controller (address mode pod-ip, 1 s resync, short passes so a reshard spans many
 * passes) and prints `ready` once its caches synced. Logs (pino JSON, level info) go to stderr.
 */
import { KubeConfig } from '@kubernetes/client-node';
import { pino } from 'pino';
import { controllers } from '../../src/controllers/index.ts';
import { Manager } from '../../src/runtime/index.ts';

const [kubeconfig, namespace] = process.argv.slice(2);
const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const mgr = new Manager(kc, {
  metricsBindAddress: '127.0.0.1:0',
  healthProbeBindAddress: '127.0.0.1:0',
  namespaces: [namespace],
  logger: pino({ level: process.env.LOG_LEVEL ?? 'info' }, pino.destination(2)),
});
mgr.add(
  ...controllers({
    addressMode: 'pod-ip',
    only: ['rediscluster'],
    redisCluster: { resyncMs: 1000, passBudgetMs: 2000, batchSlots: 32 },
  }),
);
mgr.handleSignals();
const running = mgr.start();
const timer = setInterval(() => {
  if (mgr.isReady) {
    clearInterval(timer);
    console.log('ready');
  }
}, 20);
await running;
