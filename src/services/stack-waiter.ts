import pLimit from 'p-limit';
import type { CloudFormationPort, StackRecord } from '../aws/ports.js';
import { IrsaError } from '../errors.js';
import { isMoving, MOVING_STACK_STATUSES } from '../cfn/stack-status.js';
import { sleepUnlessStopped } from '../net/run-control.js';

// Waits for many stacks with one poller, so that the requests do not grow with the stacks in the region: a tick
// with one stack in flight describes it by name; with several, one ListStacks filtered to the statuses still
// moving (in a crowded region only the busy stacks are listed), then one DescribeStacks by name or ID for each
// stack that has stopped, for its final status and outputs. Never DescribeStacks without a name. One deadline for
// the run. A stack that cannot finish by itself (REVIEW_IN_PROGRESS) ends the wait at once.
//
// The schedule (pollDelay): one poll a second while any stack in flight is young (an IAM role stack takes 10-30 s on
// AWS, so a finish is noticed within about a second), then growing by half to maxIntervalMs for the ones that take
// long. Cheap because one tick costs one request whatever the number of stacks: 50 stacks of 20 s cost about 25
// ListStacks in all. The SDK's own retries (adaptive for CloudFormation) still absorb throttling inside a tick.

export interface WaiterOptions {
  /** absolute time (ms since epoch) after which waiting fails with TIMEOUT */
  deadline: number;
  /** the delay between polls while some stack in flight is younger than quickForMs */
  intervalMs: number;
  /** after that, the delay grows by half each tick up to this */
  maxIntervalMs: number;
  /** how long a stack counts as young (default QUICK_POLL_FOR_MS) */
  quickForMs?: number;
  signal?: AbortSignal;
}

interface Pending {
  stackId: string;
  since: number;
  resolve: (r: StackRecord | undefined) => void;
  reject: (e: unknown) => void;
}

/** An IAM role stack's usual time on AWS, and then some: polled every intervalMs until this old. */
export const QUICK_POLL_FOR_MS = 30_000;

/**
 * The delay before the next poll: the steady interval while the youngest stack in flight is young, else half as
 * long again as the last delay, up to the maximum. Pure, for the tests.
 */
export function pollDelay(lastDelayMs: number, youngestAgeMs: number, opts: Pick<WaiterOptions, 'intervalMs' | 'maxIntervalMs' | 'quickForMs'>): number {
  if (youngestAgeMs < (opts.quickForMs ?? QUICK_POLL_FOR_MS)) return opts.intervalMs;
  return Math.min(Math.max(opts.intervalMs, Math.round(lastDelayMs * 1.5)), Math.max(opts.intervalMs, opts.maxIntervalMs));
}

export class StackWaiter {
  private readonly pending = new Map<string, Pending[]>();
  /** the status each stack had at the last poll, for the message when waiting runs out */
  private readonly lastStatus = new Map<string, string>();
  /** the same, by stack name, whichever key (name or ID) the stack is waited for by: for the progress lines */
  private readonly statusByName = new Map<string, string>();
  private running = false;
  private interval: number;
  /** DescribeStacks for the stacks that stopped in one tick: a few at a time, not a burst that draws throttling. */
  private readonly describeLimit = pLimit(8);

  constructor(
    private readonly cfn: CloudFormationPort,
    private readonly opts: WaiterOptions,
  ) {
    this.interval = opts.intervalMs;
  }

  /**
   * Resolves with the stack once it is no longer in progress, or undefined once it is gone.
   * `stackId` may be a name or an ID; pass the ID when waiting for a delete (a deleted stack is only
   * visible by ID).
   */
  wait(stackId: string): Promise<StackRecord | undefined> {
    return new Promise((resolve, reject) => {
      const list = this.pending.get(stackId) ?? [];
      list.push({ stackId, since: Date.now(), resolve, reject });
      this.pending.set(stackId, list);
      if (!this.running) void this.loop();
    });
  }

  /** The status a stack being waited for had at the last poll (undefined before its first). */
  statusOf(stackName: string): string | undefined {
    return this.statusByName.get(stackName);
  }

