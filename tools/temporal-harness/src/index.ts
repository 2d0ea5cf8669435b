export {
  freePort,
  LATENCY_TUNED_DYNAMIC_CONFIG,
  serverDynamicConfig,
  startDevServer,
  type DevServerOptions,
  type RunningServer,
} from './dev-server.js';
export {
  connectionOptions,
  connectOrExplain,
  describeConnectionError,
  endpointFromEnv,
  type ServerEndpoint,
} from './endpoint.js';
export {
  CliChecksumMismatchError,
  TemporalServerUnavailableError,
  TemporalServerUnreachableError,
} from './errors.js';
export {
  buildCliWithGo,
  CLI_SOURCES,
  ensureCli,
  findExistingCli,
  forcedCliSource,
  noServerHelp,
  resolveServerSource,
  type CliOrigin,
  type CliSource,
  type ForcedCliSource,
  type ResolveOptions,
  type ServerSource,
} from './resolve-cli.js';
export { PYPI_WHEELS, type PinnedWheel } from './pypi-cli.js';
export {
  PINNED_CLI_VERSION,
  FALLBACK_CLI_VERSIONS,
  PYPI_CLI_VERSION,
  cacheRoot,
  findWorkspaceRoot,
} from './paths.js';
