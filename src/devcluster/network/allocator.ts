import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { type ClusterNetwork, MAX_POD_SLOT, podIpOfSlot, podLinkNames, slotOfPodIp } from './plan.ts';

/**
 * Pod IPs from the cluster's pod CIDR (the pod network's counterpart of ips.ts). Slots are handed out in order and
 * the position is saved, so a new pod does not get an address an earlier pod had until the range wraps; a slot
 * whose namespace still exists (a pod being torn down) is skipped.
 */
export class PodCidrAllocator {
  readonly net: ClusterNetwork;
  private next: number;
  private readonly stateFile: string;

  constructor(net: ClusterNetwork, stateFile: string) {
    this.net = net;
    this.stateFile = stateFile;
    let saved = 0;
    try {
      saved = Number(readFileSync(stateFile, 'utf8').trim()) || 0;
    } catch {
      // first start
    }
    this.next = saved >= 1 && saved <= MAX_POD_SLOT ? saved : 1;
  }

  owns(ip: string | undefined): boolean {
    return slotOfPodIp(this.net, ip) !== undefined;
  }

  async allocate(_ports: number[]): Promise<string> {
    for (let tries = 0; tries < MAX_POD_SLOT; tries++) {
      const slot = this.next;
      this.next = slot >= MAX_POD_SLOT ? 1 : slot + 1;
      if (existsSync(join('/run/netns', podLinkNames(this.net, slot).netns))) continue;
      mkdirSync(dirname(this.stateFile), { recursive: true });
      writeFileSync(this.stateFile, String(this.next));
      return podIpOfSlot(this.net, slot);
    }
    throw new Error(`no free pod IP in ${this.net.podCidr}`);
  }
}
