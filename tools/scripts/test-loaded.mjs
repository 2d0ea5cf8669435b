#!/usr/bin/env node
// Runs `npm test` and `npm run demo` while a CPU hog keeps every core busy, to prove that no test and no
// demo check depends on a quiet machine. The hog is started and stopped here, whatever the outcome.
import { spawn } from 'node:child_process';
import os from 'node:os';
import { parseArgs } from 'node:util';

const usage = `usage: npm run test:loaded [-- --runs N] [--hogs N] [--skip-demo]

  --runs N     run the test suite and the demo N times in a row (default 1)
  --hogs N     busy-looping processes to start (default: one per core, ${os.availableParallelism()})
  --skip-demo  run only npm test`;

let values;
try {
  ({ values } = parseArgs({
    options: {
      runs: { type: 'string', default: '1' },
      hogs: { type: 'string', default: String(os.availableParallelism()) },
      'skip-demo': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  }));
} catch (err) {
  console.error(`${err.message}\n\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const runs = Number(values.runs);
const hogCount = Number(values.hogs);
if (!Number.isInteger(runs) || runs < 1 || !Number.isInteger(hogCount) || hogCount < 0) {
  console.error(`--runs must be a whole number ≥ 1 and --hogs ≥ 0\n\n${usage}`);
  process.exit(2);
}

const hogs = Array.from({ length: hogCount }, () =>
  spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
);
const stopHogs = () => hogs.forEach((hog) => hog.kill('SIGKILL'));
process.on('exit', stopHogs);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(130));

function run(command, args) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(command, args, { stdio: 'inherit' });
    child.on('close', (code) =>
      resolve({ code: code ?? 1, seconds: Math.round((Date.now() - started) / 1000) }),
    );
  });
}

const steps = [['npm', ['test']], ...(values['skip-demo'] ? [] : [['npm', ['run', 'demo']]])];
const results = [];
console.log(
  `[test:loaded] ${hogCount} CPU hogs running; ${runs} run(s) of: ${steps.map((s) => s[1].join(' ')).join(', ')}`,
);
for (let i = 1; i <= runs; i++) {
  for (const [command, args] of steps) {
    const { code, seconds } = await run(command, args);
    const line = `run ${i}: ${command} ${args.join(' ')} exited ${code} in ${seconds} s (load ${os.loadavg()[0].toFixed(2)})`;
    results.push({ line, code });
    console.log(`[test:loaded] ${line}`);
  }
}
stopHogs();
console.log('[test:loaded] summary:');
for (const { line } of results) console.log(`  ${line}`);
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
