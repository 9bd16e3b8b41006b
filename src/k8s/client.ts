/**
 * KubePort over @kubernetes/client-node 1.4. The only module that touches that
 * package, and only through a dynamic import: it costs ~0.8 s to load, which
 * commands that never talk to Kubernetes (and --help) must not pay.
 */
import type { Agent as HttpAgent } from 'node:http';
import type * as K8s from '@kubernetes/client-node';
import { eksToken, type AwsCredentials } from '../aws/eks-token.js';
import { noRedirectHttpLibrary } from './http-library.js';
import { IrsaError } from '../errors.js';
import { createAgents } from '../net/agents.js';
import { proxySettingsFrom, redactProxy } from '../net/proxy-env.js';
import type { RunControl } from '../net/run-control.js';
import { requestTimeoutsFrom, type RequestTimeouts } from '../net/timeouts.js';
import type { KubePort, PodContainer, PodObject, ServiceAccountObject } from './ports.js';

export type KubeConnection =
  | {
      kind: 'eks';
      clusterName: string;
      /** DescribeCluster's `endpoint` */
      endpoint: string;
      /** DescribeCluster's `certificateAuthority.data`: base64 of a PEM bundle */
      caData: string;
      region: string;
      /** A provider, called at every token refresh: temporary credentials change during a long run. */
      credentials: () => Promise<AwsCredentials>;
      skipTlsVerify?: boolean;
    }
  | {
      kind: 'kubeconfig';
      path?: string;
      context?: string;
      skipTlsVerify?: boolean;
      /** the cluster's endpoint and CA from DescribeCluster: the kubeconfig's server must be that cluster's */
      expected?: { clusterName: string; endpoint?: string; caData?: string };
    };

export interface ConnectKubeOptions {
  /** for HTTPS_PROXY/NO_PROXY and the request timeouts; process.env when not given */
  env?: Record<string, string | undefined>;
  /** the run's deadline and stop: each request checks in with it and is cut short by it */
  run?: RunControl;
  /** Called once per HTTP request, for -v logging and request counting. */
  onRequest?: (method: string, path: string) => void;
  /** Clock for token expiry; tests move it forward to force a refresh. */
  now?: () => Date;
}

/** Regenerate the EKS token when less than this is left (eksctl refreshes 1 minute early). */
const TOKEN_REFRESH_MARGIN_MS = 60_000;
const LIST_PAGE_SIZE = 500;

type CoreV1Api = K8s.CoreV1Api;

// ---- error mapping ----------------------------------------------------------------------

