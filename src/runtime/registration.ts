/**
 * A controller as the operator's composition root sees it: a name (to pick a subset, e.g. in tests) and how to
 * register it on a manager. Every controller module exports one factory, `<kind>Controller(options)`, returning
 * this; `statecraft run`, `statecraft dev`, tests and benchmarks register them through `mgr.add(...)`.
 */
import type { Manager } from './manager.ts';

export interface ControllerRegistration {
  /** the controller's name: its metrics label, log field and event source */
  readonly name: string;
  register(mgr: Manager): void;
}
