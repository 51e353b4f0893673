import { parseArgs } from 'node:util';
import { ensureBinaries, ensureNetworkBinaries } from '../../devcluster/build.ts';
import { clusterDown, clusterUp, isRunning, readState } from '../../devcluster/cluster.ts';
import { podNetworkRequested } from '../../devcluster/network/cluster-network.ts';
import { defaultClusterDir } from '../../devcluster/paths.ts';
import type { Command } from '../command.ts';
import { UserError } from '../command.ts';

const USAGE = `usage: statecraft cluster up|down|status|build [--dir DIR] [--no-install-packages] [--[no-]pod-network]

  up      install the Debian packages the node agent needs when missing (deploy/system-packages.txt; apt-get,
          announced first, as root or with passwordless sudo), build the control plane on first use (cached under
          ~/.cache/statecraft), start etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok and the
          node agent; print the kubeconfig path
  down    stop exactly the processes 'up' started in DIR
  status  say whether the cluster in DIR runs
  build   only build (or find in the cache) the control-plane binaries (with --pod-network: CoreDNS and
          kube-proxy too)

  --dir DIR                cluster directory (default ${defaultClusterDir()}, or $STATECRAFT_CLUSTER_DIR)
  --no-install-packages    never run apt-get (also STATECRAFT_NO_APT=1): stop with the command to run instead
  --pod-network            (up) each pod in a network namespace of its own on a bridge, pod IPs from 10.x, cluster
                           DNS by CoreDNS, Services by kube-proxy; the default when run as root (network namespaces
                           need it); see README "The local pod network"
  --no-pod-network         (up) pods on loopback addresses (127.x) even as root (also STATECRAFT_POD_NETWORK=0)`;

export const clusterCommand: Command = {
  name: 'cluster',
  summary: 'run a local Kubernetes control plane (up, down, status)',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        dir: { type: 'string' },
        'no-install-packages': { type: 'boolean' },
        'pod-network': { type: 'boolean' },
        'no-pod-network': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    const dir = values.dir ?? defaultClusterDir();
    const action = positionals[0];
    if (values.help || !action) {
      console.log(USAGE);
      return action ? 0 : 2;
    }
    switch (action) {
      case 'up': {
        const result = await clusterUp({
          dir,
          progress: (line) => console.error(line),
          installPackages: !values['no-install-packages'],
          installRefusedBy: values['no-install-packages'] ? '--no-install-packages' : undefined,
          podNetwork: values['no-pod-network'] ? false : values['pod-network'] || undefined,
        });
        if (result.alreadyRunning) console.error(`cluster in ${dir} is already running`);
        else console.error(`cluster ready in ${result.seconds.toFixed(1)} s`);
        console.log(result.state.kubeconfig);
        return 0;
      }
      case 'down': {
        const { stopped } = await clusterDown(dir);
        console.error(stopped.length ? `stopped ${stopped.join(', ')}` : `no cluster running in ${dir}`);
        return 0;
      }
      case 'status': {
        const state = await readState(dir);
        const running = state ? await isRunning(state) : false;
        console.log(running ? `running: ${state!.server} (kubeconfig ${state!.kubeconfig})` : `not running (${dir})`);
        return running ? 0 : 1;
      }
      case 'build': {
        const started = Date.now();
        const binaries: object = await ensureBinaries((line) => console.error(line));
        if (podNetworkRequested(values['no-pod-network'] ? false : values['pod-network'] || undefined))
          Object.assign(binaries, await ensureNetworkBinaries((line) => console.error(line)));
        console.error(`binaries ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        for (const path of Object.values(binaries) as string[]) console.log(path);
        return 0;
      }
      default:
        throw new UserError(`unknown cluster action '${action}'\n${USAGE}`);
    }
  },
};
