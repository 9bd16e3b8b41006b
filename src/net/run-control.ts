import { setMaxListeners } from 'node:events';
import { IrsaError } from '../errors.js';

// One deadline and one stop for the whole run. `signal` aborts at the --timeout deadline, or a moment after the
// first SIGINT/SIGTERM (what is in flight gets that long to finish, then is abandoned). Every AWS and Kubernetes
// request checks in here before it is sent and is tracked while in flight, so a stop can say what it cut short,
// and after the deadline nothing new is sent. No Node imports: the CLI's front loads this.

export type StopReason = { kind: 'timeout'; timeoutMs: number } | { kind: 'interrupt'; signal: 'SIGINT' | 'SIGTERM' };

export interface InFlight {
  /** e.g. "CloudFormation CreateStack", "Kubernetes patch serviceaccounts" */
  what: string;
  endpoint: string;
  since: number;
}

/** How long requests in flight at the first SIGINT/SIGTERM may still finish. */
export const INTERRUPT_GRACE_MS = 1000;
// setTimeout cannot wait longer; a deadline beyond it (24.8 days) is never armed.
const MAX_TIMER_MS = 2 ** 31 - 1;

/** "5s", "25m", "1h30m": as --timeout is written. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${Number(s.toFixed(3))}s` : ''}`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class RunControl {
  readonly deadline: number;
  readonly signal: AbortSignal;
  private readonly controller = new AbortController();
  private readonly inFlightSet = new Set<InFlight>();
  private stopReason: StopReason | undefined;

  constructor(
    readonly timeoutMs: number,
    interrupt: AbortSignal,
    private readonly onStop: (reason: StopReason, inFlight: InFlight[]) => void = () => undefined,
    private readonly now: () => number = Date.now,
  ) {
    this.deadline = now() + timeoutMs;
    this.signal = this.controller.signal;
    // Every request in flight listens on it (50 at once by default): many listeners is the design, not a leak, and
    // Node's warning about more than 10 would otherwise land on the user's stderr.
    setMaxListeners(0, this.signal);
    if (timeoutMs <= MAX_TIMER_MS) setTimeout(() => this.stop({ kind: 'timeout', timeoutMs }), timeoutMs).unref();
    const onInterrupt = () => {
      const reason = interrupt.reason === 'SIGTERM' ? 'SIGTERM' : 'SIGINT';
      setTimeout(() => this.stop({ kind: 'interrupt', signal: reason }), INTERRUPT_GRACE_MS).unref();
    };
    if (interrupt.aborted) onInterrupt();
    else interrupt.addEventListener('abort', onInterrupt, { once: true });
  }

  get reason(): StopReason | undefined {
    if (this.stopReason === undefined && this.now() >= this.deadline) return { kind: 'timeout', timeoutMs: this.timeoutMs };
    return this.stopReason;
  }

  private stop(reason: StopReason): void {
    if (this.stopReason !== undefined) return;
    this.stopReason = reason;
    const inFlight = [...this.inFlightSet];
    this.controller.abort(reason);
    this.onStop(reason, inFlight);
  }

  /** After the deadline: why work is not started, for the service accounts that never began. */
  notStartedReason(): string | undefined {
    const reason = this.reason;
    return reason?.kind === 'timeout' ? `not started: --timeout ${formatDuration(reason.timeoutMs)} ran out` : undefined;
  }

  inFlight(): InFlight[] {
    return [...this.inFlightSet];
  }

  /** Before sending: throws the stop error once the run is stopped or past its deadline. */
  check(what: string, endpoint: string): void {
    const reason = this.reason;
    if (reason !== undefined) throw this.errorFor(reason, { what, endpoint, since: this.now() }, false);
  }

  /** Marks a request in flight; call the result when it has its answer (or failed). */
  track(what: string, endpoint: string): { entry: InFlight; done(): void } {
    const entry = { what, endpoint, since: this.now() };
    this.inFlightSet.add(entry);
    return { entry, done: () => this.inFlightSet.delete(entry) };
  }

  /** The error for a request the stop cut short (sent = it was in flight), or undefined while the run goes on. */
  stoppedError(entry: InFlight, sent = true): IrsaError | undefined {
    const reason = this.reason;
    return reason !== undefined && (this.signal.aborted || !sent) ? this.errorFor(reason, entry, sent) : undefined;
  }

  private errorFor(reason: StopReason, entry: InFlight, sent: boolean): IrsaError {
    const waited = seconds(this.now() - entry.since);
    if (reason.kind === 'interrupt') {
      return new IrsaError(
        'INTERRUPTED',
        sent ? `${reason.signal}: abandoned ${entry.what} at ${entry.endpoint}, still without an answer after ${waited}` : `${reason.signal}: ${entry.what} to ${entry.endpoint} was not sent`,
        { signal: reason.signal, hint: 'run the same command again: it converges from where this run stopped', ...(sent ? {} : { notSent: true }) },
      );
    }
    const limit = `--timeout ${formatDuration(reason.timeoutMs)}`;
    return new IrsaError(
      'TIMEOUT',
      sent ? `${limit} ran out waiting for ${entry.what} at ${entry.endpoint} (no answer after ${waited})` : `${limit} ran out: ${entry.what} to ${entry.endpoint} was not sent`,
      {
        hint: 'run the same command again to continue, or raise --timeout; an endpoint that never answers: check the network path to it and the proxy settings (HTTPS_PROXY, NO_PROXY)',
        ...(sent ? {} : { notSent: true }),
      },
    );
  }

  /** A summary line of what a stop left in flight. */
  static describe(reason: StopReason, inFlight: InFlight[], now = Date.now()): string {
    const head = reason.kind === 'interrupt' ? `${reason.signal}: abandoned` : `--timeout ${formatDuration(reason.timeoutMs)} ran out with`;
    const list = inFlight.map((r) => `${r.what} at ${r.endpoint} (${seconds(now - r.since)})`).join(', ');
    return `${head} ${inFlight.length} request(s) still in flight: ${list}`;
  }
}

/**
 * Waits `ms`, or less when `signal` aborts: then the run's next request throws its stop error (RunControl.check), so
 * a waiting loop needs no check of its own.
 */
export function sleepUnlessStopped(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
