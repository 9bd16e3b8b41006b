// The Kubernetes API test server: namespaces, serviceaccounts (+ TokenRequest) and pods over HTTPS, in-process,
// with EKS bearer-token authentication checked offline. Good enough for @kubernetes/client-node and for the real
// kubectl (test/integration/sandbox/kube-server.kubectl.test.ts). Of admission webhooks it runs only EKS's pod
// identity webhook, on pod creation (pod-identity-webhook.ts). It does not model the asynchronous creation of the
// default ServiceAccount, managedFields and server-side apply, strict field validation, other webhooks, watch or
// protobuf: a test that needs one of those cannot pass here and mean it. This file is the HTTP side
// (authentication, routing, fault injection, RBAC denials and the test-control API); the objects live in store.ts.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from '../listen.js';
import { verifyEksToken } from '../eks-token-verify.js';
import { makeTestTls } from '../tls.js';
import { discoveryDocument } from './discovery.js';
import { isObject, str, type JsonObject } from './json.js';
import { applyPatch } from './patch.js';
import { mutatePod } from './pod-identity-webhook.js';
import { isResourcePlural, RESOURCES, type ResourceKind } from './resources.js';
import { badRequest, HttpError, notFound, notFoundPath, REASON_FOR_STATUS, statusBody } from './status.js';
import { createKubeStore, type KubeStore } from './store.js';
import { createTokenIssuer, type ServiceAccountTokenClaims } from './tokens.js';

export type FaultDecision = 'pass' | 'reset' | { status: number; reason?: string; message?: string } | { delayMs: number } | { redirectTo: string };
export type FaultInjector = (req: { method: string; path: string }) => FaultDecision;

export interface RequestLogEntry {
  method: string;
  path: string;
  query: string;
  status: number;
  /** The access key that signed the request's EKS token, once the token was accepted. */
  accessKeyId?: string;
}

export interface KubeTestServer {
  /** https://127.0.0.1:<port> */
  url: string;
  caPem: string;
  /** base64 of caPem, the way EKS DescribeCluster returns certificateAuthority.data */
  caData: string;
  /** Every request in arrival order; status -1 marks a connection the fault injector reset. */
  requests: RequestLogEntry[];
  resetLog(): void;
  stop(): Promise<void>;
  addCredential(accessKeyId: string, secretAccessKey: string): void;
  /** Tokens signed with this key are refused from now on, as STS refuses expired credentials. */
  removeCredential(accessKeyId: string): void;
  /** Consulted for every request before authentication and routing; undefined switches it off. */
  setFaultInjector(fn?: FaultInjector): void;
  /** Token checks run on a clock this many ms ahead of this machine's (negative: behind), as STS's does when the local one is wrong. */
  setClockOffset(ms: number): void;
  /** The `iss` claim of TokenRequest tokens. */
  setIssuer(url: string): void;
  /** The claims of an unexpired TokenRequest token of this server (what EKS Auth checks); undefined for any other. */
  verifyServiceAccountToken(token: string): ServiceAccountTokenClaims | undefined;
  putNamespace(name: string): void;
  /** Leaves the namespace in Terminating, as a real one lingers while its finalizers run: nothing new may be created in it. */
  terminateNamespace(name: string): void;
  /**
   * RBAC in one rule: requests for this verb on this resource (in this namespace, or everywhere) get the real 403,
   * and a SelfSubjectAccessReview for them says not allowed. undefined clears every rule.
   */
  deny(rule?: { verb: string; resource: string; namespace?: string }): void;
  /** Inserts or overwrites a ServiceAccount (its namespace is created if missing); returns the stored copy. */
  putServiceAccount(obj: JsonObject): JsonObject;
  getServiceAccount(namespace: string, name: string): JsonObject | undefined;
  /** Test set-up: stores the pod as given, past admission (as a pod made before any webhook or association). */
  putPod(pod: JsonObject): JsonObject;
  /** A pod created as a client's POST creates it: EKS's webhook mutates it first; 409 if it exists. */
  createPod(pod: JsonObject): JsonObject;
  getPod(namespace: string, name: string): JsonObject | undefined;
  deletePod(namespace: string, name: string): boolean;
  /** Test set-up: a node with these labels (kubernetes.io/os: windows makes it a Windows node). */
  putNode(name: string, labels: Record<string, string>): JsonObject;
}

