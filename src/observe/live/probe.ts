/**
 * What every live probe does alike, whatever the engine: a node the controller could not locate keeps why; every
 * located node is connected (bounded by the engine's own timeouts) and one that refuses keeps its scrubbed error;
 * the kind's `observe` reads the servers and fills in the rest; every session is closed before returning; and
 * any failure (a Secret that cannot be read, say) becomes the observation's error, scrubbed of every secret known.
 */
import type { AddressMode } from '../../controllers/address-mode.ts';
import type { Address } from '../../controllers/compose/index.ts';
import { scrub } from '../../engines/engine-error.ts';
import type { Observation, ObservedNode } from './model.ts';

export interface ProbeOptions {
  addressMode: AddressMode;
  /** bound of each node's connect and each statement */
  timeoutMs: number;
}

/** The nodes a probe will dial, found the controller's way (credentials, addresses by address mode). */
export interface ProbeTarget<S> {
  nodes: readonly { name: string }[];
  addresses: Record<string, Address>;
  missing: Record<string, string>;
  /** every password the probe holds: scrubbed from each message it reports */
  secrets: string[];
  connect(address: Address): Promise<S>;
}

/** Where a kind's observation writes each node's fields; name and address are added here. */
export interface ObservedNodes {
  set(name: string, fields: Omit<ObservedNode, 'name' | 'address'>): void;
  failed(name: string, message: string): void;
}

export async function probe<S extends { close(): Promise<unknown> }>(
  target: () => Promise<ProbeTarget<S>>,
  observe: (t: ProbeTarget<S>, sessions: Record<string, S | undefined>, out: ObservedNodes) => Promise<void>,
): Promise<Observation> {
  const at = new Date().toISOString();
  let secrets: string[] = [];
  try {
    const t = await target();
    secrets = t.secrets;
    const out = new Map<string, ObservedNode>(t.nodes.map((n) => [n.name, { name: n.name }]));
    for (const [name, why] of Object.entries(t.missing)) out.set(name, { name, error: why });
    const address = (name: string) => {
      const a = t.addresses[name];
      return a && `${a.host}:${a.port}`;
    };
    const nodes: ObservedNodes = {
      set: (name, fields) => out.set(name, { name, address: address(name), ...fields }),
      failed: (name, message) => out.set(name, { name, address: address(name), error: scrub(message, secrets) }),
    };
    const sessions: Record<string, S | undefined> = {};
    try {
      await Promise.all(
        t.nodes.map(async (n) => {
          const a = t.addresses[n.name];
          if (!a) return;
          try {
            sessions[n.name] = await t.connect(a);
          } catch (err) {
            nodes.failed(n.name, String((err as Error).message));
          }
        }),
      );
      await observe(t, sessions, nodes);
    } finally {
      await Promise.all(Object.values(sessions).map((s) => s?.close().catch(() => undefined)));
    }
    return { at, nodes: [...out.values()] };
  } catch (err) {
    return { at, nodes: [], error: scrub(String((err as Error).message), secrets) };
  }
}