  private async loop(): Promise<void> {
    this.running = true;
    this.interval = this.opts.intervalMs;
    try {
      // Let the waits registered in the same turn (Promise.all over several stacks) join the first tick.
      await Promise.resolve();
      // First poll at once: a stack may already be done (and always is on moto).
      while (this.pending.size > 0) {
        // Checked before each poll: past the deadline no request is sent, and this message names the stack.
        if (Date.now() >= this.opts.deadline) {
          this.failAll((id) => this.timeoutError(id));
          break;
        }
        const tickStart = Date.now();
        await this.tick();
        if (this.pending.size === 0) break;
        this.interval = pollDelay(this.interval, this.youngestAgeMs(), this.opts);
        // Polls start one interval apart (the tick's own time counts), but never closer than half an interval.
        const pause = Math.max(this.interval - (Date.now() - tickStart), this.interval / 2);
        // A poll due at or after the deadline would not be sent (RunControl refuses it, with a message that names no
        // stack): wait for the deadline instead and end with the waiter's own message. Deciding here, not by reading
        // the clock after the timer (which may fire a millisecond early), keeps that message the only one.
        const untilDeadline = Math.max(0, this.opts.deadline - Date.now());
        const lastWait = pause >= untilDeadline;
        await sleepUnlessStopped(lastWait ? untilDeadline : pause, this.opts.signal);
        if (this.opts.signal?.aborted) {
          this.failAll(() => new IrsaError('INTERRUPTED', 'interrupted while waiting'));
          break;
        }
        if (lastWait) {
          this.failAll((id) => this.timeoutError(id));
          break;
        }
      }
    } finally {
      this.running = false;
    }
  }

  private youngestAgeMs(): number {
    let youngest = 0;
    for (const list of this.pending.values()) for (const p of list) youngest = Math.max(youngest, p.since);
    return Date.now() - youngest;
  }

  private async tick(): Promise<void> {
    const ids = [...this.pending.keys()];
    // Only the stacks looked at this tick: a stack still in the moving list stays pending without a request.
    const records = new Map<string, StackRecord | undefined>();
    try {
      if (ids.length === 1) {
        const id = ids[0]!;
        records.set(id, await this.cfn.describeStack(id));
      } else {
        const moving = await this.cfn.listStacks(MOVING_STACK_STATUSES);
        const busy = new Set(moving.flatMap((s) => [s.stackName, s.stackId]));
        for (const s of moving) {
          for (const key of [s.stackName, s.stackId]) if (this.pending.has(key)) this.lastStatus.set(key, s.status);
          if (this.pending.has(s.stackName) || this.pending.has(s.stackId)) this.statusByName.set(s.stackName, s.status);
        }
        const stopped = ids.filter((id) => !busy.has(id));
        await Promise.all(stopped.map((id) => this.describeLimit(async () => records.set(id, await this.cfn.describeStack(id)))));
      }
    } catch (err) {
      // The SDK has already retried; a persistent error ends every wait with it.
      this.failAll(() => err);
      return;
    }
    for (const [id, rec] of records) {
      if (rec) {
        this.lastStatus.set(id, rec.status);
        this.statusByName.set(rec.stackName, rec.status);
      }
      if (rec && isMoving(rec.status)) continue;
      this.statusByName.delete(rec?.stackName ?? id);
      const done = rec && rec.status === 'DELETE_COMPLETE' ? undefined : rec;
      for (const p of this.pending.get(id) ?? []) p.resolve(done);
      this.pending.delete(id);
    }
  }

  /** What was being waited for, for how long, and in which state: a run that cannot finish says so. */
  private timeoutError(id: string): IrsaError {
    const since = Math.min(...(this.pending.get(id) ?? []).map((p) => p.since));
    const waited = Number.isFinite(since) ? `waited ${Math.round((Date.now() - since) / 1000)}s, ` : '';
    const status = this.lastStatus.get(id);
    return new IrsaError('TIMEOUT', `timed out waiting for stack ${id}${status ? `, still ${status}` : ''} (${waited}--timeout ran out)`, {
      hint: 'CloudFormation goes on with it: run the same command again later (it picks up where this run stopped), or raise --timeout',
    });
  }

  private failAll(errFor: (id: string) => unknown): void {
    for (const [id, list] of this.pending) for (const p of list) p.reject(errFor(id));
    this.pending.clear();
  }
}
