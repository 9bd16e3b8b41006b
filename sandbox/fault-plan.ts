import type { FaultDecision as AwsFaultDecision, FaultInjector as AwsFaultInjector } from './aws-proxy.js';
import type { FaultDecision as KubeFaultDecision, FaultInjector as KubeFaultInjector } from './kube/server.js';

// Deterministic fault schedules for the AWS proxy and the Kubernetes test server.
// Exactly `rate` of the requests (in arrival order) are faulted, evenly spaced from a
// phase the seed picks, so a run with the same seed faults the same positions; the kind of
// fault cycles (round robin) through throttling, 500, 503, connection reset and a slow answer.

export type FaultKind = 'throttle' | 'http500' | 'http503' | 'reset' | 'slow';
export const FAULT_KINDS: readonly FaultKind[] = ['throttle', 'http500', 'http503', 'reset', 'slow'];

export interface FaultTally {
  requests: number;
  faulted: number;
  byKind: Record<FaultKind, number>;
}

export interface FaultPlan<I> {
  injector: I;
  tally: FaultTally;
  /** Stops injecting (the tally stays). */
  disable(): void;
}

export interface FaultPlanOptions {
  /** fraction of requests to fault, 0..1 */
  rate: number;
  seed: number;
  /** upper bound of the delay of a slow answer */
  maxDelayMs?: number;
  kinds?: readonly FaultKind[];
}

/** mulberry32: a tiny seeded PRNG, enough for schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const xmlError = (code: string, message: string) =>
  `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-plan</RequestId></ErrorResponse>`;

/** AWS throttling as each protocol spells it: query/XML for CloudFormation, IAM and STS, REST-JSON for EKS. */
export function awsThrottle(service: string): { status: number; body: string; headers?: Record<string, string> } {
  if (service === 'eks') {
    return {
      status: 429,
      body: JSON.stringify({ message: 'Rate exceeded' }),
      headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'ThrottlingException' },
    };
  }
  return { status: 400, body: xmlError('Throttling', 'Rate exceeded') };
}

function awsServerError(service: string, status: number): { status: number; body: string; headers?: Record<string, string> } {
  if (service === 'eks') {
    const type = status === 503 ? 'ServiceUnavailableException' : 'ServerException';
    return { status, body: JSON.stringify({ message: 'injected fault' }), headers: { 'content-type': 'application/json', 'x-amzn-errortype': type } };
  }
  return { status, body: xmlError(status === 503 ? 'ServiceUnavailable' : 'InternalFailure', 'injected fault') };
}

function schedule(opts: FaultPlanOptions): { next(): FaultKind | 'pass'; delay(): number; tally: FaultTally; disable(): void } {
  const draw = seededRandom(opts.seed);
  const kinds = opts.kinds ?? FAULT_KINDS;
  const tally: FaultTally = { requests: 0, faulted: 0, byKind: { throttle: 0, http500: 0, http503: 0, reset: 0, slow: 0 } };
  let enabled = true;
  const phase = Math.floor(draw() * 1000);
  return {
    tally,
    next() {
      tally.requests++;
      // exactly `rate` of the requests, spread evenly; the seed picks the phase
      const n = tally.requests + phase;
      const hit = Math.floor(n * opts.rate) !== Math.floor((n - 1) * opts.rate);
      if (!enabled || !hit) return 'pass';
      // round robin, so even a short run sees every kind
      const kind = kinds[tally.faulted % kinds.length] ?? 'throttle';
      tally.faulted++;
      tally.byKind[kind]++;
      return kind;
    },
    delay: () => 1 + Math.floor(draw() * (opts.maxDelayMs ?? 200)),
    disable() {
      enabled = false;
    },
  };
}

export function awsFaultPlan(opts: FaultPlanOptions): FaultPlan<AwsFaultInjector> {
  const s = schedule(opts);
  const injector: AwsFaultInjector = ({ service }): AwsFaultDecision => {
    const kind = s.next();
    switch (kind) {
      case 'pass':
        return 'pass';
      case 'throttle':
        return awsThrottle(service);
      case 'http500':
        return awsServerError(service, 500);
      case 'http503':
        return awsServerError(service, 503);
      case 'reset':
        return 'reset';
      case 'slow':
        return { delayMs: s.delay() };
    }
  };
  return { injector, tally: s.tally, disable: s.disable };
}

export function kubeFaultPlan(opts: FaultPlanOptions): FaultPlan<KubeFaultInjector> {
  const s = schedule(opts);
  const injector: KubeFaultInjector = (): KubeFaultDecision => {
    const kind = s.next();
    switch (kind) {
      case 'pass':
        return 'pass';
      case 'throttle':
        return { status: 429, reason: 'TooManyRequests', message: 'injected fault: too many requests' };
      case 'http500':
        return { status: 500 };
      case 'http503':
        return { status: 503 };
      case 'reset':
        return 'reset';
      case 'slow':
        return { delayMs: s.delay() };
    }
  };
  return { injector, tally: s.tally, disable: s.disable };
}
