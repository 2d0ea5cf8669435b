import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countdown } from './__tests__/replay-workflows.js';
import {
  defineHistoryReplayTests,
  loadRecordedHistories,
  recordedWorkflowId,
  recordHistory,
  recordHistoryRuns,
  replayHistories,
  replayHistoryFailures,
} from './history-replay.js';
import { useTemporalTestEnv } from './testing.js';

const workflowsPath = fileURLToPath(new URL('./__tests__/replay-workflows.ts', import.meta.url));
const changedWorkflowsPath = fileURLToPath(
  new URL('./__tests__/replay-workflows-changed.ts', import.meta.url),
);
const env = useTemporalTestEnv();

describe('recordedWorkflowId', () => {
  it('takes the id workflow-ids.json names, then the encoded id before --run-<n>, then the file name', () => {
    const ids = { 'parent-run-0.pb': 'carried-c142c655' };
    expect(recordedWorkflowId('parent-run-0.pb', ids)).toBe('carried-c142c655');
    expect(recordedWorkflowId('recorded-e8d402bb%2Fstage%2FA--run-3.pb')).toBe('recorded-e8d402bb/stage/A');
    expect(recordedWorkflowId('breaker-run-1.pb')).toBe('breaker-run-1');
  });
});

describe('recording and replaying histories', () => {
  async function runCountdown(runs: number): Promise<string> {
    return env.withWorker({ workflowsPath }, async (taskQueue) => {
      const handle = await env.client.workflow.start(countdown, {
        taskQueue,
        workflowId: `${env.taskQueue('countdown')}/with-slash`,
        args: [runs],
      });
      await handle.result();
      return handle.workflowId;
    });
  }

  it('saves every run of a continued-as-new workflow, and the folder replays under the recorded id', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'histories-'));
    const workflowId = await runCountdown(3);
    expect(await recordHistoryRuns(env.client, { historiesDir: dir, workflowId, file: 'countdown' })).toBe(3);
    const last = await recordHistory(env.client, { historiesDir: new URL(`file://${dir}/`), workflowId });
    expect(path.basename(last)).toBe(`${encodeURIComponent(workflowId)}.pb`);

    expect(readdirSync(dir).sort()).toEqual(
      [
        'countdown--run-1.pb',
        'countdown--run-2.pb',
        'countdown--run-3.pb',
        `${encodeURIComponent(workflowId)}.pb`,
        'workflow-ids.json',
      ].sort(),
    );
    const histories = loadRecordedHistories(dir);
    expect(histories.map((h) => h.workflowId)).toEqual([workflowId, workflowId, workflowId, workflowId]);
    expect(await replayHistories(workflowsPath, histories)).toBe(4);
  });

  it('names every history that no longer replays against changed workflow code', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'histories-'));
    const workflowId = await runCountdown(2);
    await recordHistoryRuns(env.client, { historiesDir: dir, workflowId, file: 'countdown' });
    const histories = loadRecordedHistories(dir);

    const { replayed, failures } = await replayHistoryFailures(changedWorkflowsPath, histories);
    expect(replayed).toBe(2);
    expect(failures).toHaveLength(2);
    expect(failures[0]).toMatch(new RegExp(`^countdown--run-1\\.pb \\(${workflowId}\\): .*[Nn]ondetermin`));
    await expect(replayHistories(changedWorkflowsPath, histories)).rejects.toThrow(
      /2 histories did not replay:\ncountdown--run-1\.pb/,
    );
  });
});

// The wrapper end to end: its record test (turned on here) fills a folder that its replay test then replays.
const declaredDir = mkdtempSync(path.join(os.tmpdir(), 'histories-'));
process.env.TEMPORAL_HARNESS_TEST_RECORD_HISTORIES = '1';
defineHistoryReplayTests({
  historiesDir: declaredDir,
  workflowsPath,
  minHistories: 2,
  record: {
    env: 'TEMPORAL_HARNESS_TEST_RECORD_HISTORIES',
    title: 'records a countdown that continues as new',
    run: () =>
      env.withWorker({ workflowsPath }, async (taskQueue) => {
        const handle = await env.client.workflow.start(countdown, {
          taskQueue,
          workflowId: env.taskQueue('declared'),
          args: [2],
        });
        await handle.result();
        await recordHistoryRuns(env.client, { historiesDir: declaredDir, workflowId: handle.workflowId });
        expect(JSON.parse(readFileSync(path.join(declaredDir, 'workflow-ids.json'), 'utf8'))).toEqual({
          [`${handle.workflowId}--run-1.pb`]: handle.workflowId,
          [`${handle.workflowId}--run-2.pb`]: handle.workflowId,
        });
      }),
  },
});
