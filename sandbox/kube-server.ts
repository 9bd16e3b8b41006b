/**
 * An in-process fake Kubernetes API server for tests: namespaces, serviceaccounts
 * (+ TokenRequest) and pods over HTTPS, with EKS bearer-token authentication checked
 * offline. Good enough for @kubernetes/client-node and for the real kubectl. It does not
 * model the asynchronous creation of the default ServiceAccount, managedFields and
 * server-side apply, strict field validation, admission webhooks, watch or protobuf:
 * a test that needs one of those cannot pass here and mean it.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listenOnLoopback } from './listen.js';
import { verifyEksToken } from './eks-token-verify.js';
import { makeTestTls } from './tls.js';

type JsonObject = Record<string, unknown>;

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
  /** The `iss` claim of TokenRequest tokens. */
  setIssuer(url: string): void;
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
  putPod(pod: JsonObject): JsonObject;
  deletePod(namespace: string, name: string): boolean;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
    readonly details?: JsonObject,
  ) {
    super(message);
  }
}

const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const clone = <T>(v: T): T => structuredClone(v);

/** JSON with sorted keys, so "did this write change anything" ignores key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isObject(v)) {
    return `{${Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
const deepEqual = (a: unknown, b: unknown) => canonical(a) === canonical(b);

const rfc3339 = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

// ---- resources --------------------------------------------------------------------------

interface ResourceKind {
  plural: 'namespaces' | 'serviceaccounts' | 'pods';
  kind: string;
  singular: string;
  shortNames: string[];
  namespaced: boolean;
}
const RESOURCES: Record<ResourceKind['plural'], ResourceKind> = {
  namespaces: { plural: 'namespaces', kind: 'Namespace', singular: 'namespace', shortNames: ['ns'], namespaced: false },
  serviceaccounts: {
    plural: 'serviceaccounts',
    kind: 'ServiceAccount',
    singular: 'serviceaccount',
    shortNames: ['sa'],
    namespaced: true,
  },
  pods: { plural: 'pods', kind: 'Pod', singular: 'pod', shortNames: ['po'], namespaced: true },
};
const isResourcePlural = (s: string | undefined): s is ResourceKind['plural'] =>
  s === 'namespaces' || s === 'serviceaccounts' || s === 'pods';

function metaOf(obj: JsonObject): JsonObject {
  if (!isObject(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

// ---- Status objects ---------------------------------------------------------------------

function statusBody(status: number, reason: string, message: string, details?: JsonObject): JsonObject {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    ...(details ? { details } : {}),
    code: status,
  };
}
const REASON_FOR_STATUS: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};
const notFound = (r: ResourceKind, name: string) =>
  new HttpError(404, 'NotFound', `${r.plural} "${name}" not found`, { name, kind: r.plural });
const notFoundPath = () => new HttpError(404, 'NotFound', 'the server could not find the requested resource');
const badRequest = (message: string) => new HttpError(400, 'BadRequest', message);
const invalid = (r: ResourceKind, name: string, field: string, message: string) =>
  new HttpError(422, 'Invalid', `${r.kind} "${name}" is invalid: ${field}: ${message}`, {
    name,
    kind: r.kind,
    causes: [{ reason: 'FieldValueInvalid', message, field }],
  });
const conflict = (r: ResourceKind, name: string) =>
  new HttpError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${r.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: r.plural },
  );

// ---- patches ----------------------------------------------------------------------------

/** RFC 7386. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * Strategic merge patch, reduced to what ServiceAccounts, Namespaces and Pod metadata
 * need: a merge patch that understands `$patch: delete|replace` and ignores the
 * `$setElementOrder/…` and `$retainKeys` bookkeeping keys kubectl sends.
 */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch);
  const directive = patch.$patch;
  if (directive === 'delete') return undefined;
  const rest: JsonObject = {};
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/') || k.startsWith('$deleteFromPrimitiveList/')) {
      continue;
    }
    rest[k] = v;
  }
  if (directive === 'replace') return clone(rest);
  const out: JsonObject = isObject(target) ? clone(target) : {};
  for (const [k, v] of Object.entries(rest)) {
    if (v === null) delete out[k];
    else {
      const merged = strategicMergePatch(out[k], v);
      if (merged === undefined) delete out[k];
      else out[k] = merged;
    }
  }
  return out;
}

