/**
 * The one error type irsactl throws on purpose. The code decides the exit code
 * (see exitCodeFor); the hint is the command or change that fixes it.
 */
export type ErrorCode =
  | 'USAGE' // bad flags or flag combination
  | 'CONFIG' // bad ClusterConfig file or value
  | 'NOT_FOUND' // cluster, stack, role or service account missing
  | 'PRECONDITION' // e.g. no OIDC provider for the cluster
  | 'AWS' // an AWS API call failed
  | 'KUBERNETES' // a Kubernetes API call failed
  | 'STACK_FAILED' // a CloudFormation stack ended in a failed state
  | 'TIMEOUT' // --timeout ran out
  | 'PARTIAL' // some service accounts failed, others finished
  | 'CHECK_FAILED' // doctor found a broken link
  | 'INTERRUPTED' // SIGINT / SIGTERM
  | 'INTERNAL';

/**
 * The bundle's front (the CLI, in CommonJS for start-up) and its lazily loaded chunks each carry a copy of this
 * class; the brand makes `instanceof IrsaError` true for an error from either copy.
 */
const BRAND = Symbol.for('irsactl.IrsaError');

export class IrsaError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && BRAND in value;
  }

  readonly [BRAND] = true;
  readonly code: ErrorCode;
  readonly hint?: string;
  /** For INTERRUPTED: the signal that stopped the run. */
  readonly signal?: 'SIGINT' | 'SIGTERM';
  /** For AWS and KUBERNETES: the HTTP status of the failed call (409 conflict, 403 forbidden, …). */
  readonly httpStatus?: number;
  /** For AWS: the service's error code without the SDK's `Exception` suffix (AlreadyExists, NoSuchEntity, …). */
  readonly awsCode?: string;
  /** For TIMEOUT and INTERRUPTED: the stop came before the request was sent, so the other side never had it. */
  readonly notSent?: boolean;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; signal?: 'SIGINT' | 'SIGTERM'; httpStatus?: number; awsCode?: string; notSent?: boolean } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'IrsaError';
    this.code = code;
    this.hint = opts.hint;
    this.signal = opts.signal;
    this.httpStatus = opts.httpStatus;
    this.awsCode = opts.awsCode;
    this.notSent = opts.notSent;
  }
}

/** The run stopped (--timeout ran out, or a signal), not the work: what was in flight may go on elsewhere. */
export const isRunStopped = (err: unknown): err is IrsaError => err instanceof IrsaError && (err.code === 'TIMEOUT' || err.code === 'INTERRUPTED');

export const usageError = (message: string, hint?: string) => new IrsaError('USAGE', message, { hint });
export const configError = (message: string, hint?: string) => new IrsaError('CONFIG', message, { hint });

/** Exit codes, decided here and nowhere else. */
export const EXIT = { OK: 0, FAILURE: 1, USAGE: 2, CHANGES: 3, SIGINT: 130, SIGTERM: 143 } as const;

/**
 * How a run that did not fail ended. `changes`: its plan has something to change (without --approve), or it
 * changed something (with --approve, or a delete by flags, which acts at once).
 */
export interface RunOutcome {
  changes: boolean;
  /** --exit-code: say `changes` in the exit code (3), as `terraform plan -detailed-exitcode` and `git diff --exit-code` do */
  detailed: boolean;
}

/** The exit code of a run that did not fail: 0, or 3 for changes when --exit-code asked for it. */
export const exitCodeForOutcome = (outcome: RunOutcome | undefined): number => (outcome?.detailed === true && outcome.changes ? EXIT.CHANGES : EXIT.OK);

/** 128 + the signal's number, as shells report a process a signal stopped. */
export const signalExitCode = (signal: 'SIGINT' | 'SIGTERM'): number => (signal === 'SIGTERM' ? EXIT.SIGTERM : EXIT.SIGINT);

/** A run a signal interrupted exits with the signal's code whatever it returned: the user asked it to stop. */
export const processExitCode = (returned: number, signalled: 'SIGINT' | 'SIGTERM' | undefined): number =>
  signalled === undefined ? returned : signalExitCode(signalled);

export function exitCodeFor(err: unknown): number {
  if (!(err instanceof IrsaError)) return EXIT.FAILURE;
  switch (err.code) {
    case 'USAGE':
    case 'CONFIG':
      return EXIT.USAGE;
    case 'INTERRUPTED':
      return signalExitCode(err.signal ?? 'SIGINT');
    default:
      return EXIT.FAILURE;
  }
}
