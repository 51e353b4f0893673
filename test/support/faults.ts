/**
 * Fault injection for the local cluster (and the local MariaDB servers of test/support/mariadb.ts), for tests
 * that ask "can an acknowledged write be lost, or two nodes accept writes?":
 *
 *   const f = faults(t);                        // every fault is undone when the test ends (thaw, kill children)
 *   const thaw = await f.freezePod(ns, 'db-0'); // SIGSTOP every process of the pod (the agent's pid files)
 *   thaw();                                     // SIGCONT
 *   await f.killPod(ns, 'db-0');                // SIGKILL its processes (the agent restarts the container)
 *   await f.deletePod(ns, 'db-0');              // delete the Pod object, no grace period
 *   const tx = f.holdTransaction(login, 'UPDATE app.w SET id = id WHERE id = 1 AND SLEEP(60) = 0');
 *   const op = await f.operator(ns, { stopAt: 'fenced' }); // `statecraft`'s controller in a child process
 *   await op.reached; op.kill();                // SIGKILL it exactly at that step of a switchover
 *
 * A frozen process keeps its sockets: the kernel still accepts TCP connections for it, nothing answers — what a
 * stalled or partitioned server looks like to its clients.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import mysql from 'mysql2/promise';
import { podProcesses } from '../devcluster/pods.ts';
import { testCluster } from './cluster.ts';
import type { MariadbServer } from './mariadb.ts';

export interface Login {
  host: string;
  port: number;
  user: string;
  password: string;
}

export interface HeldTransaction {
  /** resolves when the statement ended: its error message, or undefined when it committed */
  done: Promise<string | undefined>;
  /** the connection id on the server (for KILL / processlist checks) */
  connectionId: Promise<number>;
  /** ends the connection (the server rolls back) */
  cancel(): Promise<void>;
}

export type SwitchoverStage = 'fenced' | 'caughtUp' | 'promoted';

export interface OperatorProcess {
  child: ChildProcess;
  /** resolves when the operator reached `stopAt` (it then waits there, doing nothing, until killed) */
  reached: Promise<void>;
  /** every stage the operator reported, in order */
  stages: SwitchoverStage[];
  /** SIGKILL: no cleanup runs, sockets close */
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: the operator's sessions stay open, holding whatever they hold */
  freeze(): void;
  thaw(): void;
}

export interface OperatorOptions {
  /** the controller's options (JSON-serialisable) */
  options?: Record<string, unknown>;
  /** the switchover stage at which the operator stops and waits */
  stopAt?: SwitchoverStage;
}

const stat = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
};

function signal(pids: number[], sig: NodeJS.Signals): void {
  for (const pid of pids) {
    try {
      process.kill(pid, sig);
    } catch {
      // exited meanwhile
    }
  }
}

/** The pid of a local MariaDB server (test/support/mariadb.ts), from its pid file. */
export function localServerPid(server: MariadbServer): number {
  return Number(readFileSync(join(dirname(server.dataDir), 'mysqld.pid'), 'utf8').trim());
}