class JsonPatchError extends Error {}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new JsonPatchError(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function getAt(doc: unknown, tokens: string[]): unknown {
  let cur = doc;
  for (const t of tokens) {
    if (Array.isArray(cur)) {
      const i = Number(t);
      if (!/^\d+$/.test(t) || i >= cur.length) throw new JsonPatchError(`index ${t} out of range`);
      cur = cur[i];
    } else if (isObject(cur) && Object.hasOwn(cur, t)) cur = cur[t];
    else throw new JsonPatchError(`path /${tokens.join('/')} does not exist`);
  }
  return cur;
}

/** RFC 6902 on a copy of `doc`. */
export function jsonPatch(doc: unknown, ops: unknown): unknown {
  if (!Array.isArray(ops)) throw new JsonPatchError('a JSON patch must be an array of operations');
  let root = clone(doc);
  const setAt = (tokens: string[], value: unknown, mode: 'add' | 'replace') => {
    if (tokens.length === 0) {
      root = value;
      return;
    }
    const parent = getAt(root, tokens.slice(0, -1));
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const i = last === '-' ? parent.length : Number(last);
      if (!/^\d+$/.test(last) && last !== '-') throw new JsonPatchError(`invalid array index ${last}`);
      if (mode === 'add') {
        if (i > parent.length) throw new JsonPatchError(`index ${last} out of range`);
        parent.splice(i, 0, value);
      } else {
        if (i >= parent.length) throw new JsonPatchError(`index ${last} out of range`);
        parent[i] = value;
      }
    } else if (isObject(parent)) {
      if (mode === 'replace' && !Object.hasOwn(parent, last)) {
        throw new JsonPatchError(`replace operation does not apply: doc is missing key: /${tokens.join('/')}`);
      }
      parent[last] = value;
    } else throw new JsonPatchError(`cannot set a member of a non-container at /${tokens.join('/')}`);
  };
  const removeAt = (tokens: string[]) => {
    if (tokens.length === 0) throw new JsonPatchError('cannot remove the root');
    const parent = getAt(root, tokens.slice(0, -1));
    const last = tokens[tokens.length - 1];
    if (Array.isArray(parent)) {
      const i = Number(last);
      if (!/^\d+$/.test(last) || i >= parent.length) throw new JsonPatchError(`index ${last} out of range`);
      parent.splice(i, 1);
    } else if (isObject(parent) && Object.hasOwn(parent, last)) delete parent[last];
    else throw new JsonPatchError(`remove operation does not apply: doc is missing path: /${tokens.join('/')}`);
  };
  for (const op of ops) {
    if (!isObject(op) || typeof op.op !== 'string' || typeof op.path !== 'string') {
      throw new JsonPatchError('each operation needs "op" and "path"');
    }
    const path = parsePointer(op.path);
    switch (op.op) {
      case 'add':
        setAt(path, clone(op.value), 'add');
        break;
      case 'replace':
        getAt(root, path);
        setAt(path, clone(op.value), 'replace');
        break;
      case 'remove':
        removeAt(path);
        break;
      case 'test':
        if (!deepEqual(getAt(root, path), op.value)) throw new JsonPatchError(`testing value /${path.join('/')} failed`);
        break;
      case 'move':
      case 'copy': {
        if (typeof op.from !== 'string') throw new JsonPatchError(`${op.op} needs "from"`);
        const from = parsePointer(op.from);
        const value = clone(getAt(root, from));
        if (op.op === 'move') removeAt(from);
        setAt(path, value, 'add');
        break;
      }
      default:
        throw new JsonPatchError(`unknown JSON patch operation "${op.op}"`);
    }
  }
  return root;
}

// ---- label and field selectors ----------------------------------------------------------

function matchesLabelSelector(labels: Record<string, unknown>, selector: string): boolean {
  if (!selector) return true;
  return selector.split(',').every((raw) => {
    const term = raw.trim();
    if (!term) return true;
    let m = /^([^!=\s]+)\s*(==|=|!=)\s*(.*)$/.exec(term);
    if (m) {
      const has = Object.hasOwn(labels, m[1]) && labels[m[1]] === m[3];
      return m[2] === '!=' ? !has : has;
    }
    m = /^([^\s]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim());
      const has = Object.hasOwn(labels, m[1]) && values.includes(String(labels[m[1]]));
      return m[2] === 'in' ? has : !has;
    }
    if (term.startsWith('!')) return !Object.hasOwn(labels, term.slice(1));
    return Object.hasOwn(labels, term);
  });
}

