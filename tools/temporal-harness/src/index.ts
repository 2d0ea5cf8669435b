export {
  endpointFromEnv,
  freePort,
  startDevServer,
  type DevServerOptions,
  type RunningServer,
  type ServerEndpoint,
} from './dev-server.js';
export {
  buildCliWithGo,
  findExistingCli,
  noServerHelp,
  resolveServerSource,
  TemporalServerUnavailableError,
  type ResolveOptions,
  type ServerSource,
} from './resolve-cli.js';
export { PINNED_CLI_VERSION, FALLBACK_CLI_VERSIONS, cacheRoot, findWorkspaceRoot } from './paths.js';
