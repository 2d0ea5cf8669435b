// The fault suite's verdicts, and the facts a reader needs to trust them.
import { progress } from '../common.js';

/** One verdict: `ok` or not, with what was seen. */
export interface Check {
  scenario: string;
  check: string;
  ok: boolean;
  detail: string;
}

/** Collects checks (each printed as it is made) and facts per scenario. */
export class CheckList {
  readonly checks: Check[] = [];
  readonly facts: Record<string, unknown> = {};

  check(scenario: string, name: string, ok: boolean, detail: string): void {
    this.checks.push({ scenario, check: name, ok, detail });
    progress(`${ok ? 'PASS' : 'FAIL'} ${scenario}: ${name} — ${detail}`);
  }

  get passed(): number {
    return this.checks.filter((c) => c.ok).length;
  }

  get failed(): number {
    return this.checks.length - this.passed;
  }
}
