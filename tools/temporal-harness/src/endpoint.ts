import { existsSync } from 'node:fs';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { ConnectionOptions } from '@temporalio/client';
import { TemporalServerUnavailableError, TemporalServerUnreachableError } from './errors.js';

/** How to reach a Temporal server: what a client and a worker connection need. */
export interface ServerEndpoint {
  address: string;
  namespace: string;
  /** TLS settings for a remote cluster; undefined for a local dev server. */
  tls?: ConnectionOptions['tls'];
  /** API key for Temporal Cloud or a cluster that wants one. */
  apiKey?: string;
  /** gRPC headers sent with every call (`TEMPORAL_GRPC_META_*`, or `grpc_meta` in a profile). */
  metadata?: Record<string, string>;
}

/** Names this project read before it used `@temporalio/envconfig`, and the names that replace them. */
const RENAMED_VARIABLES = {
  TEMPORAL_TLS_CERT_PATH: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
  TEMPORAL_TLS_KEY_PATH: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
} as const;

/**
 * The server configured the way the `temporal` CLI and the SDKs configure it: the profile named by
 * `TEMPORAL_PROFILE` (else `default`) from the TOML file at `TEMPORAL_CONFIG_FILE` (else
 * `~/.config/temporalio/temporal.toml`), overridden by `TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`,
 * `TEMPORAL_API_KEY`, `TEMPORAL_TLS*` and `TEMPORAL_GRPC_META_*`. Undefined when no address is
 * configured, which is what makes the harness start a dev server instead.
 */
export function endpointFromEnv(env: NodeJS.ProcessEnv = process.env): ServerEndpoint | undefined {
  for (const [old, current] of Object.entries(RENAMED_VARIABLES)) {
    if (env[old] && !env[current]) {
      throw new TemporalServerUnavailableError(
        `${old} is no longer read; set ${current} instead (the name the Temporal CLI and SDKs use).`,
      );
    }
  }
  const configFile = env.TEMPORAL_CONFIG_FILE;
  // envconfig treats a missing file as "no file"; a path someone set on purpose deserves an error.
  if (configFile && !existsSync(configFile)) {
    throw new TemporalServerUnavailableError(`TEMPORAL_CONFIG_FILE=${configFile} does not exist.`);
  }
  let config: ReturnType<typeof loadClientConnectConfig>;
  try {
    config = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    const where = [
      env.TEMPORAL_PROFILE && `TEMPORAL_PROFILE=${env.TEMPORAL_PROFILE}`,
      configFile && `TEMPORAL_CONFIG_FILE=${configFile}`,
    ].filter(Boolean);
    throw new TemporalServerUnavailableError(
      `Cannot load the Temporal connection settings${where.length ? ` (${where.join(', ')})` : ''}: ${
        err instanceof Error ? err.message : String(err)
      }`,
      { cause: err },
    );
  }
  const { address, tls, apiKey, metadata } = config.connectionOptions;
  if (!address) return undefined;
  return {
    address,
    namespace: config.namespace || 'default',
    ...(tls !== undefined ? { tls } : {}),
    ...(apiKey ? { apiKey } : {}),
    ...(metadata && Object.keys(metadata).length ? { metadata: metadata as Record<string, string> } : {}),
  };
}

/**
 * The options `Connection.connect` and `NativeConnection.connect` take for an endpoint.
 *
 * @example
 * const connection = await Connection.connect(connectionOptions(server));
 */
export function connectionOptions(endpoint: ServerEndpoint): {
  address: string;
  tls?: ConnectionOptions['tls'];
  apiKey?: string;
  metadata?: Record<string, string>;
} {
  const { address, tls, apiKey, metadata } = endpoint;
  return { address, tls, apiKey, metadata };
}

/**
 * One line explaining a failure to reach the server at `address`: what went wrong and which
 * setting points there. Undefined when `err` is not a connection failure, so a caller can print
 * the line and exit, or rethrow anything else.
 *
 * @example
 * main().catch((err) => {
 *   const line = describeConnectionError(err, address);
 *   console.error(line ?? err);
 *   process.exit(1);
 * });
 */
export function describeConnectionError(err: unknown, address: string): string | undefined {
  if (err instanceof TemporalServerUnreachableError) return err.message;
  const reason = connectionFailureReason(err);
  if (!reason) return undefined;
  return `Cannot reach a Temporal server at ${address} (${reason}); ${whereAddressComesFrom(address)}.`;
}

/**
 * Runs `connect` (any `Connection.connect` / `NativeConnection.connect` / client call) and turns a
 * failure to reach `address` into a {@link TemporalServerUnreachableError} whose message is the one
 * line of {@link describeConnectionError}. Other errors pass through unchanged.
 *
 * @example
 * const connection = await connectOrExplain(server.address, () => Connection.connect(connectionOptions(server)));
 */
export async function connectOrExplain<T>(address: string, connect: () => Promise<T>): Promise<T> {
  try {
    return await connect();
  } catch (err) {
    const line = describeConnectionError(err, address);
    if (line) throw new TemporalServerUnreachableError(line, address, { cause: err });
    throw err;
  }
}

/** A short reason when `err` (or one of its causes) says the server could not be reached. */
function connectionFailureReason(err: unknown): string | undefined {
  for (let current = err, depth = 0; current && depth < 5; depth += 1) {
    const { name, message, code, cause } = current as {
      name?: string;
      message?: string;
      code?: unknown;
      cause?: unknown;
    };
    const text = String(message ?? '');
    if (/ConnectionRefused|ECONNREFUSED|Connection refused/i.test(text)) return 'connection refused';
    if (/dns error|ENOTFOUND|EAI_AGAIN|Name or service not known/i.test(text)) return 'host not found';
    if (/Failed to connect before the deadline/i.test(text)) return 'no answer before the connect timeout';
    if (name === 'TransportError') return text.split('\n')[0] || 'transport error';
    // gRPC UNAVAILABLE, from the client's ServiceError or a raw grpc-js error.
    if (code === 14 || /^14 UNAVAILABLE/.test(text)) return 'unavailable';
    current = cause;
  }
  return undefined;
}

/** Which setting to change so the harness talks to another server (or starts its own). */
function whereAddressComesFrom(address: string): string {
  const env = process.env;
  if (env.TEMPORAL_ADDRESS === address) {
    return 'TEMPORAL_ADDRESS points there: correct it, or unset it to let the harness start a dev server';
  }
  if (!env.TEMPORAL_ADDRESS) {
    try {
      if (endpointFromEnv()?.address === address) {
        const profile = env.TEMPORAL_PROFILE || 'default';
        const file = env.TEMPORAL_CONFIG_FILE || 'the default temporal.toml';
        return `profile "${profile}" in ${file} points there: correct its address, or set TEMPORAL_ADDRESS / TEMPORAL_PROFILE`;
      }
    } catch {
      // Broken settings are reported where they are loaded; here we only want a hint.
    }
  }
  return 'is the server still running? Set TEMPORAL_ADDRESS to use another one';
}
