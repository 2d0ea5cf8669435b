import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { asReadmeFile } from '@temporal-patterns/temporal-harness/testing';
import type {} from '@temporal-patterns/temporal-harness/vitest-global-setup';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { nodeBinary, nodeVersionOf } from './node-binary.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const fixture = fileURLToPath(new URL('./fixture/', import.meta.url));
const installedVersion = (name: string) =>
  JSON.parse(readFileSync(path.join(root, 'node_modules', name, 'package.json'), 'utf8')).version as string;

interface PublicPackage {
  name: string;
  dir: string;
  manifest: { peerDependencies?: Record<string, string> };
}

// Committed packages only: the generator's test creates a throwaway package under packages/ meanwhile.
function publicPackages(): PublicPackage[] {
  return execFileSync('git', ['ls-files', 'packages/*/package.json'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean)
    .map((manifestPath) => path.join(root, path.dirname(manifestPath)))
    .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) }))
    .filter(({ manifest }) => !manifest.private)
    .map(({ dir, manifest }) => ({ name: manifest.name as string, dir, manifest }));
}

/** The lowest @temporalio/* version the packages accept (their peer ranges are all `^<floor>`). */
function sdkFloor(): string {
  const ranges = new Set(
    publicPackages().flatMap(({ manifest }) =>
      Object.entries(manifest.peerDependencies ?? {})
        .filter(([name]) => name.startsWith('@temporalio/'))
        .map(([, range]) => range),
    ),
  );
  const [range] = ranges;
  if (ranges.size !== 1 || !range?.startsWith('^')) {
    throw new Error(`expected one ^x.y.z peer range for @temporalio/*, found ${[...ranges].join(', ')}`);
  }
  return range.slice(1);
}

// Both ends of the peer range: the floor (the first release line with the fix for sdk-typescript #2166)
// and the version the workspace develops against.
const sdkVersions = [...new Set([sdkFloor(), installedVersion('@temporalio/client')])];
// The workspace's Node (24, from the npm registry) and the oldest Node the packages support (engines).
const nodes = [
  { name: 'Node 24', binary: () => path.join(root, 'node_modules/.bin/node') },
  { name: 'Node 20', binary: () => nodeBinary('20.20.2') },
];

/**
 * Each package's README example as the files of a user's project (project file ← file in `src`), and lines its
 * worker prints. The README names the project files; the sources import each other by their `src` names.
 */
const readmeExamples: Record<string, { files: Record<string, string>; prints: string[] }> = {
  'signal-utils': {
    files: { 'workflows.ts': 'readme-example.ts', 'worker.ts': 'readme-example-worker.ts' },
    prints: ['3 items, 170 cents, receipt r-1'],
  },
  mutex: {
    files: { 'workflows.ts': 'readme-example.ts', 'worker.ts': 'readme-example-worker.ts' },
    prints: ['4 payments posted one at a time'],
  },
  pipeline: {
    files: {
      'thumbnails.ts': 'readme-example.ts',
      'workflows.ts': 'readme-workflows.ts',
      'worker.ts': 'readme-example-worker.ts',
    },
    prints: [
      'img-0: pixels of https://x/cat.png, 128px [cat]',
      'img-1: pixels of https://x/dog.png, 128px [other]',
      '2 completed, 0 failed',
    ],
  },
  fanout: {
    files: { 'workflows.ts': 'readme-example.ts', 'worker.ts': 'readme-example-worker.ts' },
    prints: ['completed: 12 thumbnails, 12000 bytes'],
  },
  'circuit-breaker': {
    files: { 'workflows.ts': 'readme-example.ts', 'worker.ts': 'readme-example-worker.ts' },
    prints: ['receipt for order-1', 'payments-api: closed'],
  },
};

const cleanEnv = () =>
  Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')));

function sh(command: string, args: string[], cwd: string): string {
  return execFileSync(command, args, { cwd, env: cleanEnv(), encoding: 'utf8', stdio: 'pipe' });
}

async function run(binary: string, script: string, cwd: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)(binary, [script], {
      cwd,
      env: { ...cleanEnv(), ...env },
      timeout: 120_000,
    });
    return stdout.trim().split('\n');
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(`${binary} ${script} in ${cwd} failed:\n${stdout ?? ''}\n${stderr ?? ''}`, {
      cause: err,
    });
  }
}

let tarballs: string[] = [];
const packDir = mkdtempSync(path.join(os.tmpdir(), 'temporal-patterns-tarballs-'));

