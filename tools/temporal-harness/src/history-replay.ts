import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { bundleOnce } from './bundle-once.js';

const { History } = temporal.api.history.v1;
type IHistory = temporal.api.history.v1.IHistory;

/**
 * In a histories folder, maps a history file to the id of the workflow it was recorded from. Replay needs
 * the real id where the workflow derives other ids from it (child and stage workflow ids).
 */
export const WORKFLOW_IDS_FILE = 'workflow-ids.json';

/** A history to replay and the workflow id to replay it under. */
export interface HistoryToReplay {
  workflowId: string;
  /** A history as fetched from the server or decoded from a `.pb` file. */
  history: IHistory;
}

/** A history file of a histories folder, loaded. */
export interface RecordedHistory extends HistoryToReplay {
  file: string;
}

/** Options for {@link defineHistoryReplayTests}. */
export interface HistoryReplayTestOptions {
  /**
   * Folder of recorded histories: `*.pb`, the protobuf encoding the server uses (what {@link recordHistory}
   * writes), and the optional `workflow-ids.json`. JSON histories are not read: with this install's two
   * protobufjs copies the SDK's `historyFromJSON` throws "type must be a Type".
   */
  historiesDir: string | URL;
  /** The workflows file the histories replay against, bundled as a worker would bundle it. */
  workflowsPath: string | URL;
  /** Fewest histories the folder must hold, so an emptied folder fails instead of passing. Defaults to 1. */
  minHistories?: number;
  /**
   * Workflow id for a history file; `undefined` falls back to the default: the id `workflow-ids.json`
   * names, else the URI-decoded file name before `--run-<n>`, else the file name without its extension.
   */
  workflowIdOf?: (file: string) => string | undefined;
  /** A test that records the histories anew, skipped unless the environment variable `record.env` is `1`. */
  record?: {
    /** The environment variable that turns recording on, e.g. `MUTEX_RECORD_HISTORIES`. */
    env: string;
    /** The test's title. Defaults to "records the histories". */
    title?: string;
    /** The test's timeout. Defaults to the project's `testTimeout`. */
    timeoutMs?: number;
    /** Runs the workflows and saves their histories, typically with {@link recordHistory}. */
    run: () => Promise<void>;
  };
}

const asPath = (location: string | URL): string =>
  location instanceof URL || location.startsWith('file:') ? fileURLToPath(location) : location;

/** The workflow id a recorded history file replays under; see {@link HistoryReplayTestOptions.workflowIdOf}. */
export function recordedWorkflowId(file: string, workflowIds: Record<string, string> = {}): string {
  const named = workflowIds[file];
  if (named) return named;
  const stem = file.replace(/\.pb$/, '');
  const run = /^(.*)--run-\d+$/.exec(stem);
  return decodeURIComponent(run ? run[1]! : stem);
}

/** Every history file (`*.pb`) of a folder, loaded, in file-name order. */
export function loadRecordedHistories(
  historiesDir: string | URL,
  workflowIdOf: (file: string) => string | undefined = () => undefined,
): RecordedHistory[] {
  const dir = asPath(historiesDir);
  const idsPath = path.join(dir, WORKFLOW_IDS_FILE);
  const workflowIds = existsSync(idsPath)
    ? (JSON.parse(readFileSync(idsPath, 'utf8')) as Record<string, string>)
    : {};
  return readdirSync(dir)
    .filter((file) => file.endsWith('.pb'))
    .sort()
    .map((file) => ({
      file,
      workflowId: workflowIdOf(file) ?? recordedWorkflowId(file, workflowIds),
      history: History.decode(readFileSync(path.join(dir, file))),
    }));
}

/**
 * Replays histories against a workflows file and lists the failures as `<file> (<workflow id>): <error>` (empty
 * when every history replays). A history that throws during replay is a non-determinism: the change
 * would break workflows already running.
 */
export async function replayHistoryFailures(
  workflowsPath: string | URL,
  histories: readonly HistoryToReplay[],
): Promise<{ replayed: number; failures: string[] }> {
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: await bundleOnce(asPath(workflowsPath)) },
    histories,
  )) {
    // One result per history, in order: name the file where there is one (several runs share an id).
    const source = histories[replayed];
    const name =
      source && 'file' in source ? `${String(source.file)} (${result.workflowId})` : result.workflowId;
    replayed += 1;
    if (result.error) failures.push(`${name}: ${String(result.error)}`);
  }
  return { replayed, failures };
}

/** Replays histories against a workflows file; throws naming every history that did not replay. */
export async function replayHistories(
  workflowsPath: string | URL,
  histories: readonly HistoryToReplay[],
): Promise<number> {
  const { replayed, failures } = await replayHistoryFailures(workflowsPath, histories);
  if (failures.length > 0)
    throw new Error(`${failures.length} histories did not replay:\n${failures.join('\n')}`);
  if (replayed !== histories.length) throw new Error(`${replayed} of ${histories.length} histories replayed`);
  return replayed;
}

