// What every fault scenario is given.
import type { ProtectedStore } from '../store.js';
import type { CheckList } from './checks.js';
import type { FaultParameters } from './options.js';

export interface FaultSuite {
  params: FaultParameters;
  /** The protected store every critical section enters; it checks fencing tokens. */
  store: ProtectedStore;
  storeUrl: string;
  bundlePath: string;
  checks: CheckList;
}