beforeAll(() => {
  tarballs = publicPackages().map(({ dir }) => {
    const [packed] = JSON.parse(sh('npm', ['pack', '--json', '--pack-destination', packDir], dir)) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    expect(packed!.files.map((f) => f.path)).toContain('LICENSE');
    return path.join(packDir, packed!.filename);
  });
  expect(tarballs.length).toBe(5);
});

afterAll(() => rmSync(packDir, { recursive: true, force: true }));

describe.each(sdkVersions)('published packages with @temporalio/* %s', (sdkVersion) => {
  let project = '';

  // One project per SDK version, shared by both Node versions: installed from the tarballs like a user's.
  beforeAll(() => {
    project = mkdtempSync(path.join(os.tmpdir(), `temporal-patterns-pack-${sdkVersion}-`));
    writeFileSync(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'pack-check', version: '1.0.0', private: true, type: 'module' }),
    );
    const sdk = ['client', 'worker', 'workflow', 'common', 'activity'].map(
      (p) => `@temporalio/${p}@${sdkVersion}`,
    );
    const compiler = [
      `typescript@${installedVersion('typescript')}`,
      `@types/node@${installedVersion('@types/node')}`,
    ];
    sh(
      'npm',
      ['install', '--no-audit', '--no-fund', '--prefer-offline', ...tarballs, ...sdk, ...compiler],
      project,
    );
    for (const file of ['workflows.mjs', 'workflows.cjs', 'checks.cjs', 'run.mjs', 'run.cjs']) {
      copyFileSync(path.join(fixture, file), path.join(project, file));
    }
    // The README examples, compiled as a user's ESM project would compile them.
    for (const [pkg, { files }] of Object.entries(readmeExamples)) {
      const readme = readFileSync(path.join(root, 'packages', pkg, 'README.md'), 'utf8');
      mkdirSync(path.join(project, 'readme', pkg), { recursive: true });
      for (const [projectFile, srcFile] of Object.entries(files)) {
        const text = asReadmeFile(
          readFileSync(path.join(root, 'packages', pkg, 'src', srcFile), 'utf8'),
          files,
        );
        expect(readme, `${pkg}'s README shows ${projectFile} (src/${srcFile})`).toContain(text);
        writeFileSync(path.join(project, 'readme', pkg, projectFile), `${text}\n`);
      }
    }
    writeFileSync(
      path.join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          skipLibCheck: true,
          types: ['node'],
        },
        include: ['readme/**/*.ts'],
      }),
    );
    try {
      sh(nodes[0]!.binary(), ['node_modules/typescript/bin/tsc', '-p', '.'], project);
    } catch (err) {
      throw new Error(`the README examples do not compile:\n${(err as { stdout?: string }).stdout}`, {
        cause: err,
      });
    }
  }, 600_000);

  afterAll(() => rmSync(project, { recursive: true, force: true }));

  describe.each(nodes)('on $name', (node) => {
    let binary = '';
    beforeAll(() => {
      binary = node.binary();
      expect(nodeVersionOf(binary)?.split('.')[0]).toBe(node.name.split(' ')[1]);
    }, 300_000);

    it('run a workflow of each package, via import and via require', async () => {
      const env = { TEMPORAL_ADDRESS: inject('temporalAddress') };
      for (const [script, flavour] of [
        ['run.mjs', 'esm'],
        ['run.cjs', 'cjs'],
      ] as const) {
        const results = JSON.parse((await run(binary, script, project, env)).at(-1)!) as Record<
          string,
          unknown
        >;
        expect(results['signal-utils']).toBe(`hello ${flavour}`);
        expect(results.mutex).toEqual(expect.any(Number));
        expect(results.pipeline).toEqual(['got 2', 'got 4']);
        expect(results.fanout).toBe(6);
        expect(results['circuit-breaker']).toBe('closed');
      }
    });

    it("run each package's README worker example as written", async () => {
      // A namespace of their own: the examples use fixed workflow ids and task queues.
      const namespace = `readme-sdk-${sdkVersion}-${node.name}`.replace(/[^a-zA-Z0-9-]/g, '-');
      const address = inject('temporalAddress');
      const connection = await Connection.connect({ address });
      try {
        await connection.workflowService.registerNamespace({
          namespace,
          workflowExecutionRetentionPeriod: msToTs('1 day'),
        });
      } finally {
        await connection.close();
      }
      const env = { TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace };
      for (const [pkg, { prints }] of Object.entries(readmeExamples)) {
        const lines = await run(binary, path.join('readme', pkg, 'worker.js'), project, env);
        expect(lines, pkg).toEqual(expect.arrayContaining(prints));
      }
    });
  });
});
