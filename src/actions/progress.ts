import { formatDuration } from '../net/run-control.js';
import type { StackOperation } from '../services/stacks.js';
import type { StackWaiter } from '../services/stack-waiter.js';
import type { Runtime } from '../runtime/runtime.js';

// While stacks are in flight, a plain line at a steady interval (Runtime.progressIntervalMs) names them and their
// status, so a CI log shows the run is alive; on a terminal the reporter leaves it to the live status line.

export interface InFlightStack {
  /** the service account, `<ns>/<name>` */
  id: string;
  stackName: string;
  op: StackOperation;
}

/** `waiting for 3 stacks (1m30s): a/b CREATE_IN_PROGRESS, …`, in the order given. */
export function progressText(stacks: readonly { id: string; status: string }[], elapsedMs: number): string {
  const elapsed = formatDuration(Math.max(1000, Math.round(elapsedMs / 1000) * 1000));
  return `waiting for ${stacks.length} stack${stacks.length === 1 ? '' : 's'} (${elapsed}): ${stacks.map((s) => `${s.id} ${s.status}`).join(', ')}`;
}

/** Starts the interval; the returned function stops it. Before a stack's first poll its status is the operation's. */
export function startProgress(rt: Runtime, waiter: StackWaiter, inFlight: () => InFlightStack[]): () => void {
  const started = Date.now();
  const timer = setInterval(() => {
    const stacks = inFlight();
    if (stacks.length === 0) return;
    const described = stacks.map((s) => ({ id: s.id, status: waiter.statusOf(s.stackName) ?? `${s.op.toUpperCase()}_IN_PROGRESS` }));
    rt.reporter.progress(progressText(described, Date.now() - started));
  }, rt.progressIntervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
