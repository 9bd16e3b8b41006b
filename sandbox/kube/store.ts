// The test server's objects: namespaces, ServiceAccounts and pods with uids and resourceVersions, and the
// create/update/remove/list semantics of the real API server (409 on a stale resourceVersion, no-op writes keep
// theirs). No HTTP here, so it also backs the in-memory KubePort of the unit tests (test/support/memory-kube.ts).
import { randomBytes, randomUUID } from 'node:crypto';
import { clone, deepEqual, isObject, str, type JsonObject } from './json.js';
import { metaOf, RESOURCES, rfc3339, type ResourceKind } from './resources.js';
import { matchesFieldSelector, matchesLabelSelector } from './selectors.js';
import { badRequest, conflict, HttpError, invalid, notFound } from './status.js';

const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export interface ListOptions {
  labelSelector?: string;
  fieldSelector?: string;
}

/** Every method answers with a copy; the refusals are thrown as HttpError, worded as the real server words them. */
export interface KubeStore {
  get(r: ResourceKind, ns: string | undefined, name: string): JsonObject | undefined;
  /** POST: fills server-owned metadata; 409 AlreadyExists, 404 for a missing namespace, 403 in a terminating one. */
  create(r: ResourceKind, ns: string | undefined, body: JsonObject, dryRun?: boolean): JsonObject;
  /** PUT, and PATCH after the patch is applied: 409 Conflict on a stale resourceVersion. */
  update(r: ResourceKind, ns: string | undefined, name: string, next: JsonObject, dryRun?: boolean): JsonObject;
  remove(r: ResourceKind, ns: string | undefined, name: string, dryRun?: boolean): JsonObject;
  /** A `<Kind>List`; `ns` undefined lists every namespace. */
  list(r: ResourceKind, ns: string | undefined, opts?: ListOptions): JsonObject;
  /** Test set-up, not an API call: creates the namespace (and its default ServiceAccount) if missing. */
  putNamespace(name: string): void;
  /** Leaves the namespace in Terminating, as a real one lingers while its finalizers run. */
  terminateNamespace(name: string): void;
  /** Test set-up: inserts or overwrites a namespaced object, keeping the uid of the one it replaces. */
  put(r: ResourceKind, obj: JsonObject): JsonObject;
  /** Test set-up: a node with these labels (kubernetes.io/os: windows for a Windows node), replacing one of its name. */
  putNode(name: string, labels: Record<string, string>): JsonObject;
  /** Test set-up: drops an object at once, no questions asked; false if there was none. */
  drop(r: ResourceKind, ns: string, name: string): boolean;
}

export function createKubeStore(): KubeStore {
  let resourceVersion = 0;
  // One map per resource; keys are "<namespace>/<name>", or "<name>" for namespaces.
  const stores: Record<ResourceKind['plural'], Map<string, JsonObject>> = {
    namespaces: new Map(),
    serviceaccounts: new Map(),
    pods: new Map(),
    nodes: new Map(),
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

  function create(r: ResourceKind, ns: string | undefined, body: JsonObject, dryRun = false): JsonObject {
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
  function update(r: ResourceKind, ns: string | undefined, name: string, next: JsonObject, dryRun = false): JsonObject {
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

  function remove(r: ResourceKind, ns: string | undefined, name: string, dryRun = false): JsonObject {
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

  function list(r: ResourceKind, ns: string | undefined, opts: ListOptions = {}): JsonObject {
    // Like the real server, a missing namespace lists as empty rather than 404.
    const labelSelector = opts.labelSelector ?? '';
    const fieldSelector = opts.fieldSelector ?? '';
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

  const splitNsName = (obj: JsonObject): { ns: string; name: string } => {
    const meta = metaOf(obj);
    const name = str(meta.name);
    if (!name) throw new Error('object needs metadata.name');
    return { ns: str(meta.namespace) ?? 'default', name };
  };

  return {
    get: (r, ns, name) => {
      const obj = stores[r.plural].get(keyOf(r, ns, name));
      return obj ? clone(obj) : undefined;
    },
    create,
    update,
    remove,
    list,
    putNamespace: (name) => {
      createNamespaceDirect(name);
    },
    terminateNamespace: (name) => {
      const ns = createNamespaceDirect(name);
      ns.status = { phase: 'Terminating' };
      metaOf(ns).deletionTimestamp = rfc3339(new Date());
    },
    put: (r, obj) => {
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
    },
    putNode: (name, labels) => {
      const stored = stamp(RESOURCES.nodes, { metadata: { name, labels: { ...labels } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, undefined);
      stores.nodes.set(name, stored);
      return clone(stored);
    },
    drop: (r, ns, name) => stores[r.plural].delete(keyOf(r, ns, name)),
  };
}
