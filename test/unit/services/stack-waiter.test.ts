/**
 * The stack waiter against an in-memory CloudFormationPort whose stacks advance one status per poll
 * (moto's stacks are complete at once, so it cannot show a wait at all).
 */
import { describe, expect, it } from 'vitest';
import { pollDelay, QUICK_POLL_FOR_MS, StackWaiter } from '../../../src/services/stack-waiter.js';
import type { CloudFormationPort, StackRecord, StackSummary } from '../../../src/aws/ports.js';
import { MOVING_STACK_STATUSES } from '../../../src/cfn/stack-status.js';
import { IrsaError } from '../../../src/errors.js';

/** Each stack walks through its statuses, one per time it is seen (by name or in a listing). */
class SequencedCfn implements CloudFormationPort {
  listCalls = 0;
  describeOneCalls = 0;
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly sequences: Record<string, (string | undefined)[]>,
    private readonly opts: { failWith?: Error; hiddenFromList?: string[] } = {},
  ) {}

  private rec(name: string): StackRecord | undefined {
    const seq = this.sequences[name];
    if (!seq) return undefined;
    const n = this.seen.get(name) ?? 0;
    this.seen.set(name, n + 1);
    const status = seq[Math.min(n, seq.length - 1)];
    return status === undefined ? undefined : { stackName: name, stackId: `id-${name}`, status, tags: {}, outputs: { Role1: `arn:${name}` }, capabilities: [] };
  }
  async listStacks(statuses: readonly string[]): Promise<StackSummary[]> {
    this.listCalls++;
    if (this.opts.failWith) throw this.opts.failWith;
    return Object.keys(this.sequences)
      .filter((n) => !this.opts.hiddenFromList?.includes(n))
      .flatMap((n) => this.rec(n) ?? [])
      .filter((r) => statuses.includes(r.status))
      .map((r) => ({ stackName: r.stackName, stackId: r.stackId, status: r.status }));
  }
  async describeStack(nameOrId: string): Promise<StackRecord | undefined> {
    this.describeOneCalls++;
    if (this.opts.failWith) throw this.opts.failWith;
    return this.rec(nameOrId.replace(/^id-/, ''));
  }
  createStack(): Promise<'created' | 'exists'> {
    throw new Error('not used');
  }
  updateStack(): Promise<'updated' | 'no-change'> {
    throw new Error('not used');
  }
  deleteStack(): Promise<void> {
    throw new Error('not used');
  }
  setTerminationProtection(): Promise<void> {
    throw new Error('not used');
  }
  getTemplate(): Promise<string> {
    throw new Error('not used');
  }
  async describeStackEvents() {
    return [];
  }
}

const fast = (deadlineMs = 10_000) => ({ deadline: Date.now() + deadlineMs, intervalMs: 5, maxIntervalMs: 20 });

