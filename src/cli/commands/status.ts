import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { type KindDefinition, kinds } from '../../apis/index.ts';
import { resolveAddressMode } from '../../controllers/address-mode.ts';
import { attachToCluster, TopologyFeed } from '../../observe/feed.ts';
import { LiveDatabases } from '../../observe/live/index.ts';
import { RELATED_KINDS, type Related } from '../../observe/related.ts';
import { renderStatus, type StatusReport, statusReport } from '../../observe/statusReport.ts';
import { KubeClient, type KubeObject, loadKubeConfig } from '../../runtime/index.ts';
import { type Command, UserError } from '../command.ts';

/** how often `--live` re-asks the databases (their state cannot be watched) */
const DB_INTERVAL_MS = 3000;
/** bound of each node's connect and each statement of a probe */
const DB_TIMEOUT_MS = 3000;

const HELP = `usage: statecraft status [KIND/NAME] [options]   (also: kubectl statecraft status ...)

Shows a Statecraft CR as the operator observed it: for replication kinds each node's role, health, lag, link and
errant/diverged state, the role Services; for app and broker kinds the replicas; conditions and the last events.
Without KIND/NAME: every Statecraft CR in the namespace.

  --kubeconfig PATH    kubeconfig (default: $KUBECONFIG, ~/.kube/config, or in-cluster)
  -n, --namespace NS   namespace (default: the kubeconfig context's, else default)
  -o, --output FORMAT  text (default; colour on a terminal) or json
  --live               keep watching: redraw on every change (json: one line per change) until Ctrl-C; for
                       MysqlReplication, RedisReplication and PostgresReplication also asks each database (read
                       only, with the CR's credentials, every ${DB_INTERVAL_MS / 1000} s and on each change) and shows
                       what it says beside status (JSON: \`live\`), flagging disagreement
  --address-mode MODE  how --live reaches database pods: auto (default: host in a pod, else pod-ip), host, pod-ip`;

/** KIND as kubectl accepts it: kind, plural, singular or a short name, case-insensitive. */
function resolveKind(word: string): KindDefinition {
  const w = word.toLowerCase();
  const k = kinds.find((d) => [d.kind.toLowerCase(), d.plural, d.singular, ...(d.shortNames ?? [])].includes(w));
  if (!k) throw new UserError(`unknown kind '${word}' (one of ${kinds.map((d) => d.singular).join(', ')})`);
  return k;
}

/** KIND/NAME as typed → the kind and name, with a clear error for anything else. */
function target(word: string): { kind: KindDefinition; name: string } {
  const [kindWord, name] = word.split('/');
  if (!name) throw new UserError(`expected KIND/NAME, got '${word}'`);
  return { kind: resolveKind(kindWord), name };
}

/**
 * `--live`: the web view's feed (informers on the CRs and the related kinds, never Secrets), rendered by the same
 * renderer as the one-shot output on every change; ends on Ctrl-C (SIGINT) or SIGTERM.
 */
async function live(
  client: KubeClient,
  namespace: string,
  word: string | undefined,
  json: boolean,
  databases: LiveDatabases,
): Promise<number> {
  const one = word ? target(word) : undefined;
  if (one && !(await client.get(gvkOf(one.kind), namespace, one.name))) {
    throw new UserError(`${one.kind.kind} ${namespace}/${one.name} not found`);
  }
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const tty = !!process.stdout.isTTY;
  const color = tty && !process.env.NO_COLOR;
  const feed = new TopologyFeed();
  let latest: StatusReport[] | undefined;
  const show = () => {
    if (!latest) return;
    const reports = databases.withLive(latest);
    // the watch may announce before the object arrived (or after it was deleted): JSON lines carry objects only
    if (json) {
      if (!one || reports[0]) process.stdout.write(`${JSON.stringify(one ? reports[0] : reports)}\n`);
      return;
    }
    const body = reports.length
      ? reports.map((r) => renderStatus(r, color)).join('\n\n')
      : one
        ? `${one.kind.kind} ${namespace}/${one.name} not found`
        : `no Statecraft objects in ${namespace}`;
    // a terminal gets the table redrawn in place; a pipe gets each state after a separator
    process.stdout.write(tty ? `\x1b[H\x1b[2J${body}\n\n(live; Ctrl-C to stop)\n` : `${body}\n---\n`);
  };
  // the databases are asked on every API change and every DB_INTERVAL_MS, one probe at a time (a change during a
  // probe asks once more after it)
  let probing: Promise<void> | undefined;
  let again = false;
  const probe = () => {
    if (probing) {
      again = true;
      return;
    }
    probing = (async () => {
      do {
        again = false;
        if (latest) await databases.probe(latest).catch(() => undefined);
        if (!abort.signal.aborted) show();
      } while (again && !abort.signal.aborted);
    })().finally(() => {
      probing = undefined;
    });
  };
  feed.subscribe((all) => {
    latest = all.filter((r) => !one || (r.kind === one.kind.kind && r.name === one.name));
    show();
    probe();
  });
  const tick = setInterval(probe, DB_INTERVAL_MS);
  const log = pino({ level: process.env.LOG_LEVEL ?? 'error' }, pino.destination(2));
  await attachToCluster(feed, client, { namespaces: [namespace], log, signal: abort.signal });
  await new Promise((resolve) => abort.signal.addEventListener('abort', resolve, { once: true }));
  clearInterval(tick);
  await probing; // its sessions close before the process ends
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  return 0;
}

