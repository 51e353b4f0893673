import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname } from 'node:path';

/**
 * Pod IPs in 127.0.0.0/8 (every 127.x address is local on Linux, so a server can bind its pod's own address).
 * Each cluster directory gets its own /16, 127.<b>.0.0 with b derived from the directory, so clusters running side
 * by side rarely meet; an address whose ports are taken anyway is skipped. Addresses are handed out in order and
 * the position is saved, so a new pod never gets an address an earlier pod had (until the /16 wraps).
 */
export class IpAllocator {
  readonly prefix: string;
  private next: number;
  private readonly stateFile: string;

  constructor(clusterDir: string, stateFile: string) {
    this.prefix = `127.${clusterOctet(clusterDir)}`;
    this.stateFile = stateFile;
    this.next = 2; // .0.1 is the node's own address
    try {
      this.next = Number(readFileSync(stateFile, 'utf8').trim()) || 2;
    } catch {
      // first start
    }
  }

  /** The node's address (its InternalIP). */
  get nodeIp(): string {
    return `${this.prefix}.0.1`;
  }

  owns(ip: string | undefined): boolean {
    return !!ip && ip.startsWith(`${this.prefix}.`) && ip !== this.nodeIp;
  }

  /** A fresh address whose `ports` are free right now. */
  async allocate(ports: number[]): Promise<string> {
    for (let tries = 0; tries < 1000; tries++) {
      const n = this.next;
      this.next = n >= 65_534 ? 2 : n + 1;
      const ip = `${this.prefix}.${n >> 8}.${n & 255}`;
      if ((n & 255) === 0 || (n & 255) === 255) continue;
      if ((await Promise.all(ports.map((p) => portFree(ip, p)))).every(Boolean)) {
        mkdirSync(dirname(this.stateFile), { recursive: true });
        writeFileSync(this.stateFile, String(this.next));
        return ip;
      }
    }
    throw new Error(`no free pod IP in ${this.prefix}.0.0/16`);
  }
}

/** 10..249, from the cluster directory, so that two clusters on one machine use different /16s. */
export function clusterOctet(dir: string): number {
  return 10 + (createHash('sha256').update(dir).digest().readUInt16BE(0) % 240);
}

function portFree(ip: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, ip, () => s.close(() => resolve(true)));
  });
}
