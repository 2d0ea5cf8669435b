import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type {} from '@temporal-patterns/temporal-harness/vitest-global-setup';
import { describe, expect, inject, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixture/', import.meta.url));
const sdkVersion = JSON.parse(
  readFileSync(path.join(root, 'node_modules/@temporalio/client/package.json'), 'utf8'),
).version as string;

function publicPackages(): Array<{ name: string; dir: string }> {
  return readdirSync(path.join(root, 'packages'))
    .map((dir) => path.join(root, 'packages', dir))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, dir }));
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));
  return execFileSync(command, args, { cwd, env: { ...clean, ...env }, encoding: 'utf8', stdio: 'pipe' });
}

describe('published packages', () => {
  it('install from their tarballs in a fresh project and run a workflow each, via import and via require', () => {
    const project = mkdtempSync(path.join(os.tmpdir(), 'temporal-patterns-pack-'));
    try {
      const tarballs = publicPackages().map(({ dir }) => {
        const [packed] = JSON.parse(
          sh('npm', ['pack', '--json', '--pack-destination', project], dir),
        ) as Array<{ filename: string }>;
        return path.join(project, packed!.filename);
      });
      expect(tarballs.length).toBe(5);
      writeFileSync(
        path.join(project, 'package.json'),
        JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true }),
      );
      const sdk = ['client', 'worker', 'workflow', 'common', 'activity'].map(
        (p) => `@temporalio/${p}@${sdkVersion}`,
      );
      sh('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, ...sdk], project);
      for (const file of ['workflows.mjs', 'workflows.cjs', 'checks.cjs', 'run.mjs', 'run.cjs']) {
        copyFileSync(path.join(fixture, file), path.join(project, file));
      }
      const env = { TEMPORAL_ADDRESS: inject('temporalAddress') };
      for (const [script, flavour] of [
        ['run.mjs', 'esm'],
        ['run.cjs', 'cjs'],
      ] as const) {
        const output = sh('node', [script], project, env).trim().split('\n').at(-1)!;
        const results = JSON.parse(output) as Record<string, unknown>;
        expect(results['signal-utils']).toBe(`hello ${flavour}`);
        expect(results.mutex).toEqual(expect.any(Number));
        expect(results.pipeline).toEqual(['got 2', 'got 4']);
        expect(results.fanout).toBe(6);
        expect(results['circuit-breaker']).toBe('closed');
      }
    } finally {
      rmSync(project, { recursive: true, force: true });
    }
  });
});
