import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { packageEntries } from '../../../build/tsup-preset.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const packages = execFileSync('git', ['ls-files', 'packages/*/package.json'], { cwd: root, encoding: 'utf8' })
  .trim()
  .split('\n')
  .filter((file) => file.split('/').length === 3)
  .map((file) => path.basename(path.dirname(file)));

// What a user writes against stays small enough to learn from the README; signal-utils is the toolbox.
const rootEntryCap = (pkg: string): number => (pkg === 'signal-utils' ? 40 : 25);

/** Every name a TypeScript entry exports, types included. */
function exportedNames(entry: string): string[] {
  const program = ts.createProgram([entry], {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    strict: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const symbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!);
  return symbol ? checker.getExportsOfModule(symbol).map((s) => s.name) : [];
}

describe('public surface', () => {
  it.each(packages)('%s: the root entry stays within its cap', (pkg) => {
    const names = exportedNames(path.join(root, 'packages', pkg, 'src', 'index.ts'));
    expect(names.length, names.join(', ')).toBeLessThanOrEqual(rootEntryCap(pkg));
  });

  it.each(packages)('%s: the README names every export of every entry', (pkg) => {
    const readme = readFileSync(path.join(root, 'packages', pkg, 'README.md'), 'utf8');
    // Every entry the build makes (read from package.json exports the way the tsup preset reads it).
    const dir = path.join(root, 'packages', pkg);
    const missing = packageEntries(dir).flatMap((source) =>
      exportedNames(path.join(dir, source))
        .filter((name) => !new RegExp(`\`[^\`]*\\b${name}\\b[^\`]*\``).test(readme))
        .map((name) => `${source}: ${name}`),
    );
    expect(missing).toEqual([]);
  });
});
