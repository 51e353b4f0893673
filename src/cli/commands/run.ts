import { parseArgs } from 'node:util';
import { installCrds } from '../../apis/install.ts';
import { controllers, resolveAddressMode } from '../../controllers/index.ts';
import { registerStatecraftMetrics } from '../../observe/metrics.ts';
import { serveFromManager } from '../../observe/web/index.ts';
import { createLogger, LeadershipLostError, loadKubeConfig, Manager } from '../../runtime/index.ts';
import { parseBindAddress } from '../../runtime/server.ts';
import type { Command } from '../command.ts';

const HELP = `usage: statecraft run [options]

Starts the operator with every registered controller.

  --kubeconfig PATH                  kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  --metrics-bind-address ADDR        /metrics address, '0' disables (default :8080)
  --health-probe-bind-address ADDR   /healthz and /readyz address, '0' disables (default :8081)
  --ui-bind-address ADDR             serve the read-only web view (topologies, live) here (default 0: off)
  --leader-elect                     elect a leader on a Lease before reconciling
  --leader-election-namespace NS     namespace of the Lease (default: pod namespace, else default)
  --leader-election-id NAME          name of the Lease (default statecraft-leader)
  --watch-namespace NS[,NS]          namespaces to watch, repeatable (default: all)
  --no-install-crds                  do not server-side apply the CRDs at start (default: install them)
  --address-mode auto|host|pod-ip    how database pods are reached: the CR's hosts (cluster DNS) or pod IPs
                                     (outside a cluster); auto = host in a pod, else pod-ip (default auto)`;

export const runCommand: Command = {
  name: 'run',
  summary: 'run the operator (all controllers) against the current kubeconfig or in-cluster config',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        'metrics-bind-address': { type: 'string', default: ':8080' },
        'health-probe-bind-address': { type: 'string', default: ':8081' },
        'ui-bind-address': { type: 'string', default: '0' },
        'leader-elect': { type: 'boolean', default: false },
        'leader-election-namespace': { type: 'string' },
        'leader-election-id': { type: 'string' },
        'watch-namespace': { type: 'string', multiple: true },
        'install-crds': { type: 'boolean', default: true },
        'address-mode': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowNegative: true,
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    // our own loader, not client-node's KubeConfig: `run` never loads @kubernetes/client-node (memory)
    const kc = loadKubeConfig({ path: values.kubeconfig });
    const namespaces = (values['watch-namespace'] ?? [])
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    let addressMode: ReturnType<typeof resolveAddressMode>;
    try {
      addressMode = resolveAddressMode(values['address-mode']);
    } catch (err) {
      console.error(`statecraft run: ${(err as Error).message}`);
      return 2;
    }
    try {
      parseBindAddress(values['ui-bind-address']);
    } catch (err) {
      console.error(`statecraft run: --ui-bind-address: ${(err as Error).message}`);
      return 2;
    }
    const log = createLogger();
    if (values['install-crds']) {
      const crds = await installCrds(kc);
      log.info({ crds: crds.length }, 'installed CRDs (server-side apply)');
    }
    const mgr = new Manager(kc, {
      metricsBindAddress: values['metrics-bind-address'],
      healthProbeBindAddress: values['health-probe-bind-address'],
      leaderElection: values['leader-elect'],
      leaderElectionNamespace: values['leader-election-namespace'],
      leaderElectionID: values['leader-election-id'],
      namespaces: namespaces.length ? namespaces : undefined,
      logger: log,
    });
    mgr.add(...controllers({ addressMode }));
    registerStatecraftMetrics(mgr);
    mgr.handleSignals();
    try {
      await serveFromManager(mgr, values['ui-bind-address'], log);
      await mgr.start();
      return 0;
    } catch (err) {
      if (err instanceof LeadershipLostError) {
        // Exit at once, not when the event loop drains: the API client is fenced, but a reconcile that ignores
        // its aborted signal may still hold a database session, and only the exit ends it.
        log.error({ err }, 'leadership lost');
        process.exit(1);
      }
      log.error({ err }, 'manager failed');
      await mgr.stop();
      return 1;
    }
  },
};
