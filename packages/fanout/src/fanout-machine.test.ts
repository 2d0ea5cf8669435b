import { payloadSize } from '@temporal-patterns/signal-utils/pattern-kit';
import { describe, expect, it } from 'vitest';
import type { FanoutReport } from './definitions.js';
import { FanoutMachine, type FanoutCommand } from './fanout-machine.js';
import { InvalidFanoutInputError } from './errors.js';
import {
  DEFAULT_MAX_RESULT_REF_BYTES,
  FANOUT_STATE_BUDGET_BYTES,
  MAX_OUTCOME_ERROR_BYTES,
  validateFanoutOptions,
  type FanoutOptions,
} from './fanout-options.js';

type Options = Partial<FanoutOptions>;

function configOf(options: Options = {}) {
  return validateFanoutOptions({ childWorkflowType: 'child', inputs: ['a', 'b', 'c', 'd'], ...options });
}

function machineOf(options: Options = {}, now = 0): FanoutMachine {
  return new FanoutMachine(configOf(options), { childIdPrefix: 'p/', fanoutId: 'f', now });
}

function report(
  index: number,
  status: FanoutReport['status'],
  extra: Partial<FanoutReport> = {},
): FanoutReport {
  return { fanoutId: 'f', parentWorkflowId: 'p', index, childId: `p/${index}`, status, ...extra };
}

/** Commands as short strings: `start 0`, `release 1`, `clean-up 2 fail-fast`, `cancel 3`. */
function brief(commands: FanoutCommand[]): string[] {
  return commands.map((c) => `${c.kind} ${c.index}${c.kind === 'clean-up' ? ` ${c.reason}` : ''}`);
}

/**
 * Launches and acknowledges every start until nothing more is launched, as the workflow's loop does over
 * its passes; returns every command.
 */
function launch(machine: FanoutMachine, now = 0): string[] {
  const all: FanoutCommand[] = [];
  for (;;) {
    const commands = machine.launch(now);
    if (commands.length === 0) return brief(all);
    for (const c of commands) if (c.kind === 'start') machine.started(c.index);
    all.push(...commands);
  }
}

const statuses = (machine: FanoutMachine) => machine.summary().outcomes.map((o) => o.status);