export interface PodWebhookSettings {
  /** The cluster's region: AWS_DEFAULT_REGION and AWS_REGION of mutated containers. */
  region?: string;
  /** Whether EKS has a Pod Identity association for this ServiceAccount, asked at each pod creation. */
  hasPodIdentityAssociation?: (namespace: string, serviceAccount: string) => boolean;
}

export async function startKubeServer(opts: {
  clusterName: string;
  credentials: Record<string, string>;
  verifyToken?: boolean;
  /** The objects to serve; a fresh store (with the four standard namespaces) unless given. */
  store?: KubeStore;
  /** What EKS's pod identity webhook is told about the cluster; without it, pods get IRSA only and no region. */
  webhook?: PodWebhookSettings;
}): Promise<KubeTestServer> {
  const tls = await makeTestTls();
  const credentials: Record<string, string> = { ...opts.credentials };
  const verifyToken = opts.verifyToken ?? true;
  let faultInjector: FaultInjector | undefined;
  const denied: { verb: string; resource: string; namespace?: string }[] = [];
  const requests: RequestLogEntry[] = [];

  const store = opts.store ?? createKubeStore();
  const tokens = createTokenIssuer();

  /** Mutating admission of a new pod: the ServiceAccount plugin's default, then EKS's webhook. */
  function admitPod(ns: string, body: JsonObject): JsonObject {
    const spec = isObject(body.spec) ? body.spec : {};
    const serviceAccount = str(spec.serviceAccountName) || str(spec.serviceAccount) || 'default';
    const pod = { ...body, spec: { ...spec, serviceAccountName: serviceAccount } };
    return mutatePod({
      pod,
      serviceAccount: store.get(RESOURCES.serviceaccounts, ns, serviceAccount),
      podIdentity: opts.webhook?.hasPodIdentityAssociation?.(ns, serviceAccount) ?? false,
      ...(opts.webhook?.region !== undefined ? { region: opts.webhook.region } : {}),
    });
  }

  async function readBody(req: IncomingMessage): Promise<unknown> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    if (text.trim() === '') return undefined;
    try {
      return JSON.parse(text);
    } catch {
      throw badRequest('the request body is not valid JSON');
    }
  }

  let clockOffsetMs = 0;
  const authenticatedKey = new WeakMap<IncomingMessage, string>();
  async function authenticate(req: IncomingMessage): Promise<void> {
    if (!verifyToken) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'Unauthorized', 'Unauthorized: no bearer token');
    const verdict = await verifyEksToken(m[1].trim(), { clusterName: opts.clusterName, credentials, now: new Date(Date.now() + clockOffsetMs) });
    if (!verdict.ok) throw new HttpError(401, 'Unauthorized', `Unauthorized: ${verdict.reason}`);
    authenticatedKey.set(req, verdict.accessKeyId);
  }

  async function route(req: IncomingMessage, method: string, url: URL): Promise<{ status: number; body: unknown }> {
    const path = url.pathname.replace(/\/+$/, '') || '/';
    if (path === '/healthz' || path === '/readyz' || path === '/livez') return { status: 200, body: 'ok' };
    await authenticate(req);
    const q = url.searchParams;
    const dryRun = q.getAll('dryRun').includes('All');
    if (method === 'GET' && q.get('watch') && q.get('watch') !== 'false' && q.get('watch') !== '0') {
      throw new HttpError(405, 'MethodNotAllowed', 'watch is not supported by this test server');
    }
    if (method === 'GET') {
      const document = discoveryDocument(path, url.host);
      if (document !== undefined) return { status: 200, body: document };
    }

    if (path === '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews' && method === 'POST') {
      const body = await readBody(req);
      const attrs = isObject(body) && isObject(body.spec) && isObject(body.spec.resourceAttributes) ? body.spec.resourceAttributes : {};
      const rule = deniedBy(str(attrs.verb) ?? '', str(attrs.resource) ?? '', str(attrs.namespace));
      return {
        status: 201,
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          metadata: {},
          spec: isObject(body) ? body.spec : {},
          // RBAC gives no reason for a denial (kubectl then prints a bare "no")
          status: rule ? { allowed: false } : { allowed: true, reason: 'RBAC: allowed by the test server' },
        },
      };
    }

    const seg = path.split('/').slice(1);
    if (seg[0] !== 'api' || seg[1] !== 'v1') throw notFoundPath();
    const rest = seg.slice(2);

    // /api/v1/{serviceaccounts|pods}: all namespaces
    if (rest.length === 1 && isResourcePlural(rest[0]) && RESOURCES[rest[0]].namespaced) {
      if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource`);
      return { status: 200, body: store.list(RESOURCES[rest[0]], undefined, listOptions(q)) };
    }
    let r: ResourceKind;
    let ns: string | undefined;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length <= 2) {
      r = RESOURCES.namespaces;
      name = rest[1];
    } else if (rest[0] === 'nodes' && rest.length <= 2) {
      if (method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      r = RESOURCES.nodes;
      name = rest[1];
    } else if (rest[0] === 'namespaces' && rest.length >= 3 && rest.length <= 5 && isResourcePlural(rest[2]) && RESOURCES[rest[2]].namespaced) {
      r = RESOURCES[rest[2]];
      ns = rest[1];
      name = rest[3];
      sub = rest[4];
    } else throw notFoundPath();

    const verb = method === 'GET' ? (name === undefined ? 'list' : 'get') : method === 'POST' ? 'create' : method === 'PUT' ? 'update' : method.toLowerCase();
    const resource = sub !== undefined ? `${r.plural}/${sub}` : r.plural;
    if (deniedBy(verb, resource, r.namespaced ? ns : undefined)) {
      const subject = name !== undefined && verb !== 'create' ? `${r.plural} "${name}"` : r.plural;
      const scope = r.namespaced && ns !== undefined ? ` in the namespace "${ns}"` : ' at the cluster scope';
      throw new HttpError(403, 'Forbidden', `${subject} is forbidden: User "irsactl-test" cannot ${verb} resource "${resource}" in API group ""${scope}`, {
        ...(name !== undefined ? { name } : {}),
        kind: r.plural,
      });
    }

    if (sub !== undefined) {
      if (r.plural !== 'serviceaccounts' || sub !== 'token' || name === undefined) throw notFoundPath();
      if (method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
      const body = await readBody(req);
      const sa = store.get(r, ns, name);
      if (!sa) throw notFound(r, name);
      return { status: 201, body: tokens.tokenRequest(ns as string, name, sa, isObject(body) ? body : {}) };
    }

    if (name === undefined) {
      if (method === 'GET') return { status: 200, body: store.list(r, ns, listOptions(q)) };
      if (method === 'POST') {
        const body = await readBody(req);
        if (!isObject(body)) throw badRequest('the request body must be a JSON object');
        const admitted = r.plural === 'pods' && ns !== undefined ? admitPod(ns, body) : body;
        return { status: dryRun ? 200 : 201, body: store.create(r, ns, admitted, dryRun) };
      }
      throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }

    switch (method) {
      case 'GET': {
        const obj = store.get(r, ns, name);
        if (!obj) throw notFound(r, name);
        return { status: 200, body: obj };
      }
      case 'PUT': {
        const body = await readBody(req);
        if (!isObject(body)) throw badRequest('the request body must be a JSON object');
        return { status: 200, body: store.update(r, ns, name, body, dryRun) };
      }
      case 'PATCH': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const patch = await readBody(req);
        const current = store.get(r, ns, name);
        if (!current) throw notFound(r, name);
        const patched = applyPatch(contentType, current, patch, r, name);
        return { status: 200, body: store.update(r, ns, name, patched, dryRun) };
      }
      case 'DELETE':
        await readBody(req); // DeleteOptions; nothing in it matters here
        return { status: 200, body: store.remove(r, ns, name, dryRun) };
      default:
        throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  const server: Server = createServer({ key: tls.keyPem, cert: tls.certPem }, (req, res) => {
    void handle(req, res);
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const entry: RequestLogEntry = { method, path: url.pathname, query: url.search.replace(/^\?/, ''), status: 0 };
    requests.push(entry);
    const send = (status: number, body: unknown) => {
      entry.status = status;
      const accessKeyId = authenticatedKey.get(req);
      if (accessKeyId !== undefined) entry.accessKeyId = accessKeyId;
      const text = typeof body === 'string' ? body : JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json',
        'Content-Length': Buffer.byteLength(text),
      });
      res.end(text);
    };
    try {
      const decision = faultInjector?.({ method, path: url.pathname }) ?? 'pass';
      if (decision === 'reset') {
        entry.status = -1;
        req.socket.destroy();
        return;
      }
      if (typeof decision === 'object' && 'redirectTo' in decision) {
        await readBody(req).catch(() => undefined);
        entry.status = 307;
        res.writeHead(307, { Location: decision.redirectTo, 'Content-Length': 0 });
        res.end();
        return;
      }
      if (typeof decision === 'object' && 'delayMs' in decision) {
        await new Promise((resolve) => setTimeout(resolve, decision.delayMs));
      } else if (typeof decision === 'object') {
        await readBody(req).catch(() => undefined);
        const reason = decision.reason ?? REASON_FOR_STATUS[decision.status] ?? 'InternalError';
        send(decision.status, statusBody(decision.status, reason, decision.message ?? `injected fault: ${reason}`));
        return;
      }
      const { status, body } = await route(req, method, url);
      send(status, body);
    } catch (err) {
      if (err instanceof HttpError) send(err.status, statusBody(err.status, err.reason, err.message, err.details));
      else send(500, statusBody(500, 'InternalError', `fake kube server: ${err instanceof Error ? err.stack : String(err)}`));
    }
  }

  function deniedBy(verb: string, resource: string, namespace: string | undefined) {
    return denied.find((d) => d.verb === verb && d.resource === resource && (d.namespace === undefined || d.namespace === namespace));
  }

  const { port, close } = await listenOnLoopback(server, 'secureConnection');

  return {
    url: `https://127.0.0.1:${port}`,
    caPem: tls.caPem,
    caData: Buffer.from(tls.caPem, 'utf8').toString('base64'),
    requests,
    resetLog: () => {
      requests.length = 0;
    },
    stop: close,
    addCredential: (accessKeyId, secretAccessKey) => {
      credentials[accessKeyId] = secretAccessKey;
    },
    removeCredential: (accessKeyId) => {
      delete credentials[accessKeyId];
    },
    setFaultInjector: (fn) => {
      faultInjector = fn;
    },
    setClockOffset: (ms) => {
      clockOffsetMs = ms;
    },
    setIssuer: (u) => tokens.setIssuer(u),
    verifyServiceAccountToken: (token) => tokens.verify(token),
    putNamespace: (name) => store.putNamespace(name),
    terminateNamespace: (name) => store.terminateNamespace(name),
    deny: (rule) => {
      if (rule === undefined) denied.length = 0;
      else denied.push(rule);
    },
    putServiceAccount: (obj) => store.put(RESOURCES.serviceaccounts, obj),
    getServiceAccount: (ns, name) => store.get(RESOURCES.serviceaccounts, ns, name),
    putPod: (pod) => store.put(RESOURCES.pods, pod),
    createPod: (pod) => {
      const ns = (isObject(pod.metadata) ? str(pod.metadata.namespace) : undefined) ?? 'default';
      return store.create(RESOURCES.pods, ns, admitPod(ns, pod));
    },
    getPod: (ns, name) => store.get(RESOURCES.pods, ns, name),
    deletePod: (ns, name) => store.drop(RESOURCES.pods, ns, name),
    putNode: (name, labels) => store.putNode(name, labels),
  };
}

const listOptions = (q: URLSearchParams) => ({ labelSelector: q.get('labelSelector') ?? '', fieldSelector: q.get('fieldSelector') ?? '' });
