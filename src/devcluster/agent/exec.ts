import { spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServerConnection } from './websocket.ts';

/** The remotecommand subprotocols served, in our order of preference (v5 adds closing stdin on its own). */
export const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;
const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

/** How a command runs inside a container: the argv and environment that put it in the container's sandbox. */
export type ExecLauncher = (argv: string[]) => { argv: string[]; env: NodeJS.ProcessEnv };

/** The query of a kubelet /exec request (as the API server forwards `pods/exec`). */
export interface ExecRequest {
  command: string[];
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

export function parseExecQuery(params: URLSearchParams): ExecRequest {
  const flag = (name: string) => ['1', 'true'].includes(params.get(name) ?? '');
  return {
    command: params.getAll('command'),
    stdin: flag('input') || flag('stdin'),
    stdout: flag('output') || flag('stdout'),
    stderr: flag('error') || flag('stderr'),
    tty: flag('tty'),
  };
}

/**
 * The status object the v4/v5 error channel carries when the command ends: Success, or Failure with reason
 * NonZeroExitCode and the code as the ExitCode cause (kubectl exits with that code).
 */
export function exitStatus(code: number | null, signal: NodeJS.Signals | null): object {
  if (code === 0) return { metadata: {}, status: 'Success' };
  const exitCode = code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: exit status ${exitCode}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] },
  };
}

/**
 * Runs one exec over the WebSocket channel protocol: channel 0 stdin, 1 stdout, 2 stderr, 3 the final status,
 * 255 (v5) "the client closed this stream". No TTY: with tty=true stderr is merged into stdout, as a terminal
 * would show it, but there is no pseudo-terminal.
 */
export function serveExec(req: IncomingMessage, socket: Duplex, exec: ExecRequest, launch: ExecLauncher): void {
  const ws = WebSocketServerConnection.accept(req, socket, EXEC_PROTOCOLS);
  if (!ws) return;
  const fail = (message: string) => {
    ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(failure(message)))]));
    ws.close();
  };
  if (exec.command.length === 0) {
    fail('no command given');
    return;
  }
  const { argv, env } = launch(exec.command);
  const child = spawn(argv[0], argv.slice(1), { env, stdio: ['pipe', 'pipe', 'pipe'] });
  const channel = (id: number) => (chunk: Buffer) => ws.send(Buffer.concat([Buffer.from([id]), chunk]));
  let outputs = 2;
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  let spawnError: Error | undefined;
  const maybeDone = () => {
    if (outputs > 0 || (!exit && !spawnError)) return;
    const status = spawnError ? failure(spawnError.message) : exitStatus(exit!.code, exit!.signal);
    ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(status))]));
    ws.close();
  };
  child.stdout.on('data', exec.stdout ? channel(STDOUT) : () => {});
  child.stderr.on('data', exec.stderr || exec.tty ? channel(exec.tty ? STDOUT : STDERR) : () => {});
  for (const s of [child.stdout, child.stderr]) {
    s.on('close', () => {
      outputs--;
      maybeDone();
    });
  }
  child.on('error', (err) => {
    spawnError = err;
    outputs = 0;
    maybeDone();
  });
  child.on('exit', (code, signal) => {
    exit = { code, signal };
    maybeDone();
  });
  child.stdin.on('error', () => {});
  if (!exec.stdin) child.stdin.end();
  ws.onMessage = (data) => {
    if (data.length === 0) return;
    if (data[0] === STDIN && exec.stdin) child.stdin.write(data.subarray(1));
    else if (data[0] === CLOSE && data[1] === STDIN) child.stdin.end();
  };
  // the client went away: the command does not outlive its session
  ws.onClose = () => {
    if (!exit) child.kill('SIGKILL');
  };
}

function failure(message: string): object {
  return { metadata: {}, status: 'Failure', message, reason: 'InternalError' };
}