function matchesFieldSelector(obj: JsonObject, selector: string): boolean {
  if (!selector) return true;
  const meta = metaOf(obj);
  return selector.split(',').every((term) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(term.trim());
    if (!m) return true;
    const actual = m[1] === 'metadata.name' ? meta.name : m[1] === 'metadata.namespace' ? meta.namespace : undefined;
    return m[2] === '!=' ? actual !== m[3] : actual === m[3];
  });
}

// ---- discovery documents ----------------------------------------------------------------

function apiResourceList(): JsonObject {
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update'];
  return {
    kind: 'APIResourceList',
    groupVersion: 'v1',
    resources: [
      ...Object.values(RESOURCES).map((r) => ({
        name: r.plural,
        singularName: r.singular,
        namespaced: r.namespaced,
        kind: r.kind,
        verbs,
        shortNames: r.shortNames,
      })),
      {
        name: 'serviceaccounts/token',
        singularName: '',
        namespaced: true,
        group: 'authentication.k8s.io',
        version: 'v1',
        kind: 'TokenRequest',
        verbs: ['create'],
      },
    ],
  };
}

/** The smallest OpenAPI v3 document with which kubectl apply/replace validate server-side (without one they fail to download openapi). */
function openApiV1Document(): JsonObject {
  const patchOp = (kind: string) => ({
    patch: {
      'x-kubernetes-group-version-kind': { group: '', version: 'v1', kind },
      parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
      responses: {},
    },
  });
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: 'v1.30.0-fake' },
    paths: {
      '/api/v1/namespaces/{name}': patchOp('Namespace'),
      '/api/v1/namespaces/{namespace}/serviceaccounts/{name}': patchOp('ServiceAccount'),
      '/api/v1/namespaces/{namespace}/pods/{name}': patchOp('Pod'),
    },
    components: { schemas: {} },
  };
}

// ---- the server -------------------------------------------------------------------------

