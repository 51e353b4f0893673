/**
 * The MysqlReplication controller in its own process, for fault tests (test/support/faults.ts `operator`):
 *
 *   node operator-process.ts KUBECONFIG NAMESPACE OPTIONS_JSON [STOP_AT]
 *
 * Prints `{"stage": "fenced" | "caughtUp" | "promoted"}` when a switchover reaches a stage; at STOP_AT it prints
 * `{"stopped": true}` and waits there forever — the parent then SIGKILLs (or SIGSTOPs) it at exactly that step.
 */
import { controllers } from '../../src/controllers/index.ts';
import { createLogger, loadKubeConfig, Manager } from '../../src/runtime/index.ts';

const [kubeconfig, namespace, optionsJson, stopAt] = process.argv.slice(2);
const mgr = new Manager(loadKubeConfig({ path: kubeconfig }), {
  metricsBindAddress: '0',
  healthProbeBindAddress: '0',
  namespaces: [namespace],
  logger: createLogger({ level: process.env.LOG_LEVEL ?? 'fatal' }),
});
mgr.add(
  ...controllers({
    addressMode: 'pod-ip',
    mysqlReplication: {
      ...JSON.parse(optionsJson),
      onSwitchoverStage: async (stage: string) => {
        console.log(JSON.stringify({ stage }));
        if (stage === stopAt) {
          console.log(JSON.stringify({ stopped: true }));
          await new Promise(() => {});
        }
      },
    },
    only: ['mysqlreplication'],
  }),
);
await mgr.start();