interface CallSite {
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

function describe(site: CallSite): string {
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
        return new IrsaError('KUBERNETES', `${describe(site)} failed (HTTP ${status})${suffix}`, {
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
  return new IrsaError('KUBERNETES', `${describe(site)} at ${endpoint} failed: ${text}`, { cause: err });
}

/**
 * Why a kubeconfig did not load, without its content: the YAML parser's message quotes the lines around the error,
 * and those may be a token or client-key-data.
 */
export function kubeconfigLoadError(err: unknown): string {
  if (err instanceof Error && err.name === 'YAMLException') {
    const { reason, mark } = err as Error & { reason?: unknown; mark?: { line?: unknown; column?: unknown } };
    const where = typeof mark?.line === 'number' && typeof mark.column === 'number' ? ` at line ${mark.line + 1}, column ${mark.column + 1}` : '';
    return `it is not valid YAML${where}${typeof reason === 'string' ? `: ${reason}` : ''}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/** The same API server: scheme, host and port (443 when left out), the path without trailing slashes. */
export function sameEndpoint(a: string, b: string): boolean {
  try {
    const [x, y] = [new URL(a), new URL(b)];
    const port = (u: URL) => u.port || (u.protocol === 'https:' ? '443' : '80');
    const path = (u: URL) => u.pathname.replace(/\/+$/, '');
    return x.protocol === y.protocol && x.hostname.toLowerCase() === y.hostname.toLowerCase() && port(x) === port(y) && path(x) === path(y);
  } catch {
    return false;
  }
}

/**
 * A kubeconfig context for another cluster would bind this cluster's roles to that cluster's ServiceAccounts,
 * so its server (and its CA, when the kubeconfig carries one inline) must be the ones DescribeCluster gives.
 */
function assertSameCluster(
  expected: { clusterName: string; endpoint?: string; caData?: string },
  cluster: { server: string; caData?: string },
  path: string | undefined,
  context: string,
): void {
  const hint = `use the context for ${expected.clusterName} (--context), or write one with \`aws eks update-kubeconfig --name ${expected.clusterName}\`; if this API server really is ${expected.clusterName}'s (reached through a proxy or tunnel), pass --skip-endpoint-check`;
  const where = `kubeconfig ${path ?? '(default)'} context "${context}"`;
  if (expected.endpoint !== undefined && !sameEndpoint(cluster.server, expected.endpoint)) {
    throw new IrsaError('PRECONDITION', `${where} points at ${cluster.server}, but the API endpoint of cluster "${expected.clusterName}" is ${expected.endpoint}: refusing to act on another cluster`, { hint });
  }
  const pem = (b64: string) => Buffer.from(b64, 'base64').toString('utf8').replace(/\s+/g, '');
  if (expected.caData !== undefined && cluster.caData !== undefined && pem(cluster.caData) !== pem(expected.caData)) {
    throw new IrsaError('PRECONDITION', `${where} trusts another certificate authority than cluster "${expected.clusterName}" (DescribeCluster's certificateAuthority.data): refusing to act on another cluster`, { hint });
  }
}

// ---- transient failures --------------------------------------------------------------
// client-node has no retry of its own. Every call through `call` is safe to repeat: reads are
// idempotent, a repeated create answers 409 (the executor then reads back and merges), a patch
// carries resourceVersion (a repeat after success is a 409, handled the same way), and a
// repeated delete answers 404 (treated as gone).

const KUBE_MAX_ATTEMPTS = 5;
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
function retryDelayMs(attempt: number): number {
  return Math.floor(Math.random() * 100 * 2 ** (attempt - 1));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// ---- object mapping ---------------------------------------------------------------------

function toServiceAccount(sa: K8s.V1ServiceAccount): ServiceAccountObject {
  const m = sa.metadata ?? {};
  return {
    name: m.name ?? '',
    namespace: m.namespace ?? '',
    labels: { ...(m.labels ?? {}) },
    annotations: { ...(m.annotations ?? {}) },
    ...(m.resourceVersion !== undefined ? { resourceVersion: m.resourceVersion } : {}),
    ...(m.uid !== undefined ? { uid: m.uid } : {}),
  };
}

function isoTimestamp(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString();
  return typeof v === 'string' ? v : undefined;
}

function toContainer(c: K8s.V1Container): PodContainer {
  const env: Record<string, string> = {};
  // valueFrom entries count as present (empty value): the doctor asks "is AWS_ROLE_ARN set".
  for (const e of c.env ?? []) env[e.name] = e.value ?? '';
  return {
    name: c.name,
    env,
    ...(c.securityContext?.runAsUser !== undefined ? { runAsUser: c.securityContext.runAsUser } : {}),
    ...(c.securityContext?.runAsNonRoot !== undefined ? { runAsNonRoot: c.securityContext.runAsNonRoot } : {}),
    volumeMounts: (c.volumeMounts ?? []).map((v) => v.mountPath),
  };
}

export function toPod(p: K8s.V1Pod): PodObject {
  const m = p.metadata ?? {};
  const spec = p.spec;
  const sc = spec?.securityContext;
  const created = isoTimestamp(m.creationTimestamp);
  return {
    name: m.name ?? '',
    namespace: m.namespace ?? '',
    serviceAccountName: spec?.serviceAccountName ?? spec?.serviceAccount ?? 'default',
    ...(created !== undefined ? { creationTimestamp: created } : {}),
    ...(sc?.fsGroup !== undefined ? { fsGroup: sc.fsGroup } : {}),
    ...(sc?.runAsUser !== undefined ? { runAsUser: sc.runAsUser } : {}),
    ...(sc?.runAsNonRoot !== undefined ? { runAsNonRoot: sc.runAsNonRoot } : {}),
    volumes: (spec?.volumes ?? []).map((v) => {
      const audience = v.projected?.sources?.find((s) => s.serviceAccountToken)?.serviceAccountToken?.audience;
      return { name: v.name, ...(audience !== undefined ? { projectedServiceAccountTokenAudience: audience } : {}) };
    }),
    containers: (spec?.containers ?? []).map(toContainer),
  };
}

// ---- connection -------------------------------------------------------------------------

interface Prepared {
  api: CoreV1Api;
  authz: K8s.AuthorizationV1Api;
  endpoint: string;
  isEks: boolean;
  timeouts: RequestTimeouts;
}

/** node-fetch's error when a request's signal aborts: here, the response timeout or the run's stop. */
const isAbort = (err: unknown): boolean => err instanceof Error && err.name === 'AbortError';

async function prepare(conn: KubeConnection, opts: ConnectKubeOptions): Promise<Prepared> {
  const k8s = await import('@kubernetes/client-node');
  const env = opts.env ?? process.env;
  const timeouts = requestTimeoutsFrom(env);
  const proxies = proxySettingsFrom(env);
  // Each request ends at its response timeout or at the run's stop, whichever comes first.
  const requestSignal = (): AbortSignal => {
    const timeout = AbortSignal.timeout(timeouts.responseTimeoutMs);
    return opts.run ? AbortSignal.any([opts.run.signal, timeout]) : timeout;
  };
  const log = (ctx: K8s.RequestContext) => {
    if (!opts.onRequest) return;
    let path = ctx.getUrl();
    try {
      path = new URL(path).pathname;
    } catch {
      // keep the raw URL
    }
    opts.onRequest(ctx.getHttpMethod(), path);
  };

  if (conn.kind === 'eks') {
    const endpoint = conn.endpoint.replace(/\/+$/, '');
    if (!/^https:\/\//.test(endpoint)) {
      throw new IrsaError('KUBERNETES', `the cluster endpoint ${conn.endpoint} is not an https:// URL`);
    }
    const ca = Buffer.from(conn.caData, 'base64').toString('utf8');
    if (!conn.skipTlsVerify && !ca.includes('-----BEGIN CERTIFICATE-----')) {
      throw new IrsaError('KUBERNETES', `the certificate authority data for cluster ${conn.clusterName} is not a base64-encoded PEM certificate`);
    }
    // One keep-alive agent for the whole run: one TLS handshake instead of one per call; through HTTPS_PROXY
    // unless NO_PROXY names the endpoint.
    const agent = createAgents({
      proxies,
      connectTimeoutMs: timeouts.connectTimeoutMs,
      tls: conn.skipTlsVerify ? { rejectUnauthorized: false } : { ca },
    }).https;
    const clock = opts.now ?? (() => new Date());
    let current: { token: string; expiresAt: Date } | undefined;
    let pending: Promise<{ token: string; expiresAt: Date }> | undefined;
    const bearer = async (): Promise<string> => {
      const now = clock();
      if (!current || current.expiresAt.getTime() - now.getTime() < TOKEN_REFRESH_MARGIN_MS) {
        // Concurrent requests share one regeneration.
        pending ??= (async () =>
          eksToken({ clusterName: conn.clusterName, region: conn.region, credentials: await conn.credentials(), now }))().finally(
          () => {
            pending = undefined;
          },
        );
        current = await pending;
      }
      return current.token;
    };
    const auth: K8s.SecurityAuthentication = {
      getName: () => 'irsactl-eks',
      applySecurityAuthentication: async (ctx) => {
        ctx.setAgent(agent);
        ctx.setSignal(requestSignal());
        ctx.setHeaderParam('Authorization', `Bearer ${await bearer()}`);
        log(ctx);
      },
    };
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration<Record<string, string>>(endpoint, {}),
      authMethods: { default: auth },
      httpApi: noRedirectHttpLibrary(k8s),
    });
    return { api: new k8s.CoreV1Api(config), authz: new k8s.AuthorizationV1Api(config), endpoint, isEks: true, timeouts };
  }

  const kc = new k8s.KubeConfig();
  try {
    if (conn.path) kc.loadFromFile(conn.path);
    else kc.loadFromDefault();
  } catch (err) {
    throw new IrsaError('CONFIG', `cannot load kubeconfig ${conn.path ?? '(default)'}: ${kubeconfigLoadError(err)}`, { cause: err });
  }
  if (conn.context !== undefined) {
    if (!kc.getContextObject(conn.context)) {
      const known = kc.getContexts().map((c) => c.name);
      throw new IrsaError(
        'USAGE',
        `context "${conn.context}" not found in kubeconfig ${conn.path ?? '(default)'}; contexts: ${known.length ? known.join(', ') : '(none)'}`,
      );
    }
    kc.setCurrentContext(conn.context);
  }
  let cluster = kc.getCurrentCluster();
  if (!cluster) {
    throw new IrsaError('CONFIG', `kubeconfig ${conn.path ?? '(default)'} has no current context with a cluster`, {
      hint: 'pass --context, or run aws eks update-kubeconfig',
    });
  }
  if (conn.skipTlsVerify && !cluster.skipTLSVerify) {
    // --insecure-skip-tls-verify does what it says on this path too, as kubectl's flag does.
    const current = cluster;
    kc.loadFromOptions({
      clusters: kc.clusters.map((c) => (c.name === current.name ? { ...c, skipTLSVerify: true } : c)),
      users: kc.users,
      contexts: kc.contexts,
      currentContext: kc.getCurrentContext(),
    });
    cluster = kc.getCurrentCluster() ?? current;
  }
  if (conn.expected) assertSameCluster(conn.expected, cluster, conn.path, kc.getCurrentContext());
  const agent = await kubeconfigAgent(kc, cluster, proxies, timeouts);
  const auth: K8s.SecurityAuthentication = {
    getName: () => 'irsactl-kubeconfig',
    applySecurityAuthentication: async (ctx) => {
      await kc.applySecurityAuthentication(ctx);
      if (agent) ctx.setAgent(agent);
      ctx.setSignal(requestSignal());
      log(ctx);
    },
  };
  const config = k8s.createConfiguration({
    baseServer: new k8s.ServerConfiguration<Record<string, string>>(cluster.server.replace(/\/+$/, ''), {}),
    authMethods: { default: auth },
      httpApi: noRedirectHttpLibrary(k8s),
  });
  return { api: new k8s.CoreV1Api(config), authz: new k8s.AuthorizationV1Api(config), endpoint: cluster.server, isEks: false, timeouts };
}

/**
 * The kubeconfig path's agent, with the connect timeout, keep-alive and, as kubectl does, the cluster's
 * `proxy-url` or else HTTPS_PROXY/NO_PROXY. The TLS settings (CA, client certificate, skip-verify, server name) are
 * the kubeconfig's, as client-node reads them. A socks proxy-url stays with client-node's own agent (socks-proxy-agent).
 */
async function kubeconfigAgent(kc: K8s.KubeConfig, cluster: K8s.Cluster, proxies: ReturnType<typeof proxySettingsFrom>, timeouts: RequestTimeouts): Promise<HttpAgent | undefined> {
  if (cluster.proxyUrl?.startsWith('socks')) return undefined;
  let proxyOverride: URL | undefined;
  if (cluster.proxyUrl) {
    try {
      proxyOverride = new URL(cluster.proxyUrl);
    } catch {
      throw new IrsaError('CONFIG', `kubeconfig cluster "${cluster.name}": proxy-url "${redactProxy(cluster.proxyUrl)}" is not a URL`);
    }
  }
  const tlsOpts: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; pfx?: string | Buffer; passphrase?: string; rejectUnauthorized?: boolean; servername?: string } = {};
  await kc.applyToHTTPSOptions(tlsOpts as Parameters<K8s.KubeConfig['applyToHTTPSOptions']>[0]);
  const { ca, cert, key, pfx, passphrase, rejectUnauthorized, servername } = tlsOpts;
  const tls = Object.fromEntries(Object.entries({ ca, cert, key, pfx, passphrase, rejectUnauthorized, servername }).filter(([, v]) => v !== undefined));
  const agents = createAgents({ proxies, ...(proxyOverride ? { proxyOverride } : {}), connectTimeoutMs: timeouts.connectTimeoutMs, tls });
  return cluster.server.startsWith('https:') ? agents.https : agents.http;
}

export async function connectKube(conn: KubeConnection, opts: ConnectKubeOptions = {}): Promise<KubePort> {
  const { api, authz, endpoint, isEks, timeouts } = await prepare(conn, opts);
  const run = opts.run;

  /** One attempt, ended by the run's stop even where no request is open yet (e.g. resolving credentials for the token). */
  const attempt = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (!run) return fn();
    run.check(what, endpoint);
    const { entry, done } = run.track(what, endpoint);
    let onStop: (() => void) | undefined;
    const stopped = new Promise<never>((_, reject) => {
      onStop = () => reject(run.stoppedError(entry) ?? new IrsaError('INTERNAL', `${what} was stopped`));
      run.signal.addEventListener('abort', onStop, { once: true });
    });
    try {
      return await Promise.race([fn(), stopped]);
    } catch (err) {
      throw run.stoppedError(entry) ?? err;
    } finally {
      if (onStop) run.signal.removeEventListener('abort', onStop);
      done();
    }
  };

  const call = async <T>(site: CallSite, fn: () => Promise<T>): Promise<T> => {
    const what = `Kubernetes ${describe(site)}`;
    for (let n = 1; ; n++) {
      try {
        return await attempt(what, fn);
      } catch (caught) {
        if (caught instanceof IrsaError && (caught.code === 'TIMEOUT' || caught.code === 'INTERRUPTED')) throw caught;
        // The run goes on, so an aborted request hit its response timeout: transient, like a reset.
        const err = isAbort(caught)
          ? Object.assign(new Error(`no answer within ${timeouts.responseTimeoutMs / 1000} s (response timeout)`), { code: 'ETIMEDOUT', cause: caught })
          : caught;
        if (n < KUBE_MAX_ATTEMPTS && isTransientKubeError(err)) {
          await sleep(retryDelayMs(n));
          continue;
        }
        throw mapKubeError(err, site, endpoint, isEks);
      }
    }
  };
  /** undefined on 404, for reads whose absence is an answer. */
  const orUndefinedOn404 = async <T>(site: CallSite, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await call(site, fn);
    } catch (err) {
      if (err instanceof IrsaError && err.httpStatus === 404) return undefined;
      throw err;
    }
  };

