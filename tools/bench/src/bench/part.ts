// What a part of the bench is given and what it gives back.
import type { Client } from '@temporalio/client';
import type { KillableServer } from '../processes.js';
import type { LockSystem } from '../lock-loops.js';
import type { ProtectedStore } from '../store.js';
import type { BenchParameters, BenchPartName } from './options.js';

/** The running environment every part measures against. */
export interface BenchContext {
  params: BenchParameters;
  /** Time budget of the many-cycles part, in seconds. */
  cyclesBudgetS: number;
  /** Client of the in-memory dev server. */
  client: Client;
  /** The queue the in-memory server's worker polls. */
  taskQueue: string;
  server: KillableServer;
  bundlePath: string;
  store: ProtectedStore;
  storeUrl: string;
  /** The lock systems compared (only the in-memory mutex unless `compare` or `uncontended` runs). */
  systems: LockSystem[];
}

/** One part of the bench: runs its measurement and returns its entries of the report's `results`. */
export interface BenchPart {
  name: BenchPartName;
  run(ctx: BenchContext): Promise<Record<string, unknown>>;
}
