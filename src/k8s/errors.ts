import { IrsaError } from '../errors.js';

// Kubernetes API failures as irsactl's errors: the HTTP status or socket error mapped to a message and hint, which
// failures are worth another attempt, and how long to wait before it.

/** The call a failure happened in, for its message. */
export interface CallSite {
  verb: string;
  resource: string;
  namespace?: string;
  name?: string;
}

const TLS_ERROR_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_UNTRUSTED',
]);

/** The first `code` along the error and its causes (node-fetch wraps the socket error). */
function errorCode(err: unknown): string | undefined {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') return code;
  }
  return undefined;
}

function statusMessage(body: unknown): string | undefined {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { message?: unknown }).message === 'string') {
    return (parsed as { message: string }).message;
  }
  return undefined;
}

/** The API server's NamespaceLifecycle refusal: a 403 that is not about RBAC. */
function isNamespaceTerminating(body: unknown): boolean {
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return false;
    }
  }
  const causes = (parsed as { details?: { causes?: unknown } } | undefined)?.details?.causes;
  return Array.isArray(causes) && causes.some((c) => (c as { reason?: unknown })?.reason === 'NamespaceTerminating');
}

export function describeCall(site: CallSite): string {
  const target = site.name ? `${site.resource} "${site.name}"` : site.resource;
  return site.namespace ? `${site.verb} ${target} in namespace ${site.namespace}` : `${site.verb} ${target}`;
}

export function mapKubeError(err: unknown, site: CallSite, endpoint: string, isEks: boolean): IrsaError {
  if (err instanceof IrsaError) return err;
  const status = typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : undefined;
  if (status !== undefined) {
    const detail = statusMessage((err as { body?: unknown }).body);
    const suffix = detail ? `: ${detail}` : '';
    switch (status) {
      case 401:
        return new IrsaError(
          'KUBERNETES',
          `the Kubernetes API at ${endpoint} did not accept the credentials (401 Unauthorized)${suffix}`,
          {
            httpStatus: 401,
            cause: err,
            hint: isEks
              ? 'the IAM identity needs access to the cluster: an EKS access entry (aws eks create-access-entry) or a mapping in the aws-auth ConfigMap'
              : 'check the user and credentials of the kubeconfig context',
          },
        );
      case 403: {
        if (isNamespaceTerminating((err as { body?: unknown }).body)) {
          return new IrsaError('KUBERNETES', `namespace ${site.namespace ?? ''} is being deleted (Terminating): nothing new can be created in it${suffix}`, {
            httpStatus: 403,
            cause: err,
            hint: 'wait until the namespace is gone and run the same command again (it is created anew), or use another namespace',
          });
        }
        const where = site.namespace ? ` in namespace ${site.namespace}` : '';
        return new IrsaError(
          'KUBERNETES',
          `forbidden: ${site.verb} ${site.resource}${where} — the identity needs RBAC permission "${site.verb}" on "${site.resource}"${where || ' (cluster-wide)'}${suffix}`,
          {
            httpStatus: 403,
            cause: err,
            hint: 'grant it with a Role/ClusterRole and binding, or an EKS access policy for the identity',
          },
        );
      }
      default:
        return new IrsaError('KUBERNETES', `${describeCall(site)} failed (HTTP ${status})${suffix}`, {
          httpStatus: status,
          cause: err,
        });
    }
  }
  const code = errorCode(err);
  const text = err instanceof Error ? err.message : String(err);
  if (code && TLS_ERROR_CODES.has(code)) {
    return new IrsaError(
      'KUBERNETES',
      `TLS verification of the Kubernetes API at ${endpoint} failed (${code}): its certificate does not match the cluster's certificate authority`,
      {
        cause: err,
        hint: isEks
          ? "the cluster's certificateAuthority.data from DescribeCluster does not sign this endpoint's certificate; check the endpoint and region"
          : 'check certificate-authority(-data) in the kubeconfig',
      },
    );
  }
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'ETIMEDOUT' || code === 'ECONNRESET' || code === 'EHOSTUNREACH') {
    return new IrsaError('KUBERNETES', `cannot reach the Kubernetes API at ${endpoint} (${code}): ${text}`, {
      cause: err,
      hint: 'check the network path to the cluster endpoint (private endpoint, VPN, security groups)',
    });
  }
  return new IrsaError('KUBERNETES', `${describeCall(site)} at ${endpoint} failed: ${text}`, { cause: err });
}

/** The API server refused because the object changed since it was read (409), or already exists. */
export const isConflict = (err: unknown): boolean => err instanceof IrsaError && err.httpStatus === 409;

/** The identity lacks RBAC permission, or the namespace is being deleted (403). */
export const isForbidden = (err: unknown): boolean => err instanceof IrsaError && err.httpStatus === 403;

/** An absence that is an answer for a read, or success for a delete (404). */
export const isNotFound = (err: unknown): boolean => err instanceof IrsaError && err.httpStatus === 404;

// client-node has no retry of its own. Every call through the client's `call` is safe to repeat: reads are
// idempotent, a repeated create answers 409 (the executor then reads back and merges), a patch carries
// resourceVersion (a repeat after success is a 409, handled the same way), and a repeated delete answers 404
// (treated as gone).

export const KUBE_MAX_ATTEMPTS = 5;
const TRANSIENT_STATUS = new Set([429, 500, 502, 503, 504]);
const TRANSIENT_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'UND_ERR_SOCKET']);

export function isTransientKubeError(err: unknown): boolean {
  const status = typeof (err as { code?: unknown })?.code === 'number' ? (err as { code: number }).code : undefined;
  if (status !== undefined) return TRANSIENT_STATUS.has(status);
  const code = errorCode(err);
  if (code !== undefined && TRANSIENT_CODES.has(code)) return true;
  // node-fetch reports a connection closed before the response as "socket hang up" without a code
  return err instanceof Error && /socket hang up|ECONNRESET/i.test(err.message);
}

/** Exponential backoff with full jitter: 100, 200, 400, 800 ms caps — under 1.5 s in all. */
export function retryDelayMs(attempt: number): number {
  return Math.floor(Math.random() * 100 * 2 ** (attempt - 1));
}

/** node-fetch's error when a request's signal aborts: here, the response timeout or the run's stop. */
export const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';
