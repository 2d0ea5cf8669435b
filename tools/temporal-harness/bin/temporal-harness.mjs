#!/usr/bin/env node
// Command-line face of the harness: provision the CLI, or run a dev server until Ctrl-C.
import { findExistingCli, buildCliWithGo, noServerHelp, startDevServer } from '../dist/index.js';

const [command, ...args] = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
};

async function main() {
  switch (command) {
    case 'ensure-cli': {
      const existing = findExistingCli();
      if (existing) {
        console.log(`Temporal CLI: ${existing.path} (${existing.origin})`);
        return;
      }
      const built = await buildCliWithGo();
      if (!built) {
        console.error(noServerHelp());
        process.exit(1);
      }
      console.log(`Temporal CLI: ${built} (built with Go)`);
      return;
    }
    case 'start-dev': {
      const server = await startDevServer({
        ui: !args.includes('--headless'),
        dbFilename: flag('--db-filename'),
        port: flag('--port') ? Number(flag('--port')) : 7233,
        logLevel: 'warn',
      });
      console.log(
        `Temporal dev server at ${server.address}${server.uiUrl ? `, Web UI ${server.uiUrl}` : ''}. Ctrl-C stops it.`,
      );
      const stop = () => server.stop().then(() => process.exit(0));
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
      return;
    }
    default:
      console.log('usage: temporal-harness ensure-cli | start-dev [--headless] [--db-filename F] [--port N]');
      process.exit(command ? 1 : 0);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