  async function listAll<T>(fetchPage: (cont: string | undefined) => Promise<{ items: T[]; metadata?: { _continue?: string } }>): Promise<T[]> {
    const out: T[] = [];
    let cont: string | undefined;
    do {
      const page = await fetchPage(cont);
      out.push(...page.items);
      cont = page.metadata?._continue || undefined;
    } while (cont);
    return out;
  }

  return {
    async namespaceExists(name) {
      const ns = await orUndefinedOn404({ verb: 'get', resource: 'namespaces', name }, () => api.readNamespace({ name }));
      return ns !== undefined;
    },

    async namespacePhase(name) {
      const ns = await orUndefinedOn404({ verb: 'get', resource: 'namespaces', name }, () => api.readNamespace({ name }));
      if (ns === undefined) return undefined;
      return ns.status?.phase === 'Terminating' || ns.metadata?.deletionTimestamp !== undefined ? 'Terminating' : 'Active';
    },

    async mayI(verb, resource, namespace) {
      const review = await call({ verb: 'create', resource: 'selfsubjectaccessreviews' }, () =>
        authz.createSelfSubjectAccessReview({
          body: {
            apiVersion: 'authorization.k8s.io/v1',
            kind: 'SelfSubjectAccessReview',
            spec: { resourceAttributes: { verb, resource, ...(namespace !== undefined ? { namespace } : {}) } },
          },
        }),
      );
      return review.status?.allowed === true;
    },

    async createNamespace(name) {
      try {
        await call({ verb: 'create', resource: 'namespaces', name }, () =>
          api.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name } } }),
        );
      } catch (err) {
        if (err instanceof IrsaError && err.httpStatus === 409) return;
        throw err;
      }
    },

    async listNamespaces() {
      const items = await call({ verb: 'list', resource: 'namespaces' }, () =>
        listAll((cont) => api.listNamespace({ limit: LIST_PAGE_SIZE, _continue: cont })),
      );
      return items.map((n) => n.metadata?.name ?? '').filter((n) => n !== '');
    },

    async getServiceAccount(namespace, name) {
      const sa = await orUndefinedOn404({ verb: 'get', resource: 'serviceaccounts', namespace, name }, () =>
        api.readNamespacedServiceAccount({ name, namespace }),
      );
      return sa ? toServiceAccount(sa) : undefined;
    },

    async listServiceAccounts(namespace) {
      const items = await call({ verb: 'list', resource: 'serviceaccounts', namespace }, () =>
        listAll((cont) =>
          namespace === undefined
            ? api.listServiceAccountForAllNamespaces({ limit: LIST_PAGE_SIZE, _continue: cont })
            : api.listNamespacedServiceAccount({ namespace, limit: LIST_PAGE_SIZE, _continue: cont }),
        ),
      );
      return items.map(toServiceAccount);
    },

    async createServiceAccount(sa) {
      const created = await call({ verb: 'create', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name }, () =>
        api.createNamespacedServiceAccount({
          namespace: sa.namespace,
          body: {
            apiVersion: 'v1',
            kind: 'ServiceAccount',
            metadata: { name: sa.name, namespace: sa.namespace, labels: sa.labels, annotations: sa.annotations },
          },
        }),
      );
      return toServiceAccount(created);
    },

    async replaceServiceAccount(sa) {
      // A JSON patch that sets labels, annotations and (as the precondition) resourceVersion:
      // it replaces exactly the metadata we model, keeps secrets/imagePullSecrets/automount
      // that a PUT of our narrow object would wipe, and still gets a 409 on a stale version.
      const ops: { op: 'add'; path: string; value: unknown }[] = [];
      if (sa.resourceVersion !== undefined) ops.push({ op: 'add', path: '/metadata/resourceVersion', value: sa.resourceVersion });
      ops.push({ op: 'add', path: '/metadata/labels', value: sa.labels });
      ops.push({ op: 'add', path: '/metadata/annotations', value: sa.annotations });
      const k8s = await import('@kubernetes/client-node');
      const updated = await call({ verb: 'patch', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name }, () =>
        api.patchNamespacedServiceAccount(
          { name: sa.name, namespace: sa.namespace, body: ops },
          k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch),
        ),
      );
      return toServiceAccount(updated);
    },

    async deleteServiceAccount(namespace, name) {
      await orUndefinedOn404({ verb: 'delete', resource: 'serviceaccounts', namespace, name }, () =>
        api.deleteNamespacedServiceAccount({ name, namespace }),
      );
    },

    async listPods(namespace) {
      const items = await call({ verb: 'list', resource: 'pods', namespace }, () =>
        listAll((cont) =>
          namespace === undefined
            ? api.listPodForAllNamespaces({ limit: LIST_PAGE_SIZE, _continue: cont })
            : api.listNamespacedPod({ namespace, limit: LIST_PAGE_SIZE, _continue: cont }),
        ),
      );
      return items.map(toPod);
    },

    async createToken(namespace, name, audience, expirationSeconds) {
      const res = await call({ verb: 'create', resource: 'serviceaccounts/token', namespace, name }, () =>
        api.createNamespacedServiceAccountToken({
          name,
          namespace,
          body: {
            apiVersion: 'authentication.k8s.io/v1',
            kind: 'TokenRequest',
            spec: { audiences: [audience], ...(expirationSeconds !== undefined ? { expirationSeconds } : {}) },
          },
        }),
      );
      const token = res.status?.token;
      if (!token) throw new IrsaError('KUBERNETES', `TokenRequest for ${namespace}/${name} returned no token`);
      return token;
    },
  };
}
