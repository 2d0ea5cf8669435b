#!/usr/bin/env node
// publint and "are the types wrong" over every public package, as users would receive it (npm pack).
// attw's own tarball reader keeps only the last gzip chunk (a known fflate streaming bug), so this
// feeds it the packed file list read from disk instead.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkPackage, Package } from '@arethetypeswrong/core';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const root = fileURLToPath(new URL('../..', import.meta.url));
const packagesDir = path.join(root, 'packages');
let failures = 0;

for (const dir of readdirSync(packagesDir).sort()) {
  const pkgDir = path.join(packagesDir, dir);
  const manifest = JSON.parse(readFileSync(path.join(pkgDir, 'package.json'), 'utf8'));
  if (manifest.private) continue;

  const { messages, pkg } = await publint({ pkgDir, level: 'suggestion', strict: true });
  for (const message of messages) {
    console.log(`  publint ${message.type}: ${formatMessage(message, pkg) ?? message.code}`);
  }
  const publintErrors = messages.filter((m) => m.type !== 'suggestion').length;

  const packed = JSON.parse(
    execFileSync('npm', ['pack', '--dry-run', '--json'], { cwd: pkgDir, encoding: 'utf8' }),
  );
  const files = {};
  for (const { path: file } of packed[0].files) {
    files[`/node_modules/${manifest.name}/${file}`] = new Uint8Array(readFileSync(path.join(pkgDir, file)));
  }
  const analysis = await checkPackage(new Package(files, manifest.name, manifest.version));
  const problems = analysis.types === false ? [{ kind: 'NoTypes' }] : analysis.problems;
  for (const problem of problems) {
    console.log(
      `  attw ${problem.kind}: ${problem.entrypoint ?? ''} ${problem.resolutionKind ?? ''}`.trimEnd(),
    );
  }
  const entrypoints = analysis.types === false ? [] : Object.keys(analysis.entrypoints);
  const ok = publintErrors === 0 && problems.length === 0;
  if (!ok) failures += 1;
  console.log(
    `${ok ? 'ok  ' : 'FAIL'} ${manifest.name}: publint ${messages.length} message(s), attw ${problems.length} problem(s) ` +
      `over entry points ${entrypoints.join(', ')} (node10, node16-cjs, node16-esm, bundler)`,
  );
}
process.exit(failures === 0 ? 0 : 1);
