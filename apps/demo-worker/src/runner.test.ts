import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type {} from '@temporal-patterns/temporal-harness/vitest-global-setup';
import { describe, expect, inject, it } from 'vitest';
import { runScenarios } from './runner.js';
import { check, type Scenario } from './scenario.js';

const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));

function demo(
  args: string[],
  address = inject('temporalAddress'),
): Promise<{ code: number; stdout: string; stderr: string; output: string }> {
  return promisify(execFile)(process.execPath, [main, ...args], {
    env: { ...process.env, TEMPORAL_ADDRESS: address },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr, output: stdout + stderr }),
    (err: { code: number; stdout: string; stderr: string }) => ({
      code: err.code,
      stdout: err.stdout,
      stderr: err.stderr,
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
      workflowQuery: (runId) => `WorkflowId STARTS_WITH "broken-${runId}"`,
    };
    const passing: Scenario = {
      name: 'fine',
      description: 'passes',
      run: async () => 'ok',
      workflowQuery: (runId) => `WorkflowId STARTS_WITH "fine-${runId}"`,
    };
    const lines: string[] = [];
    const outcomes = await runScenarios(
      [failing, passing],
      { client: {} as Client, taskQueue: 'unused', runId: 'x' },
      { print: (l) => lines.push(l) },
    );
    expect(outcomes.map((o) => [o.name, o.ok])).toEqual([
      ['broken', false],
      ['fine', true],
    ]);
    expect(lines.join('\n')).toContain('✘ broken: tokens went backwards');
    expect(lines.join('\n')).toContain('Failed: broken');
    expect(lines.join('\n')).not.toContain('workflows:');
  });

  it("prints a link to each scenario's workflows in the Web UI, passed or failed", async () => {
    const scenario = (name: string, run: () => Promise<string>): Scenario => ({
      name,
      description: name,
      run,
      workflowQuery: (runId) => `WorkflowId STARTS_WITH "demo-${name}-${runId}-"`,
    });
    const lines: string[] = [];
    await runScenarios(
      [scenario('fine', async () => 'ok'), scenario('broken', async () => (check(false, 'no'), ''))],
      { client: {} as Client, taskQueue: 'unused', runId: 'r1' },
      { print: (l) => lines.push(l), webUi: { url: 'http://127.0.0.1:8233', namespace: 'default' } },
    );
    const links = lines.filter((l) => l.includes('workflows: '));
    expect(links).toEqual([
      `  workflows: http://127.0.0.1:8233/namespaces/default/workflows?query=${encodeURIComponent('WorkflowId STARTS_WITH "demo-fine-r1-"')}`,
      `  workflows: http://127.0.0.1:8233/namespaces/default/workflows?query=${encodeURIComponent('WorkflowId STARTS_WITH "demo-broken-r1-"')}`,
    ]);
  });

  it('npm run demo -- --scenario mutex exits 0 against the test server', async () => {
    const { code, output } = await demo(['--scenario', 'mutex']);
    expect(output).toContain('1 of 1 scenarios passed');
    expect(code).toBe(0);
  });

  it('exits 2 for an unknown scenario, naming the known ones, with the usage on stderr', async () => {
    const { code, stderr } = await demo(['--scenario', 'nope']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^Unknown scenario "nope". Known: signal-utils, mutex/);
    expect(stderr).toContain('Usage: npm run demo');
  });

  it('exits 2 for an unknown flag or a missing value, with the usage on stderr', async () => {
    for (const args of [['--bogus'], ['--scenario'], ['--keep=yes'], ['mutex']]) {
      const { code, stdout, stderr } = await demo(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toContain('Usage: npm run demo');
      expect(stdout).toBe('');
    }
    expect((await demo(['--bogus'])).stderr).toMatch(/^Unknown option '--bogus'\n/);
  });

  it('prints the usage on stdout and exits 0 for --help', async () => {
    const { code, stdout } = await demo(['--help']);
    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm run demo');
  });

  it('says in one line, without a stack, that TEMPORAL_ADDRESS points at no server, and exits 1', async () => {
    const { code, stderr } = await demo(['--scenario', 'mutex'], '127.0.0.1:1');
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^Cannot reach a Temporal server at 127\.0\.0\.1:1 .*TEMPORAL_ADDRESS/),
    ]);
    expect(stderr).not.toContain('    at ');
  });
});
