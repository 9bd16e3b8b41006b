import type { Agent as HttpAgent } from 'node:http';
import type * as K8s from '@kubernetes/client-node';
import type { KubeLib } from './client-node.js';
import { eksToken } from '../aws/eks-token.js';
import { IrsaError } from '../errors.js';
import { createAgents } from '../net/agents.js';
import { proxySettingsFrom, redactProxy } from '../net/proxy-env.js';
import type { RunControl } from '../net/run-control.js';
import { requestTimeoutsFrom, type RequestTimeouts } from '../net/timeouts.js';
import { noRedirectHttpLibrary } from './http-library.js';
import type { KubeConnection } from './ports.js';

// The way to an API server: an EKS cluster's endpoint with a bearer token refreshed before it expires, or a
// kubeconfig context, each with its TLS agent, proxy and per-request timeout.

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

/** The loaded client library and its APIs, bound to one API server. */
export interface KubeApis {
  /** @kubernetes/client-node, loaded once here; the port needs it for patch options */
  lib: KubeLib;
  api: K8s.CoreV1Api;
  authz: K8s.AuthorizationV1Api;
  endpoint: string;
  isEks: boolean;
  timeouts: RequestTimeouts;
}

/** @kubernetes/client-node costs ~0.8 s to load, which commands that never talk to Kubernetes (and --help) must not pay. */
export async function prepare(conn: KubeConnection, opts: ConnectKubeOptions): Promise<KubeApis> {
  const k8s = await import('./client-node.js');
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
    const offsetMs = conn.clockOffsetMs ?? 0;
    const clock = opts.now ?? (() => new Date(Date.now() + offsetMs));
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
    return { lib: k8s, api: new k8s.CoreV1Api(config), authz: new k8s.AuthorizationV1Api(config), endpoint, isEks: true, timeouts };
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
  return { lib: k8s, api: new k8s.CoreV1Api(config), authz: new k8s.AuthorizationV1Api(config), endpoint: cluster.server, isEks: false, timeouts };
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
