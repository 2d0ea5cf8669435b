// The fault suite's results files: faults-<mode>.json, and a markdown table of its checks.
import { progress, writeResult } from '../common.js';
import type { Check } from './checks.js';
import type { FaultParameters } from './options.js';

/** A results file: faults-<mode>.json. */
export interface FaultReport {
  suite: 'faults';
  mode: string;
  parameters: FaultParameters;
  finishedAt: string;
  durationSeconds: number;
  machine: Record<string, unknown>;
  checks: Check[];
  facts: Record<string, unknown>;
  passed: number;
  failed: number;
}

function markdown(report: FaultReport): string {
  return [
    `# Fault suite (${report.mode}) — ${report.finishedAt}`,
    '',
    `${report.passed} passed, ${report.failed} failed in ${report.durationSeconds} s on ${String(report.machine.cpu)} ` +
      `(${String(report.machine.cores)} cores, load average ${JSON.stringify(report.machine.loadAverage1m5m15m)} at the end).`,
    '',
    '| scenario | check | result | detail |',
    '|---|---|---|---|',
    ...report.checks.map(
      (c) =>
        `| ${c.scenario} | ${c.check} | ${c.ok ? 'pass' : '**FAIL**'} | ${c.detail.replace(/\|/g, '\\|')} |`,
    ),
    '',
  ].join('\n');
}

/** Writes tools/bench/results/faults-<mode>.{json,md}. */
export function writeFaultReport(report: FaultReport): void {
  writeResult(`faults-${report.mode}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeResult(`faults-${report.mode}.md`, markdown(report));
  progress(`results in tools/bench/results/faults-${report.mode}.{json,md}`);
}
