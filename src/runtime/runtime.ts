import type { AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { AwsService, ProfileRetry } from '../aws/options.js';
import type { AwsPorts } from '../aws/ports.js';
import type { KubePort } from '../k8s/ports.js';
import type { KubeConnection } from '../k8s/ports.js';
import type { Io } from '../output/io.js';
import { Reporter } from '../output/reporter.js';
import { RunControl } from '../net/run-control.js';

/** --timeout's default: eksctl's. */
export const DEFAULT_TIMEOUT_MS = 25 * 60_000;

/**
 * What actions get from the outside world. The default builds real SDK and
 * Kubernetes adapters, loaded lazily; tests may swap one port (e.g. a
 * CloudFormation client fed failure sequences moto cannot produce).
 */
export interface Runtime {
  io: Io;
  reporter: Reporter;
  /** SIGINT/SIGTERM: start nothing new */
  signal: AbortSignal;
  /** the run's one deadline (--timeout) and the stop of what is in flight */
  run: RunControl;
  awsPorts(opts: {
    region: string;
    profile?: string;
    /** the run's credential provider, shared with the EKS token */
    credentials?: AwsCredentialIdentityProvider;
    /** the endpoints AWS_ENDPOINT_URL* and the profile in use configure */
    configuredEndpoints?: Partial<Record<AwsService, string>>;
    /** the profile's max_attempts and retry_mode */
    profileRetry?: ProfileRetry;
    cfnRoleArn?: string;
    cfnDisableRollback?: boolean;
  }): Promise<AwsPorts>;
  kubePort(conn: KubeConnection): Promise<KubePort>;
  /** first and largest delay between stack polls */
  pollIntervalMs: number;
  maxPollIntervalMs: number;
  /** without a terminal: how often a line names the stacks still in flight */
  progressIntervalMs: number;
}

export interface RuntimeOverrides {
  awsPorts?: Runtime['awsPorts'];
  kubePort?: Runtime['kubePort'];
  signal?: AbortSignal;
}

export function createRuntime(io: Io, verbosity: number, overrides: RuntimeOverrides = {}, timeoutMs = DEFAULT_TIMEOUT_MS): Runtime {
  const reporter = new Reporter(io, verbosity);
  // Without the process's signal (in-process runs, tests) nothing interrupts the run: a signal that never aborts.
  const signal = overrides.signal ?? new AbortController().signal;
  const run = new RunControl(timeoutMs, signal, (reason, inFlight) => {
    // A timeout's own errors name what they waited for; an interrupt says what it abandoned.
    if (reason.kind === 'interrupt' && inFlight.length > 0) reporter.warn(RunControl.describe(reason, inFlight));
  });
  // One poll a second while stacks are young (see StackWaiter); IRSACTL_POLL_INTERVAL_MS lets tests poll faster.
  const poll = Number(io.env.IRSACTL_POLL_INTERVAL_MS ?? '') || 1000;
  return {
    io,
    reporter,
    signal,
    run,
    awsPorts:
      overrides.awsPorts ??
      (async (opts) => {
        const { createAwsPorts } = await import('../aws/factory.js');
        return createAwsPorts({ ...opts, env: io.env, run });
      }),
    kubePort:
      overrides.kubePort ??
      (async (conn) => {
        const { connectKube } = await import('../k8s/client.js');
        return connectKube(conn, {
          env: io.env,
          run,
          onRequest: (method, path) => reporter.debug(`kubernetes ${method} ${path}`),
        });
      }),
    pollIntervalMs: poll,
    maxPollIntervalMs: Math.max(poll, Number(io.env.IRSACTL_MAX_POLL_INTERVAL_MS ?? '') || 10_000),
    progressIntervalMs: Number(io.env.IRSACTL_PROGRESS_INTERVAL_MS ?? '') || 30_000,
  };
}