describe('StackWaiter', () => {
  it('a stack already complete resolves on the first poll', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_COMPLETE'] });
    const rec = await new StackWaiter(cfn, fast()).wait('a');
    expect(rec?.status).toBe('CREATE_COMPLETE');
    expect(cfn.describeOneCalls).toBe(1);
    expect(cfn.listCalls).toBe(0);
  });

  it('polls through in-progress statuses to the terminal one, failed ones included', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'] });
    const rec = await new StackWaiter(cfn, fast()).wait('a');
    expect(rec?.status).toBe('ROLLBACK_COMPLETE');
    expect(cfn.describeOneCalls).toBe(4);
  });

  it('several stacks in flight share one ListStacks per tick, and each is described once, when it has stopped', async () => {
    const cfn = new SequencedCfn({
      a: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
      b: ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'],
      c: ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_FAILED'],
    });
    const waiter = new StackWaiter(cfn, fast());
    const [a, b, c] = await Promise.all([waiter.wait('a'), waiter.wait('b'), waiter.wait('c')]);
    expect([a?.status, b?.status, c?.status]).toEqual(['CREATE_COMPLETE', 'CREATE_COMPLETE', 'CREATE_FAILED']);
    // b needs four looks; with all three in flight they come from the shared list, not one call per stack.
    expect(cfn.listCalls).toBeLessThanOrEqual(4);
    // one DescribeStacks each, for its final status and outputs, once the listing no longer shows it moving
    expect(cfn.describeOneCalls).toBeLessThanOrEqual(3);
  });

  it('statusOf gives a stack\'s status at the last poll, by name whether it is waited for by name or ID, and forgets it once it stops', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_IN_PROGRESS', 'CREATE_IN_PROGRESS', 'CREATE_COMPLETE'], b: ['DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE'] });
    const waiter = new StackWaiter(cfn, { ...fast(), intervalMs: 30, maxIntervalMs: 30 });
    expect(waiter.statusOf('a')).toBeUndefined();
    const done = Promise.all([waiter.wait('a'), waiter.wait('id-b')]);
    await new Promise((r) => setTimeout(r, 10));
    expect([waiter.statusOf('a'), waiter.statusOf('b')]).toEqual(['CREATE_IN_PROGRESS', 'DELETE_IN_PROGRESS']);
    await done;
    expect([waiter.statusOf('a'), waiter.statusOf('b')]).toEqual([undefined, undefined]);
  });

  it('two waits for the same stack share its polls', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'] });
    const waiter = new StackWaiter(cfn, fast());
    const [x, y] = await Promise.all([waiter.wait('a'), waiter.wait('a')]);
    expect(x?.status).toBe('CREATE_COMPLETE');
    expect(y).toEqual(x);
    expect(cfn.describeOneCalls).toBe(2);
  });

  it('a deleted stack resolves undefined, whether DELETE_COMPLETE by ID or gone by name', async () => {
    const cfn = new SequencedCfn({ a: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'], b: ['DELETE_IN_PROGRESS', undefined] });
    const waiter = new StackWaiter(cfn, fast());
    expect(await waiter.wait('id-a')).toBeUndefined();
    expect(await waiter.wait('b')).toBeUndefined();
  });

  it('a stack missing from the moving list is looked up by ID', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'], gone: ['DELETE_IN_PROGRESS', 'DELETE_COMPLETE'] }, { hiddenFromList: ['gone'] });
    const waiter = new StackWaiter(cfn, fast());
    const [a, gone] = await Promise.all([waiter.wait('a'), waiter.wait('id-gone')]);
    expect(a?.status).toBe('CREATE_COMPLETE');
    expect(gone).toBeUndefined();
    expect(cfn.describeOneCalls).toBeGreaterThan(0);
  });

  it('past the deadline every pending wait fails with TIMEOUT naming its stack', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_IN_PROGRESS'], b: ['UPDATE_IN_PROGRESS'] });
    const waiter = new StackWaiter(cfn, fast(60));
    const results = await Promise.allSettled([waiter.wait('a'), waiter.wait('b')]);
    for (const [i, r] of results.entries()) {
      expect(r.status).toBe('rejected');
      const err = (r as PromiseRejectedResult).reason as IrsaError;
      expect(err).toBeInstanceOf(IrsaError);
      expect(err.code).toBe('TIMEOUT');
      expect(err.message).toContain(['a', 'b'][i]);
      expect(err.hint).toContain('--timeout');
    }
  });

  it('a persistent AWS error ends every wait with that error', async () => {
    const boom = new IrsaError('AWS', 'Rate exceeded');
    const waiter = new StackWaiter(new SequencedCfn({ a: ['CREATE_IN_PROGRESS'] }, { failWith: boom }), fast());
    await expect(waiter.wait('a')).rejects.toBe(boom);
  });

  it('an abort ends the wait with INTERRUPTED', async () => {
    const ctl = new AbortController();
    const waiter = new StackWaiter(new SequencedCfn({ a: ['CREATE_IN_PROGRESS'] }), { ...fast(), intervalMs: 1000, maxIntervalMs: 1000, signal: ctl.signal });
    const waiting = waiter.wait('a');
    setTimeout(() => ctl.abort(), 20);
    await expect(waiting).rejects.toMatchObject({ code: 'INTERRUPTED' });
  });

  it('the listing asks only for the statuses that still move: REVIEW_IN_PROGRESS is not one', () => {
    expect(MOVING_STACK_STATUSES).toContain('UPDATE_ROLLBACK_IN_PROGRESS');
    expect(MOVING_STACK_STATUSES).toContain('IMPORT_ROLLBACK_IN_PROGRESS');
    expect(MOVING_STACK_STATUSES).not.toContain('REVIEW_IN_PROGRESS');
    expect(MOVING_STACK_STATUSES).not.toContain('CREATE_COMPLETE');
  });

  it('a stack in REVIEW_IN_PROGRESS, which never finishes by itself, ends the wait at once instead of at the deadline', async () => {
    const cfn = new SequencedCfn({ a: ['REVIEW_IN_PROGRESS'], b: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'] });
    const waiter = new StackWaiter(cfn, fast(60_000));
    const [a, b] = await Promise.all([waiter.wait('a'), waiter.wait('b')]);
    expect(a?.status).toBe('REVIEW_IN_PROGRESS');
    expect(b?.status).toBe('CREATE_COMPLETE');
    expect(cfn.listCalls).toBeLessThanOrEqual(2);
    // alone, too: described once by name
    const alone = new SequencedCfn({ r: ['REVIEW_IN_PROGRESS'] });
    expect((await new StackWaiter(alone, fast(60_000)).wait('r'))?.status).toBe('REVIEW_IN_PROGRESS');
    expect(alone.describeOneCalls).toBe(1);
  });

  it('a wait after the loop ended starts polling again', async () => {
    const cfn = new SequencedCfn({ a: ['CREATE_COMPLETE'], b: ['CREATE_IN_PROGRESS', 'CREATE_COMPLETE'] });
    const waiter = new StackWaiter(cfn, fast());
    expect((await waiter.wait('a'))?.status).toBe('CREATE_COMPLETE');
    expect((await waiter.wait('b'))?.status).toBe('CREATE_COMPLETE');
  });
});

