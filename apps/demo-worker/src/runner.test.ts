import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type {} from '@temporal-patterns/temporal-harness/vitest-global-setup';
import { describe, expect, inject, it } from 'vitest';
import { runScenarios } from './runner.js';
import { check, type Scenario } from './scenario.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function demo(args: string[]): Promise<{ code: number; output: string }> {
  return promisify(execFile)('node', [main, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: inject('temporalAddress') },
  }).then(
    ({ stdout }) => ({ code: 0, output: stdout }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      output: err.stdout + err.stderr,
    }),
  );
}

describe('demo runner', () => {
  it('reports a scenario whose check fails by name, and still runs the others', async () => {
    const failing: Scenario = {
      name: 'broken',
      description: 'a check that fails',
      run: async () => (check(false, 'tokens went backwards'), ''),
    };
    const passing: Scenario = { name: 'fine', description: 'passes', run: async () => 'ok' };
    const lines: string[] = [];
    const outcomes = await runScenarios(
      [failing, passing],
      { client: {} as Client, taskQueue: 'unused', runId: 'x' },
      (l) => lines.push(l),
    );
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['broken', false],
      ['fine', true],
    ]);
    expect(lines.join('\n')).toContain('✘ broken: tokens went backwards');
    expect(lines.join('\n')).toContain('Failed: broken');
  });

  it('npm run demo -- --scenario mutex exits 0 against the test server', async () => {
    const { code, output } = await demo(['--scenario', 'mutex']);
    expect(output).toContain('1 of 1 scenarios passed');
    expect(code).toBe(0);
  });

  it('exits non-zero for an unknown scenario, naming the known ones', async () => {
    const { code, output } = await demo(['--scenario', 'nope']);
    expect(code).toBe(2);
    expect(output).toMatch(/Unknown scenario "nope". Known: signal-utils, mutex/);
  });
});
