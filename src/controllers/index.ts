import type { Manager } from '../runtime/index.ts';
import { registerMusicService } from './musicservice/controller.ts';

/** Registers one controller on the manager: `(mgr) => { mgr.controller('x').for(...).complete(...) }`. */
export type ControllerRegistration = (mgr: Manager) => void;

/** Every controller `statecraft run` starts. Add each new controller's registration here. */
export const controllers: ControllerRegistration[] = [(mgr) => registerMusicService(mgr)];