describe('pollDelay: the poll schedule', () => {
  const opts = { intervalMs: 1000, maxIntervalMs: 10_000 };

  it('polls at the steady interval while the youngest stack in flight is young, however long the others have waited', () => {
    expect(pollDelay(1000, 0, opts)).toBe(1000);
    expect(pollDelay(1000, QUICK_POLL_FOR_MS - 1, opts)).toBe(1000);
    // a new stack joining brings a backed-off poller back to the steady interval
    expect(pollDelay(10_000, 5, opts)).toBe(1000);
  });

  it('then grows by half each tick up to the maximum', () => {
    const delays: number[] = [];
    let d = 1000;
    for (let i = 0; i < 8; i++) delays.push((d = pollDelay(d, QUICK_POLL_FOR_MS, opts)));
    expect(delays).toEqual([1500, 2250, 3375, 5063, 7595, 10_000, 10_000, 10_000]);
  });

  it('a shorter quick window and a maximum below the interval are honoured', () => {
    expect(pollDelay(1000, 500, { ...opts, quickForMs: 400 })).toBe(1500);
    expect(pollDelay(1000, QUICK_POLL_FOR_MS, { intervalMs: 1000, maxIntervalMs: 200 })).toBe(1000);
  });

  it('a stack that takes 20 s alone costs one request a second; fifty of them one ListStacks a second between them', async () => {
    // 20 polls in progress, then complete: the waiter's requests, counted (the delays are 1 ms here).
    const seq = [...Array(20).fill('CREATE_IN_PROGRESS'), 'CREATE_COMPLETE'];
    const one = new SequencedCfn({ a: seq });
    await new StackWaiter(one, { deadline: Date.now() + 10_000, intervalMs: 1, maxIntervalMs: 1 }).wait('a');
    expect(one.describeOneCalls + one.listCalls).toBe(21);
    const names = Array.from({ length: 50 }, (_, i) => `s${i}`);
    const many = new SequencedCfn(Object.fromEntries(names.map((n) => [n, seq])));
    const waiter = new StackWaiter(many, { deadline: Date.now() + 10_000, intervalMs: 1, maxIntervalMs: 1 });
    await Promise.all(names.map((n) => waiter.wait(n)));
    expect(many.listCalls).toBe(21);
    expect(many.describeOneCalls).toBe(50);
  });
});
