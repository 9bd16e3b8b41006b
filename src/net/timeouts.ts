import { usageError } from '../errors.js';

// Per-request timeouts for every AWS and Kubernetes request. 5 s to connect (TCP, a proxy's CONNECT and the TLS
// handshake) allows two lost SYNs on a bad link, where a healthy AWS endpoint connects in well under a second;
// 30 s for an answer to begin, and at most 30 s of silence while it arrives, is ten times what a slow
// CloudFormation or Kubernetes list takes. A request that times out is retried like any transient error; --timeout
// bounds the whole run on top of these.

export const DEFAULT_CONNECT_TIMEOUT_MS = 5_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 30_000;

export interface RequestTimeouts {
  connectTimeoutMs: number;
  responseTimeoutMs: number;
}

function positiveMs(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name]?.trim();
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw usageError(`${name}: "${text}" is not a positive whole number of milliseconds`, `unset it, or set e.g. ${name}=${fallback}`);
  return n;
}

/** IRSACTL_CONNECT_TIMEOUT_MS and IRSACTL_RESPONSE_TIMEOUT_MS override the defaults. */
export function requestTimeoutsFrom(env: Record<string, string | undefined>): RequestTimeouts {
  return {
    connectTimeoutMs: positiveMs(env, 'IRSACTL_CONNECT_TIMEOUT_MS', DEFAULT_CONNECT_TIMEOUT_MS),
    responseTimeoutMs: positiveMs(env, 'IRSACTL_RESPONSE_TIMEOUT_MS', DEFAULT_RESPONSE_TIMEOUT_MS),
  };
}