describe('FanoutMachine', () => {
  it('starts children ahead of the window and releases them in input order while fewer than window run', () => {
    const machine = machineOf({ inputs: ['a', 'b', 'c', 'd', 'e'], window: 2, startAhead: 2 });
    expect(brief(machine.launch(0))).toEqual(['start 0', 'start 1']);
    // Not acknowledged yet: nothing to release, and no more starts while two wait.
    expect(machine.launch(0)).toEqual([]);
    machine.started(0);
    machine.started(1);
    expect(machine.launch(5)).toEqual([
      { kind: 'release', index: 0, input: 'a' },
      { kind: 'release', index: 1, input: 'b' },
    ]);
    expect(launch(machine)).toEqual(['start 2', 'start 3']);
    expect(machine.running()).toBe(2);
  });

  it('frees a slot when a child reports, so the next waiting child is released', () => {
    const machine = machineOf({ window: 1 });
    expect(launch(machine)).toEqual(['start 0', 'release 0', 'start 1']);
    expect(launch(machine)).toEqual([]);
    expect(machine.report(report(0, 'done', { resultRef: 'r0', value: 3 }))).toBeUndefined();
    expect(launch(machine)).toEqual(['release 1', 'start 2']);
    expect(machine.summary().outcomes[0]).toEqual({
      index: 0,
      childId: 'p/0',
      status: 'done',
      resultRef: 'r0',
      value: 3,
    });
    expect(machine.progress(0)).toMatchObject({ started: 2, running: 1, done: 1, pending: 3, maxRunning: 1 });
  });

  it('counts the first report of a child and the later ones as duplicates', () => {
    const machine = machineOf({ window: 4 });
    launch(machine);
    machine.report(report(0, 'done', { value: 2 }));
    machine.report(report(0, 'done', { value: 2 }));
    machine.report(report(0, 'failed', { error: 'late' }));
    // A child that cleaned up after its outcome was decided is no duplicate.
    machine.report(report(0, 'cleaned-up'));
    expect(machine.summary()).toMatchObject({ done: 1, failed: 0, valueSum: 2, duplicateReports: 2 });
  });

  it('rejects reports it cannot place, saying why, and counts them', () => {
    const machine = machineOf({ window: 1 });
    launch(machine);
    expect(machine.report({ ...report(0, 'done'), fanoutId: 'older' })).toBe('it belongs to fan-out older');
    expect(machine.report(report(9, 'done'))).toBe('index out of range (4 children)');
    expect(machine.report({ ...report(0, 'done'), childId: 'someone' })).toBe('expected child id p/0');
    expect(machine.report(report(1, 'done'))).toBe('the child was never released');
    machine.rejectMalformed();
    expect(machine.progress(0)).toMatchObject({ rejectedReports: 5, done: 0, pending: 4 });
  });

  it('fail-fast: the first failure cleans up the running and waiting children and skips the rest', () => {
    const machine = machineOf({
      inputs: ['a', 'b', 'c', 'd', 'e', 'f'],
      window: 2,
      startAhead: 2,
      policy: 'fail-fast',
    });
    launch(machine);
    machine.report(report(0, 'failed', { error: 'boom' }));
    const { commands, stopped } = machine.step(100);
    expect(stopped).toMatchObject({ status: 'failed', reason: 'fail-fast', counts: { failed: 1 } });
    expect(brief(commands)).toEqual(['clean-up 1 fail-fast', 'clean-up 2 fail-fast', 'clean-up 3 fail-fast']);
    expect(statuses(machine)).toEqual(['failed', 'cancelled', 'skipped', 'skipped', 'skipped', 'skipped']);
    expect(machine.summary().outcomes[1]!.error).toBe('cancelled (fail-fast)');
    expect(machine.launch(100)).toEqual([]);
    expect(machine.progress(0).phase).toBe('cleaning-up');
  });

  it('quorum: completes as soon as k children are done', () => {
    const machine = machineOf({ window: 4, policy: { quorum: 2 } });
    launch(machine);
    machine.report(report(1, 'done'));
    expect(machine.step(0).stopped).toBeUndefined();
    machine.report(report(3, 'done'));
    const { commands, stopped } = machine.step(0);
    expect(stopped).toMatchObject({ status: 'completed', reason: 'quorum-reached' });
    expect(brief(commands)).toEqual(['clean-up 0 quorum-reached', 'clean-up 2 quorum-reached']);
    expect(machine.summary()).toMatchObject({
      status: 'completed',
      reason: 'quorum-reached',
      done: 2,
      cancelled: 2,
    });
  });

  it('quorum: fails as soon as k can no longer be reached', () => {
    const machine = machineOf({ window: 4, policy: { quorum: 3 } });
    launch(machine);
    machine.report(report(0, 'failed'));
    expect(machine.step(0).stopped).toBeUndefined();
    machine.report(report(2, 'failed'));
    expect(machine.step(0).stopped).toMatchObject({ status: 'failed', reason: 'quorum-impossible' });
  });

  it('times out a released child at its timeout, and cancels it when the clean-up grace runs out', () => {
    const machine = machineOf({ inputs: ['a', 'b'], window: 1, childTimeout: '10s', cleanupGrace: '2s' });
    launch(machine, 1_000);
    expect(machine.nextWakeAt()).toBe(11_000);
    expect(machine.step(10_999).commands).toEqual([]);
    expect(brief(machine.step(11_000).commands)).toEqual(['clean-up 0 timed-out']);
    expect(machine.summary().outcomes[0]).toMatchObject({
      status: 'timed-out',
      error: 'no report before the deadline',
    });
    // The child keeps its slot until it ends: nothing is released meanwhile.
    expect(launch(machine, 11_000)).toEqual([]);
    expect(machine.nextWakeAt()).toBe(13_000);
    expect(brief(machine.step(13_000).commands)).toEqual(['cancel 0']);
    expect(machine.nextWakeAt()).toBeUndefined();
    machine.ended(0);
    expect(launch(machine, 13_000)).toEqual(['release 1']);
  });

  it('sends the earlier of the child timeout and the overall deadline with the start signal', () => {
    const machine = machineOf({ inputs: ['a', 'b'], window: 1, childTimeout: '10s', deadline: '15s' });
    machine.launch(0);
    machine.started(0);
    expect(machine.launch(1_000)).toEqual([{ kind: 'release', index: 0, input: 'a', deadline: 11_000 }]);
    machine.report(report(0, 'done'));
    machine.launch(8_000);
    machine.started(1);
    expect(machine.launch(8_000)).toEqual([{ kind: 'release', index: 1, input: 'b', deadline: 15_000 }]);
  });

  it('at the overall deadline, times out running children, skips the others and stops waking', () => {
    const machine = machineOf({ window: 2, startAhead: 1, deadline: '1m' });
    launch(machine);
    expect(machine.nextWakeAt()).toBe(60_000);
    const { commands, stopped } = machine.step(60_000);
    expect(stopped).toMatchObject({ status: 'timed-out', reason: 'timed-out' });
    expect(brief(commands)).toEqual(['clean-up 0 timed-out', 'clean-up 1 timed-out', 'clean-up 2 timed-out']);
    expect(statuses(machine)).toEqual(['timed-out', 'timed-out', 'skipped', 'skipped']);
    // Only the clean-up grace (10 s by default) is left to wait for.
    expect(machine.nextWakeAt()).toBe(70_000);
  });

  it('fails a child that closes without reporting; a close after its report changes nothing', () => {
    const machine = machineOf({ window: 2 });
    launch(machine);
    machine.report(report(0, 'done'));
    expect(machine.childClosed(0, 'the child ended without reporting')).toBe(false);
    expect(machine.childClosed(1, 'the child ended without reporting')).toBe(true);
    expect(machine.summary().outcomes[1]).toMatchObject({
      status: 'failed',
      error: 'the child ended without reporting',
    });
    expect(machine.running()).toBe(0);
  });

  it('fails a child that could not be started or released, and frees its place', () => {
    const machine = machineOf({ inputs: ['a', 'b', 'c'], window: 1, startAhead: 1 });
    machine.launch(0);
    machine.startFailed(0, 'already started');
    expect(launch(machine)).toEqual(['start 1', 'release 1', 'start 2']);
    machine.releaseFailed(1, 'not found');
    expect(machine.summary().outcomes.map((o) => o.error)).toEqual([
      'could not start: already started',
      'could not release: not found',
      undefined,
    ]);
    expect(launch(machine)).toEqual(['release 2']);
  });

  it('when the parent is cancelled, cleans up every started child and skips the rest', () => {
    const machine = machineOf({ window: 1, startAhead: 1 });
    launch(machine);
    machine.cancel();
    const { commands, stopped } = machine.step(0);
    // The cancellation is the workflow's decision, not the step's.
    expect(stopped).toBeUndefined();
    expect(brief(commands)).toEqual(['clean-up 0 cancelled', 'clean-up 1 cancelled']);
    expect(statuses(machine)).toEqual(['cancelled', 'skipped', 'skipped', 'skipped']);
  });

  it('is finished once every child has an outcome and has ended and no command is in flight', () => {
    const machine = machineOf({ inputs: ['a'] });
    launch(machine);
    machine.report(report(0, 'done'));
    expect(machine.finished(1)).toBe(false);
    expect(machine.finished(0)).toBe(true);
    expect(machine.progress(0)).toMatchObject({ phase: 'finished', pending: 0, running: 0 });
    expect(machine.summary()).toMatchObject({ status: 'completed', total: 1, done: 1, runs: 1 });
  });

  it('carries children in flight, outcomes and counts into the next run', () => {
    const options = { inputs: ['a', 'b', 'c', 'd', 'e'], window: 2, startAhead: 1, childTimeout: '5s' };
    const machine = machineOf(options);
    launch(machine, 1_000);
    machine.report(report(0, 'done', { value: 4 }));
    expect(machine.madeProgress).toBe(true);
    const next = new FanoutMachine(configOf(options), {
      childIdPrefix: 'p/',
      fanoutId: 'a later run id',
      now: 2_000,
      carried: JSON.parse(JSON.stringify(machine.snapshot())),
    });
    expect(next.madeProgress).toBe(false);
    expect(next.fanoutId).toBe('f');
    expect(next.progress(0)).toEqual({ ...machine.progress(0), run: 2 });
    expect(next.nextWakeAt()).toBe(6_000);
    // Child 2 waited in the last run: this run releases it, then starts child 3.
    expect(launch(next, 2_000)).toEqual(['release 2', 'start 3']);
    expect(brief(next.step(6_000).commands)).toEqual(['clean-up 1 timed-out']);
  });

  it('checks the running children an earlier run started every livenessCheckInterval, and only those', () => {
    const options = { inputs: ['a', 'b', 'c', 'd'], window: 2, startAhead: 1 };
    const machine = machineOf(options);
    expect(launch(machine)).toEqual(['start 0', 'release 0', 'start 1', 'release 1', 'start 2']);
    // This run started them: it hears of their closing, so it never checks them.
    expect(machine.step(0).commands).toEqual([]);
    expect(machine.nextWakeAt()).toBeUndefined();
    const next = new FanoutMachine(configOf(options), {
      childIdPrefix: 'p/',
      fanoutId: 'a later run id',
      now: 1_000,
      carried: JSON.parse(JSON.stringify(machine.snapshot())),
    });
    expect(next.step(1_000).commands).toEqual([]);
    expect(next.nextWakeAt()).toBe(61_000); // the default interval, 1 minute
    expect(next.step(60_999).commands).toEqual([]);
    // Child 2 waits for its release (which fails if it closed); only the running ones are checked.
    expect(brief(next.step(61_000).commands)).toEqual(['check 0', 'check 1']);
    expect(next.madeProgress).toBe(true);
    expect(next.childClosed(1, 'the child closed without reporting')).toBe(true);
    expect(brief(next.step(121_000).commands)).toEqual(['check 0']);
    expect(next.summary().outcomes[1]).toMatchObject({ status: 'failed' });
    next.report(report(0, 'done'));
    expect(next.step(181_000).commands).toEqual([]);
    expect(next.nextWakeAt()).toBeUndefined();
  });

  it('issues no liveness checks when replaying a run recorded before they existed', () => {
    const machine = machineOf({ window: 1, livenessCheckInterval: '1s' });
    launch(machine);
    const next = new FanoutMachine(configOf({ window: 1, livenessCheckInterval: '1s' }), {
      childIdPrefix: 'p/',
      fanoutId: 'x',
      now: 0,
      carried: machine.snapshot(),
      checkLiveness: false,
    });
    expect(next.step(0).commands).toEqual([]);
    expect(next.step(5_000).commands).toEqual([]);
    expect(next.nextWakeAt()).toBeUndefined();
  });

  it('fails a child whose resultRef is over maxResultRefBytes (1 KiB by default) and cuts long errors', () => {
    const machine = machineOf({ window: 4 });
    launch(machine);
    machine.report(report(0, 'done', { resultRef: 'r'.repeat(1022) }));
    machine.report(report(1, 'done', { resultRef: 'r'.repeat(1023) }));
    machine.report(report(2, 'failed', { error: 'e'.repeat(10_000) }));
    const [fits, tooLarge, failed] = machine.summary().outcomes;
    expect(fits).toMatchObject({ status: 'done' });
    expect(tooLarge).toMatchObject({
      status: 'failed',
      error: 'resultRef takes 1025 bytes, more than maxResultRefBytes (1024)',
    });
    expect(failed!.error).toMatch(/^e+…$/);
    expect(payloadSize(failed!.error)).toBeLessThanOrEqual(MAX_OUTCOME_ERROR_BYTES);
    expect(machine.summary()).toMatchObject({ done: 1, failed: 2 });
  });

  it('lowers the default resultRef cap so that many children fit the state budget, and refuses more', () => {
    const inputs = (n: number) => Array.from({ length: n }, (_, i) => `${i}`);
    expect(configOf({ inputs: inputs(1000) }).maxResultRefBytes).toBe(DEFAULT_MAX_RESULT_REF_BYTES);
    const many = configOf({ inputs: inputs(10_000) }).maxResultRefBytes!;
    expect(many).toBeLessThan(DEFAULT_MAX_RESULT_REF_BYTES);
    // Each summary outcome adds about 112 bytes of keys and numbers to its resultRef.
    expect(10_000 * (many + 112)).toBeLessThanOrEqual(FANOUT_STATE_BUDGET_BYTES);
    expect(() => configOf({ inputs: inputs(50_000) })).toThrow(InvalidFanoutInputError);
    expect(() => configOf({ inputs: inputs(10_000), maxResultRefBytes: many + 1 })).toThrow(
      /maxResultRefBytes/,
    );
  });

  it('never runs more than the window, whatever order the reports come in', () => {
    const inputs = Array.from({ length: 40 }, (_, i) => `in:${i}`);
    const machine = machineOf({ inputs, window: 3, startAhead: 2 });
    const released: number[] = [];
    let seed = 7;
    const random = (): number => (seed = (seed * 48271) % 2147483647);
    while (!machine.finished(0)) {
      for (const command of launch(machine)) {
        const [kind, index] = command.split(' ');
        if (kind === 'release') released.push(Number(index));
      }
      expect(machine.running()).toBe(released.length);
      expect(released.length).toBeGreaterThan(0);
      const [index] = released.splice(random() % released.length, 1);
      expect(machine.report(report(index!, random() % 3 ? 'done' : 'failed'))).toBeUndefined();
    }
    expect(machine.summary()).toMatchObject({ total: 40, maxRunning: 3, rejectedReports: 0 });
    expect(machine.summary().done + machine.summary().failed).toBe(40);
  });
});
