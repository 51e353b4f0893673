import { parseArgs } from 'node:util';
import { serveStandalone } from '../../observe/web/index.ts';
import { createLogger, KubeClient, loadKubeConfig } from '../../runtime/index.ts';
import { type Command, UserError } from '../command.ts';

const HELP = `usage: statecraft ui [options]

Serves the read-only web view against the current kubeconfig: every Statecraft CR with its state, a topology
diagram per replication CR (nodes, role, health, source → replica arrows with the lag), pods of app and broker
kinds, updated live over server-sent events. The same view \`statecraft run --ui-bind-address\` serves from the
operator. Reads CRs, pods, Services, PVCs, HPAs and events; never Secrets.

  --kubeconfig PATH      kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  -n, --namespace NS     namespace to show, repeatable or comma-separated (default: all namespaces)
  --bind-address ADDR    where to listen (default 127.0.0.1:8090; ':8090' listens on every interface)`;

export const uiCommand: Command = {
  name: 'ui',
  summary: 'serve the live web view of every Statecraft CR (topology diagrams) against the current kubeconfig',
  async run(argv) {
    const { values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string', short: 'n', multiple: true },
        'bind-address': { type: 'string', default: '127.0.0.1:8090' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const namespaces = (values.namespace ?? [])
      .flatMap((v) => v.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    const address = values['bind-address'];
    if (!address || address === '0') throw new UserError('--bind-address: the web view needs an address to listen on');
    const kc = loadKubeConfig({ path: values.kubeconfig });
    const client = new KubeClient(kc);
    // informer chatter stays out of the user's terminal unless asked for (LOG_LEVEL=info)
    const log = createLogger({ level: process.env.LOG_LEVEL ?? 'warn' });
    const abort = new AbortController();
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => abort.abort());
    try {
      const view = await serveStandalone(client, address, {
        namespaces: namespaces.length ? namespaces : undefined,
        log,
        signal: abort.signal,
      });
      console.log(`statecraft ui: http://${view.address}/ (read-only; Ctrl-C to stop)`);
      await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
      return 0;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
        throw new UserError(`--bind-address ${address}: address in use`);
      throw err;
    } finally {
      client.close();
    }
  },
};
