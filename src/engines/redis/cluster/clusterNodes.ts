/**
 * `CLUSTER NODES` as Redis 7 prints it, one node per line:
 *
 *   <id> <ip:port@cport[,hostname]> <flags> <master|-> <ping-sent> <pong-recv> <config-epoch> <link-state> <slot>...
 *
 * where a slot is `n`, `a-b`, or — on the `myself` line only — an open slot `[n->-<id>]` (migrating to id) or
 * `[n-<-<id>]` (importing from id).
 */
import type { SlotRange } from './slots.ts';

export interface ClusterNodeEntry {
  id: string;
  /** empty when the node does not know its own address yet */
  host: string;
  port: number;
  busPort: number;
  flags: string[];
  myself: boolean;
  master: boolean;
  /** the master a replica follows */
  masterId?: string;
  /** marked failed by the cluster (`fail`); `pfail` is one node's suspicion only */
  failed: boolean;
  pfail: boolean;
  /** still in the MEET handshake, or without a known address */
  handshake: boolean;
  noaddr: boolean;
  configEpoch: number;
  linkConnected: boolean;
  slots: SlotRange[];
  migrating: Array<{ slot: number; to: string }>;
  importing: Array<{ slot: number; from: string }>;
}

export function parseClusterNodes(text: string): ClusterNodeEntry[] {
  const out: ClusterNodeEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line) continue;
    const f = line.split(' ');
    if (f.length < 8) continue;
    const [id, addr, flagText, master, , , epoch, link, ...slotFields] = f;
    const at = addr.split(',')[0];
    const [hostPort, bus] = at.split('@');
    const colon = hostPort.lastIndexOf(':');
    const flags = flagText.split(',');
    const entry: ClusterNodeEntry = {
      id,
      host: hostPort.slice(0, colon),
      port: Number(hostPort.slice(colon + 1)),
      busPort: Number(bus ?? 0),
      flags,
      myself: flags.includes('myself'),
      master: flags.includes('master'),
      masterId: master && master !== '-' ? master : undefined,
      failed: flags.includes('fail'),
      pfail: flags.includes('fail?'),
      handshake: flags.includes('handshake'),
      noaddr: flags.includes('noaddr'),
      configEpoch: Number(epoch),
      linkConnected: link === 'connected',
      slots: [],
      migrating: [],
      importing: [],
    };
    for (const s of slotFields) {
      let m = /^\[(\d+)->-([0-9a-f]+)\]$/.exec(s);
      if (m) {
        entry.migrating.push({ slot: Number(m[1]), to: m[2] });
        continue;
      }
      m = /^\[(\d+)-<-([0-9a-f]+)\]$/.exec(s);
      if (m) {
        entry.importing.push({ slot: Number(m[1]), from: m[2] });
        continue;
      }
      m = /^(\d+)(?:-(\d+))?$/.exec(s);
      if (m) entry.slots.push([Number(m[1]), Number(m[2] ?? m[1])]);
    }
    out.push(entry);
  }
  return out;
}