function addressModeOf(flag: string | undefined) {
  try {
    return resolveAddressMode(flag);
  } catch (err) {
    throw new UserError((err as Error).message);
  }
}

const gvkOf = (d: KindDefinition) => ({ apiVersion: `${d.group}/${d.version}`, kind: d.kind });
const EVENTS = { apiVersion: 'events.k8s.io/v1', kind: 'Event' };

export const statusCommand: Command = {
  name: 'status',
  summary: 'show Statecraft CRs: topology nodes, roles, lag, Services, replicas, conditions, events',
  async run(argv) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string', short: 'n' },
        output: { type: 'string', short: 'o', default: 'text' },
        live: { type: 'boolean', default: false },
        'address-mode': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    if (values.output !== 'text' && values.output !== 'json') {
      throw new UserError(`--output must be text or json, not '${values.output}'`);
    }
    if (positionals.length > 1) throw new UserError('expected at most one KIND/NAME');
    const kc = loadKubeConfig({ path: values.kubeconfig });
    const namespace = values.namespace ?? kc.namespace ?? 'default';
    const client = new KubeClient(kc);
    if (values.live) {
      try {
        const databases = new LiveDatabases(client, {
          addressMode: addressModeOf(values['address-mode']),
          timeoutMs: DB_TIMEOUT_MS,
        });
        return await live(client, namespace, positionals[0], values.output === 'json', databases);
      } finally {
        client.close();
      }
    }
    try {
      const crs: KubeObject[] = [];
      if (positionals[0]) {
        const { kind: d, name } = target(positionals[0]);
        const cr = await client.get(gvkOf(d), namespace, name);
        if (!cr) throw new UserError(`${d.kind} ${namespace}/${name} not found`);
        crs.push(cr);
      } else {
        for (const d of kinds) {
          try {
            crs.push(...(await client.list(gvkOf(d), { namespace })).items);
          } catch (err) {
            if ((err as { statusCode?: number }).statusCode !== 404) throw err; // a CRD not installed: no objects
          }
        }
      }
      // one LIST per related kind for the namespace; a kind we may not read is left out of the report
      const related: Related = {};
      for (const key of ['pods', 'services', 'pvcs', 'hpas'] as const) {
        const gvk = RELATED_KINDS[key];
        related[key] = await client
          .list(gvk, { namespace })
          .then((l) => l.items)
          .catch(() => undefined);
      }
      const reports: StatusReport[] = [];
      for (const cr of crs) {
        const events = await client
          .list(EVENTS, { namespace, fieldSelector: `regarding.name=${cr.metadata?.name},regarding.kind=${cr.kind}` })
          .then((l) => l.items)
          .catch(() => [] as KubeObject[]);
        reports.push(statusReport(cr, { ...related, events }));
      }
      if (values.output === 'json') {
        console.log(JSON.stringify(positionals[0] ? reports[0] : reports, null, 2));
      } else {
        const color = !!process.stdout.isTTY && !process.env.NO_COLOR;
        console.log(
          reports.length
            ? reports.map((r) => renderStatus(r, color)).join('\n\n')
            : `no Statecraft objects in ${namespace}`,
        );
      }
      return 0;
    } finally {
      client.close();
    }
  },
};
