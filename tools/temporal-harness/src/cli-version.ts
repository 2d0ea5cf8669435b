import { spawnSync } from 'node:child_process';

/** The first line of `temporal --version`, e.g. `temporal version 1.9.1 (Server 1.32.0, UI 2.54.1)`. */
export function cliVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw new Error(`${binary} --version failed: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`${binary} --version exited ${result.status}: ${(result.stderr ?? '').trim()}`);
  }
  return (result.stdout ?? '').trim().split('\n')[0] ?? '';
}
