import type { Logger } from 'pino';
import type { EventInput, KubeObject, Manager } from '../../runtime/index.ts';
import type { AddressMode } from '../address-mode.ts';
import type { MusicService } from './types.ts';

/** What every step of one reconcile shares. */
export interface StepContext {
  mgr: Manager;
  ms: MusicService;
  /** the MusicService as a KubeObject, for the runtime's helpers */
  owner: KubeObject;
  namespace: string;
  name: string;
  log: Logger;
  addressMode: AddressMode;
  event(input: EventInput): void;
}