/**
 * Every run of a workflow, first to last, following the continue-as-new chain from `firstRunId` (by
 * default the chain's first run, as the server describes it).
 */
export async function fetchRunHistories(
  client: Client,
  workflowId: string,
  firstRunId?: string,
): Promise<IHistory[]> {
  let runId: string | undefined =
    firstRunId ||
    (await client.workflow.getHandle(workflowId).describe()).raw.workflowExecutionInfo?.firstRunId ||
    undefined;
  if (!runId) throw new Error(`The server does not name the first run of ${workflowId}: pass firstRunId`);
  const runs: IHistory[] = [];
  while (runId) {
    const history: IHistory = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    runs.push(history);
    runId =
      history.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId || undefined;
  }
  return runs;
}

/** Where and what {@link recordHistory} saves. */
export interface RecordHistoryOptions {
  /** The histories folder, created when missing. */
  historiesDir: string | URL;
  workflowId: string;
  /** The run to save. Defaults to the latest run. */
  runId?: string;
  /** File name without `.pb`. Defaults to the URI-encoded workflow id. */
  file?: string;
}

function writeHistory(dir: string, file: string, workflowId: string, history: IHistory): string {
  mkdirSync(dir, { recursive: true });
  const target = path.join(dir, `${file}.pb`);
  writeFileSync(target, History.encode(History.create(history)).finish());
  const idsPath = path.join(dir, WORKFLOW_IDS_FILE);
  const workflowIds = existsSync(idsPath)
    ? (JSON.parse(readFileSync(idsPath, 'utf8')) as Record<string, string>)
    : {};
  workflowIds[`${file}.pb`] = workflowId;
  const sorted = Object.fromEntries(Object.entries(workflowIds).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(idsPath, `${JSON.stringify(sorted, null, 2)}\n`);
  return target;
}

/**
 * Saves one run's history as `<file>.pb` (the protobuf encoding the server itself uses) and notes its
 * workflow id in `workflow-ids.json`, so the replay runs it under the id it was recorded with. Returns the
 * path written.
 */
export async function recordHistory(client: Client, options: RecordHistoryOptions): Promise<string> {
  const { workflowId, runId, file = encodeURIComponent(workflowId) } = options;
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return writeHistory(asPath(options.historiesDir), file, workflowId, history);
}

/**
 * Saves every run of a workflow (continue-as-new makes several) as `<file>--run-<n>.pb`, n from 1, and
 * returns how many runs it saved. The workflow must have run to its last run's close or be terminated;
 * an open run is saved as far as it got.
 */
export async function recordHistoryRuns(
  client: Client,
  options: Omit<RecordHistoryOptions, 'runId'> & { firstRunId?: string },
): Promise<number> {
  const { workflowId, file = encodeURIComponent(workflowId) } = options;
  const runs = await fetchRunHistories(client, workflowId, options.firstRunId);
  runs.forEach((history, i) =>
    writeHistory(asPath(options.historiesDir), `${file}--run-${i + 1}`, workflowId, history),
  );
  return runs.length;
}

/**
 * Declares the `recorded histories` tests: every history in `historiesDir` must replay against
 * `workflowsPath` without non-determinism, so a change that would break workflows already running fails
 * CI. With `record`, also a test that records the histories anew when its environment variable is `1`
 * (only for an intended, versioned change; never to make a failing replay pass).
 *
 * @example
 * const env = useTemporalTestEnv();
 * defineHistoryReplayTests({
 *   historiesDir: new URL('../__histories__/', import.meta.url),
 *   workflowsPath: new URL('./test-workflows.ts', import.meta.url),
 *   record: {
 *     env: 'MUTEX_RECORD_HISTORIES',
 *     run: () => env.withWorker({ workflowsPath }, async (taskQueue) => {
 *       const handle = await env.client.workflow.start(exclusiveWorker, { taskQueue, workflowId: 'recorded', args });
 *       await handle.result();
 *       await recordHistory(env.client, { historiesDir, workflowId: handle.workflowId });
 *     }),
 *   },
 * });
 */
export function defineHistoryReplayTests(options: HistoryReplayTestOptions): void {
  const { historiesDir, workflowsPath, minHistories = 1, workflowIdOf, record } = options;
  describe('recorded histories', () => {
    if (record) {
      it.runIf(process.env[record.env] === '1')(
        record.title ?? 'records the histories',
        () => record.run(),
        record.timeoutMs,
      );
    }

    it('replay against the current code without non-determinism', async () => {
      const histories = loadRecordedHistories(historiesDir, workflowIdOf);
      expect(histories.length, `histories in ${asPath(historiesDir)}`).toBeGreaterThanOrEqual(minHistories);
      const { replayed, failures } = await replayHistoryFailures(workflowsPath, histories);
      expect(failures).toEqual([]);
      expect(replayed).toBe(histories.length);
    });
  });
}
