import type { Manager } from '../runtime/index.ts';
import { registerMusicService } from './musicservice/controller.ts';
import { mysqlReplicationController } from './mysqlreplication/controller.ts';
import { registerShazamqController } from './shazamq/controller.ts';
import { registerStreamBusController } from './streambus/controller.ts';

/** Registers one controller on the manager: `(mgr) => { mgr.controller('x').for(...).complete(...) }`. */
export type ControllerRegistration = (mgr: Manager) => void;

/** Every controller `statecraft run` starts. Add each new controller's registration here. */
export const controllers: ControllerRegistration[] = [
  (mgr) => registerMusicService(mgr),
  mysqlReplicationController(),
  registerShazamqController,
  registerStreamBusController,
];