export function faults(t: { after(fn: () => Promise<void> | void): void }) {
  const frozen = new Set<number>();
  const children = new Set<ChildProcess>();
  const held = new Set<HeldTransaction>();
  t.after(async () => {
    signal([...frozen], 'SIGCONT');
    frozen.clear();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await Promise.all([...held].map((h) => h.cancel()));
  });

  const podUid = async (ns: string, name: string) => {
    const cluster = await testCluster();
    return (await cluster.kubectl(['-n', ns, 'get', 'pod', name, '-o', 'jsonpath={.metadata.uid}'])).trim();
  };
  const pidsOf = async (ns: string, name: string) => {
    const pids = podProcesses(await podUid(ns, name));
    if (!pids.length) throw new Error(`pod ${ns}/${name} has no running process to signal`);
    return pids;
  };
  const freezePids = (pids: number[]) => {
    signal(pids, 'SIGSTOP');
    for (const p of pids) frozen.add(p);
    return () => {
      signal(pids, 'SIGCONT');
      for (const p of pids) frozen.delete(p);
    };
  };

  return {
    /** SIGSTOPs every process of the pod; returns thaw (SIGCONT). */
    async freezePod(ns: string, name: string): Promise<() => void> {
      return freezePids(await pidsOf(ns, name));
    },
    /** Freezes the pod for `ms`, then thaws it; resolves once it is frozen, `thawed` when it runs again. */
    async freezePodFor(ns: string, name: string, ms: number): Promise<{ thawed: Promise<void> }> {
      const thaw = freezePids(await pidsOf(ns, name));
      return { thawed: new Promise((r) => setTimeout(() => r(thaw()), ms)) };
    },
    /** SIGSTOPs a local MariaDB server (test/support/mariadb.ts); returns thaw. */
    freezeLocalServer(server: MariadbServer): () => void {
      return freezePids([localServerPid(server)]);
    },
    /** Kills the pod's processes (SIGKILL by default); the node agent restarts the container per its policy. */
    async killPod(ns: string, name: string, sig: NodeJS.Signals = 'SIGKILL'): Promise<number[]> {
      const pids = await pidsOf(ns, name);
      signal(pids, 'SIGCONT'); // a frozen process would not die of SIGTERM
      signal(pids, sig);
      return pids;
    },
    /** Deletes the Pod object without a grace period (its processes are stopped by the agent). */
    async deletePod(ns: string, name: string): Promise<void> {
      const cluster = await testCluster();
      await cluster.kubectl(['-n', ns, 'delete', 'pod', name, '--grace-period=0', '--force', '--wait=false']);
    },
    /** Whether every given pid is stopped (state T). */
    isFrozen(pids: number[]): boolean {
      return pids.every((p) => / T /.test(stat(p) ?? ''));
    },
    /**
     * Runs `sql` on its own connection and keeps the transaction open until the statement ends (a long UPDATE, a
     * row lock held by SELECT ... FOR UPDATE then SLEEP). The connection stays open until cancel().
     */
    holdTransaction(login: Login, sql: string, params: unknown[] = []): HeldTransaction {
      let conn: mysql.Connection | undefined;
      let setId: (id: number) => void = () => {};
      const connectionId = new Promise<number>((r) => {
        setId = r;
      });
      const done = (async () => {
        try {
          conn = await mysql.createConnection({ ...login, connectTimeout: 3000 });
          conn.on('error', () => {});
          const [[row]] = (await conn.query('SELECT CONNECTION_ID() AS id')) as unknown as [[{ id: number }]];
          setId(Number(row.id));
          await conn.query('START TRANSACTION');
          await conn.query(sql, params);
          await conn.query('COMMIT');
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      })();
      const h: HeldTransaction = {
        done,
        connectionId,
        async cancel() {
          conn?.destroy();
          held.delete(h);
        },
      };
      held.add(h);
      return h;
    },
    /**
     * The MysqlReplication controller in a child process (pod-IP address mode, only `namespace`), reporting each
     * switchover stage on stdout; at `stopAt` it stops right there (the hook never returns) until killed.
     */
    async operator(namespace: string, o: OperatorOptions = {}): Promise<OperatorProcess> {
      const cluster = await testCluster();
      const script = new URL('../faults/operator-process.ts', import.meta.url).pathname;
      const child = spawn(
        process.execPath,
        [script, cluster.kubeconfigPath, namespace, JSON.stringify(o.options ?? {}), o.stopAt ?? ''],
        { stdio: ['ignore', 'pipe', 'inherit'] },
      );
      children.add(child);
      const stages: SwitchoverStage[] = [];
      let reach: () => void = () => {};
      let fail: (e: Error) => void = () => {};
      const reached = new Promise<void>((resolve, reject) => {
        reach = resolve;
        fail = reject;
      });
      reached.catch(() => {});
      createInterface({ input: child.stdout! }).on('line', (line) => {
        let msg: { stage?: SwitchoverStage; stopped?: boolean };
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (msg.stage) stages.push(msg.stage);
        if (msg.stopped) reach();
      });
      child.once('exit', (code, sig) =>
        fail(new Error(`operator exited (${sig ?? code}) before reaching ${o.stopAt}`)),
      );
      return {
        child,
        reached,
        stages,
        async kill() {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGCONT');
          child.kill('SIGKILL');
          await exited;
        },
        freeze: () => child.kill('SIGSTOP'),
        thaw: () => child.kill('SIGCONT'),
      };
    },
  };
}