export async function startKubeServer(opts: {
  clusterName: string;
  credentials: Record<string, string>;
  verifyToken?: boolean;
}): Promise<KubeTestServer> {
  const tls = await makeTestTls();
  const credentials: Record<string, string> = { ...opts.credentials };
  const verifyToken = opts.verifyToken ?? true;
  const tokenSigningKey = randomBytes(32);
  let issuer = 'https://kubernetes.default.svc';
  let faultInjector: FaultInjector | undefined;
  const denied: { verb: string; resource: string; namespace?: string }[] = [];
  let resourceVersion = 0;
  const requests: RequestLogEntry[] = [];

  // One map per resource; keys are "<namespace>/<name>", or "<name>" for namespaces.
  const stores: Record<ResourceKind['plural'], Map<string, JsonObject>> = {
    namespaces: new Map(),
    serviceaccounts: new Map(),
    pods: new Map(),
  };
  const keyOf = (r: ResourceKind, ns: string | undefined, name: string) => (r.namespaced ? `${ns}/${name}` : name);
  const nextRv = () => String(++resourceVersion);

  /** Drops what the real server omits: empty label/annotation maps. */
  function normalize(obj: JsonObject): JsonObject {
    const meta = metaOf(obj);
    for (const k of ['labels', 'annotations']) {
      if (meta[k] === null || (isObject(meta[k]) && Object.keys(meta[k] as JsonObject).length === 0)) delete meta[k];
    }
    return obj;
  }

  function stamp(r: ResourceKind, obj: JsonObject, ns: string | undefined): JsonObject {
    const meta = metaOf(obj);
    obj.apiVersion = 'v1';
    obj.kind = r.kind;
    if (r.namespaced) meta.namespace = ns;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(new Date());
    meta.resourceVersion = nextRv();
    delete meta.deletionTimestamp;
    if (r.plural === 'namespaces') {
      const name = String(meta.name);
      meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), 'kubernetes.io/metadata.name': name };
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
    }
    if (r.plural === 'pods') {
      const spec = isObject(obj.spec) ? obj.spec : (obj.spec = {});
      // The ServiceAccount admission plugin fills both fields.
      spec.serviceAccountName ??= 'default';
      spec.serviceAccount ??= spec.serviceAccountName;
      obj.status ??= { phase: 'Pending', qosClass: 'BestEffort' };
    }
    return normalize(obj);
  }

  function createNamespaceDirect(name: string): JsonObject {
    const existing = stores.namespaces.get(name);
    if (existing) return existing;
    const ns = stamp(RESOURCES.namespaces, { metadata: { name } }, undefined);
    stores.namespaces.set(name, ns);
    stores.serviceaccounts.set(
      `${name}/default`,
      stamp(RESOURCES.serviceaccounts, { metadata: { name: 'default' } }, name),
    );
    return ns;
  }
  for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) createNamespaceDirect(ns);

  function validateName(r: ResourceKind, name: unknown): string {
    if (typeof name !== 'string' || name === '') {
      throw invalid(r, '', 'metadata.name', 'Required value: name or generateName is required');
    }
    const ok = r.plural === 'namespaces' ? DNS_LABEL.test(name) && name.length <= 63 : DNS_SUBDOMAIN.test(name) && name.length <= 253;
    if (!ok) {
      const what = r.plural === 'namespaces' ? 'a lowercase RFC 1123 label' : 'a lowercase RFC 1123 subdomain';
      throw invalid(
        r,
        name,
        'metadata.name',
        `Invalid value: "${name}": ${what} must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
      );
    }
    return name;
  }

  function requireNamespace(ns: string) {
    if (!stores.namespaces.has(ns)) throw notFound(RESOURCES.namespaces, ns);
  }

  function checkBodyIdentity(r: ResourceKind, body: JsonObject, ns: string | undefined, urlName?: string) {
    if (body.kind !== undefined && body.kind !== r.kind) {
      throw badRequest(`the body kind "${String(body.kind)}" does not match the resource ${r.plural}`);
    }
    const meta = metaOf(body);
    if (r.namespaced && meta.namespace !== undefined && meta.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    if (urlName !== undefined && meta.name !== undefined && meta.name !== urlName) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${urlName})`);
    }
  }

  function create(r: ResourceKind, ns: string | undefined, body: JsonObject, dryRun: boolean): JsonObject {
    checkBodyIdentity(r, body, ns);
    const meta = metaOf(body);
    if (meta.name === undefined && typeof meta.generateName === 'string') {
      meta.name = `${meta.generateName}${randomBytes(3).toString('hex').slice(0, 5)}`;
    }
    const name = validateName(r, meta.name);
    if (ns !== undefined) requireNamespace(ns);
    if (ns !== undefined && isObject(stores.namespaces.get(ns)?.status) && (stores.namespaces.get(ns)?.status as JsonObject).phase === 'Terminating') {
      // the real NamespaceLifecycle admission answer
      throw new HttpError(403, 'Forbidden', `${r.plural} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`, {
        name,
        kind: r.plural,
        causes: [{ reason: 'NamespaceTerminating', message: `namespace ${ns} is being terminated`, field: 'metadata.namespace' }],
      });
    }
    if (stores[r.plural].has(keyOf(r, ns, name))) {
      throw new HttpError(409, 'AlreadyExists', `${r.plural} "${name}" already exists`, { name, kind: r.plural });
    }
    delete meta.resourceVersion;
    if (dryRun) return normalize(clone(body));
    if (r.plural === 'namespaces') return clone(createNamespaceDirect(name));
    const stored = stamp(r, clone(body), ns);
    stores[r.plural].set(keyOf(r, ns, name), stored);
    return clone(stored);
  }

  /** Shared by PUT and PATCH: keeps server-owned fields, keeps the resourceVersion on no-ops. */
  function update(r: ResourceKind, ns: string | undefined, name: string, next: JsonObject, dryRun: boolean): JsonObject {
    const key = keyOf(r, ns, name);
    const current = stores[r.plural].get(key);
    if (!current) throw notFound(r, name);
    checkBodyIdentity(r, next, ns, name);
    const meta = metaOf(next);
    const curMeta = metaOf(current);
    const rv = meta.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== curMeta.resourceVersion) throw conflict(r, name);
    const candidate = normalize(clone(next));
    const candMeta = metaOf(candidate);
    candidate.apiVersion = 'v1';
    candidate.kind = r.kind;
    candMeta.name = name;
    if (r.namespaced) candMeta.namespace = ns;
    candMeta.uid = curMeta.uid;
    candMeta.creationTimestamp = curMeta.creationTimestamp;
    candMeta.resourceVersion = curMeta.resourceVersion;
    if (r.plural === 'namespaces') {
      candidate.status = current.status;
      candidate.spec ??= current.spec;
      candMeta.labels = { ...(isObject(candMeta.labels) ? candMeta.labels : {}), 'kubernetes.io/metadata.name': name };
    }
    if (deepEqual(candidate, current)) return clone(current);
    candMeta.resourceVersion = dryRun ? curMeta.resourceVersion : nextRv();
    if (!dryRun) stores[r.plural].set(key, candidate);
    return clone(candidate);
  }

  function remove(r: ResourceKind, ns: string | undefined, name: string, dryRun: boolean): JsonObject {
    const key = keyOf(r, ns, name);
    const current = stores[r.plural].get(key);
    if (!current) throw notFound(r, name);
    const out = clone(current);
    if (dryRun) return out;
    stores[r.plural].delete(key);
    if (r.plural === 'namespaces') {
      // Immediate, where a real namespace lingers in Terminating (terminateNamespace models that).
      for (const store of [stores.serviceaccounts, stores.pods]) {
        for (const k of [...store.keys()]) if (k.startsWith(`${name}/`)) store.delete(k);
      }
      out.status = { phase: 'Terminating' };
      metaOf(out).deletionTimestamp = rfc3339(new Date());
    }
    return out;
  }

  function list(r: ResourceKind, ns: string | undefined, query: URLSearchParams): JsonObject {
    // Like the real server, a missing namespace lists as empty rather than 404.
    const labelSelector = query.get('labelSelector') ?? '';
    const fieldSelector = query.get('fieldSelector') ?? '';
    const items = [...stores[r.plural].values()]
      .filter((o) => ns === undefined || !r.namespaced || metaOf(o).namespace === ns)
      .filter((o) => matchesLabelSelector(isObject(metaOf(o).labels) ? (metaOf(o).labels as JsonObject) : {}, labelSelector))
      .filter((o) => matchesFieldSelector(o, fieldSelector))
      .sort((a, b) => {
        const ka = `${str(metaOf(a).namespace) ?? ''}/${str(metaOf(a).name) ?? ''}`;
        const kb = `${str(metaOf(b).namespace) ?? ''}/${str(metaOf(b).name) ?? ''}`;
        return ka < kb ? -1 : ka > kb ? 1 : 0;
      })
      .map((o) => {
        // List items carry no kind/apiVersion on the wire.
        const { kind: _k, apiVersion: _a, ...rest } = clone(o);
        return rest;
      });
    return { kind: `${r.kind}List`, apiVersion: 'v1', metadata: { resourceVersion: String(resourceVersion) }, items };
  }

  function signJwt(claims: JsonObject): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'irsactl-fake' })}.${enc(claims)}`;
    return `${head}.${createHmac('sha256', tokenSigningKey).update(head).digest('base64url')}`;
  }

  function tokenRequest(ns: string, name: string, body: JsonObject): JsonObject {
    const sa = stores.serviceaccounts.get(`${ns}/${name}`);
    if (!sa) throw notFound(RESOURCES.serviceaccounts, name);
    const spec = isObject(body.spec) ? body.spec : {};
    const audiences =
      Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [issuer];
    const expirationSeconds = spec.expirationSeconds == null ? 3600 : Number(spec.expirationSeconds);
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < 600) {
      throw new HttpError(422, 'Invalid', 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes', {
        kind: 'TokenRequest',
        group: 'authentication.k8s.io',
      });
    }
    const iat = Math.floor(Date.now() / 1000);
    const exp = iat + expirationSeconds;
    const token = signJwt({
      aud: audiences,
      exp,
      iat,
      nbf: iat,
      iss: issuer,
      sub: `system:serviceaccount:${ns}:${name}`,
      'kubernetes.io': { namespace: ns, serviceaccount: { name, uid: metaOf(sa).uid } },
    });
    return {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace: ns, creationTimestamp: null },
      spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: rfc3339(new Date(exp * 1000)) },
    };
  }

  function applyPatch(contentType: string, current: JsonObject, patch: unknown, r: ResourceKind, name: string): JsonObject {
    let result: unknown;
    try {
      if (contentType === 'application/merge-patch+json') result = mergePatch(current, patch);
      else if (contentType === 'application/strategic-merge-patch+json') result = strategicMergePatch(current, patch);
      else if (contentType === 'application/json-patch+json') result = jsonPatch(current, patch);
      else {
        throw new HttpError(
          415,
          'UnsupportedMediaType',
          `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`,
        );
      }
    } catch (err) {
      if (err instanceof JsonPatchError) throw invalid(r, name, 'patch', err.message);
      throw err;
    }
    if (!isObject(result)) throw invalid(r, name, 'patch', 'the patch did not produce an object');
    return result;
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

  const authenticatedKey = new WeakMap<IncomingMessage, string>();
  async function authenticate(req: IncomingMessage): Promise<void> {
    if (!verifyToken) return;
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) throw new HttpError(401, 'Unauthorized', 'Unauthorized: no bearer token');
    const verdict = await verifyEksToken(m[1].trim(), { clusterName: opts.clusterName, credentials });
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
      if (path === '/version') {
        return {
          status: 200,
          body: {
            major: '1',
            minor: '30',
            gitVersion: 'v1.30.0-fake',
            gitCommit: '0000000000000000000000000000000000000000',
            gitTreeState: 'clean',
            buildDate: '2026-01-01T00:00:00Z',
            goVersion: 'go1.22.0',
            compiler: 'gc',
            platform: 'linux/amd64',
          },
        };
      }
      if (path === '/api') {
        return {
          status: 200,
          body: { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: url.host }] },
        };
      }
      if (path === '/apis') return { status: 200, body: { kind: 'APIGroupList', apiVersion: 'v1', groups: [] } };
      if (path === '/api/v1') return { status: 200, body: apiResourceList() };
      if (path === '/openapi/v3') {
        return { status: 200, body: { paths: { 'api/v1': { serverRelativeURL: '/openapi/v3/api/v1?hash=FAKE' } } } };
      }
      if (path === '/openapi/v3/api/v1') return { status: 200, body: openApiV1Document() };
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
      return { status: 200, body: list(RESOURCES[rest[0]], undefined, q) };
    }
    let r: ResourceKind;
    let ns: string | undefined;
    let name: string | undefined;
    let sub: string | undefined;
    if (rest[0] === 'namespaces' && rest.length <= 2) {
      r = RESOURCES.namespaces;
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
      return { status: 201, body: tokenRequest(ns as string, name, isObject(body) ? body : {}) };
    }

    if (name === undefined) {
      if (method === 'GET') return { status: 200, body: list(r, ns, q) };
      if (method === 'POST') {
        const body = await readBody(req);
        if (!isObject(body)) throw badRequest('the request body must be a JSON object');
        return { status: dryRun ? 200 : 201, body: create(r, ns, body, dryRun) };
      }
      throw new HttpError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }

    const key = keyOf(r, ns, name);
    switch (method) {
      case 'GET': {
        const obj = stores[r.plural].get(key);
        if (!obj) throw notFound(r, name);
        return { status: 200, body: clone(obj) };
      }
      case 'PUT': {
        const body = await readBody(req);
        if (!isObject(body)) throw badRequest('the request body must be a JSON object');
        return { status: 200, body: update(r, ns, name, body, dryRun) };
      }
      case 'PATCH': {
        const contentType = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
        const patch = await readBody(req);
        const current = stores[r.plural].get(key);
        if (!current) throw notFound(r, name);
        const patched = applyPatch(contentType, clone(current), patch, r, name);
        return { status: 200, body: update(r, ns, name, patched, dryRun) };
      }
      case 'DELETE':
        await readBody(req); // DeleteOptions; nothing in it matters here
        return { status: 200, body: remove(r, ns, name, dryRun) };
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

  const splitNsName = (obj: JsonObject): { ns: string; name: string } => {
    const meta = metaOf(obj);
    const name = str(meta.name);
    if (!name) throw new Error('object needs metadata.name');
    return { ns: str(meta.namespace) ?? 'default', name };
  };
  const putNamespaced = (r: ResourceKind, obj: JsonObject): JsonObject => {
    const { ns, name } = splitNsName(obj);
    createNamespaceDirect(ns);
    const previous = stores[r.plural].get(`${ns}/${name}`);
    const stored = stamp(r, clone(obj), ns);
    if (previous) {
      metaOf(stored).uid = metaOf(previous).uid;
      metaOf(stored).creationTimestamp = metaOf(previous).creationTimestamp;
    }
    stores[r.plural].set(`${ns}/${name}`, stored);
    return clone(stored);
  };

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
    setIssuer: (u) => {
      issuer = u;
    },
    putNamespace: (name) => {
      createNamespaceDirect(name);
    },
    terminateNamespace: (name) => {
      const ns = createNamespaceDirect(name);
      ns.status = { phase: 'Terminating' };
      metaOf(ns).deletionTimestamp = rfc3339(new Date());
    },
    deny: (rule) => {
      if (rule === undefined) denied.length = 0;
      else denied.push(rule);
    },
    putServiceAccount: (obj) => putNamespaced(RESOURCES.serviceaccounts, obj),
    getServiceAccount: (ns, name) => {
      const o = stores.serviceaccounts.get(`${ns}/${name}`);
      return o ? clone(o) : undefined;
    },
    putPod: (pod) => putNamespaced(RESOURCES.pods, pod),
    deletePod: (ns, name) => stores.pods.delete(`${ns}/${name}`),
  };
}
