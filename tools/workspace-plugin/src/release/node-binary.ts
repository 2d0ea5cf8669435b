import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The version a binary reports, or undefined when it is absent or does not run. */
export function nodeVersionOf(binary: string): string | undefined {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8', stdio: 'pipe' }).trim().replace(/^v/, '');
  } catch {
    return undefined;
  }
}

/**
 * A Node.js binary of the major version of `version`, for checks that must run on more than the workspace's
 * own Node. Prefers the machine's node (`/usr/local/bin/node`, `/usr/bin/node`) when it has that major
 * version; otherwise fetches the npm registry package `node-<platform>-<arch>@<version>` (it ships
 * `bin/node`) once into `~/.cache/temporal-patterns/node/<version>` and returns the binary from there.
 */
export function nodeBinary(version: string): string {
  const major = version.split('.')[0];
  for (const candidate of ['/usr/local/bin/node', '/usr/bin/node']) {
    if (nodeVersionOf(candidate)?.split('.')[0] === major) return candidate;
  }
  return provisionNode(version);
}

/** The binary of `node-<platform>-<arch>@<version>` from the npm registry, cached in the user's cache dir. */
export function provisionNode(version: string): string {
  const dir = path.join(os.homedir(), '.cache', 'temporal-patterns', 'node', version);
  const binary = path.join(dir, 'bin', 'node');
  if (nodeVersionOf(binary) === version) return binary;
  mkdirSync(path.dirname(dir), { recursive: true });
  // Unpacked beside the cache dir and renamed into place, so a concurrent run never sees half a binary.
  const staging = mkdtempSync(`${dir}.staging-`);
  try {
    const pkg = `node-${process.platform}-${process.arch}@${version}`;
    const [packed] = JSON.parse(
      execFileSync('npm', ['pack', pkg, '--json', '--pack-destination', staging], {
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ) as Array<{ filename: string }>;
    execFileSync('tar', ['-xzf', path.join(staging, packed!.filename), '-C', staging], { stdio: 'pipe' });
    rmSync(dir, { recursive: true, force: true });
    renameSync(path.join(staging, 'package'), dir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  if (!existsSync(binary) || nodeVersionOf(binary) !== version) {
    throw new Error(`node-${process.platform}-${process.arch}@${version} did not provide ${binary}`);
  }
  return binary;
}
