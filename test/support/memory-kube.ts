import { toNode, toPod, toServiceAccount as toServiceAccountDto } from '../../src/k8s/convert.js';
import { isConflict, isNotFound, mapKubeError } from '../../src/k8s/errors.js';
import type { KubePort, PodObject, ServiceAccountObject } from '../../src/k8s/ports.js';
import type { JsonObject } from '../../sandbox/kube/json.js';
import { RESOURCES, type ResourceKind } from '../../sandbox/kube/resources.js';
import { HttpError, statusBody } from '../../sandbox/kube/status.js';
import { createKubeStore, type KubeStore } from '../../sandbox/kube/store.js';

// An in-memory KubePort for the unit tier (the role of eksctl's fake clientset): the Kubernetes test server's own
// store (sandbox/kube/store.ts: resourceVersions, 409 on a stale write, AlreadyExists, a terminating namespace's
// 403), without HTTPS, TLS or the EKS token. Refusals go through the real adapter's error mapping (mapKubeError),
// so an action sees the IrsaError it would see from src/k8s/client.ts.

export interface KubeCall {
  verb: 'get' | 'list' | 'create' | 'patch' | 'delete';
  resource: string;
  namespace?: string;
  name?: string;
}

export interface MemoryKube {
  port: KubePort;
  store: KubeStore;
  /** Every port call in order. */
  calls: KubeCall[];
  /**
   * Runs before each call reaches the store: a test changes the store here to play another writer racing
   * irsactl (the store then answers irsactl's write as the API server would), or throws to fail the call.
   */
  beforeCall?: (call: KubeCall) => void;
  /** RBAC in one rule, as the test server's deny(): mayI answers false for it. */
  denied: { verb: string; resource: string; namespace?: string }[];
}

// The store holds the API's JSON, which is what the adapter's converters read (their client-node types are that JSON's shape).
const toServiceAccount = (o: JsonObject): ServiceAccountObject => toServiceAccountDto(o as Parameters<typeof toServiceAccountDto>[0]);

const itemsOf = (list: JsonObject): JsonObject[] => (Array.isArray(list.items) ? (list.items as JsonObject[]) : []);

export function memoryKube(store: KubeStore = createKubeStore()): MemoryKube {
  const fake: Omit<MemoryKube, 'port'> = { store, calls: [], denied: [] };

  /** One port call: logged, the test's hook, then the store; an HttpError becomes the adapter's IrsaError. */
  const call = <T>(site: KubeCall, fn: () => T): T => {
    fake.calls.push(site);
    try {
      fake.beforeCall?.(site);
      return fn();
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      throw mapKubeError({ code: err.status, body: statusBody(err.status, err.reason, err.message, err.details) }, site, 'memory', false);
    }
  };
  const orUndefinedOn404 = <T>(fn: () => T): T | undefined => {
    try {
      return fn();
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  };
  const namespace = (name: string) => call({ verb: 'get', resource: 'namespaces', name }, () => store.get(RESOURCES.namespaces, undefined, name));
  const list = (r: ResourceKind, ns: string | undefined) => itemsOf(call({ verb: 'list', resource: r.plural, namespace: ns }, () => store.list(r, ns)));

  const port: KubePort = {
    async namespaceExists(name) {
      return namespace(name) !== undefined;
    },
    async namespacePhase(name) {
      const ns = namespace(name);
      if (ns === undefined) return undefined;
      const status = ns.status as { phase?: string } | undefined;
      return status?.phase === 'Terminating' ? 'Terminating' : 'Active';
    },
    async mayI(verb, resource, ns) {
      return !fake.denied.some((d) => d.verb === verb && d.resource === resource && (d.namespace === undefined || d.namespace === ns));
    },
    async createNamespace(name) {
      try {
        call({ verb: 'create', resource: 'namespaces', name }, () => store.create(RESOURCES.namespaces, undefined, { metadata: { name } }));
      } catch (err) {
        // As the adapter: AlreadyExists is success.
        if (isConflict(err)) return;
        throw err;
      }
    },
    async getServiceAccount(ns, name) {
      const o = call({ verb: 'get', resource: 'serviceaccounts', namespace: ns, name }, () => store.get(RESOURCES.serviceaccounts, ns, name));
      return o === undefined ? undefined : toServiceAccount(o);
    },
    async listServiceAccounts(ns) {
      return list(RESOURCES.serviceaccounts, ns).map(toServiceAccount);
    },
    async createServiceAccount(sa) {
      const body = { metadata: { name: sa.name, namespace: sa.namespace, labels: sa.labels, annotations: sa.annotations } };
      return toServiceAccount(call({ verb: 'create', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name }, () => store.create(RESOURCES.serviceaccounts, sa.namespace, body)));
    },
    async patchServiceAccountMetadata(sa) {
      // As the adapter's JSON patch: labels, annotations and (the precondition) resourceVersion; the rest is kept.
      const site: KubeCall = { verb: 'patch', resource: 'serviceaccounts', namespace: sa.namespace, name: sa.name };
      return toServiceAccount(
        call(site, () => {
          const current = store.get(RESOURCES.serviceaccounts, sa.namespace, sa.name);
          if (current === undefined) throw new HttpError(404, 'NotFound', `serviceaccounts "${sa.name}" not found`, { name: sa.name, kind: 'serviceaccounts' });
          const metadata: JsonObject = { ...(current.metadata as JsonObject), labels: sa.labels, annotations: sa.annotations };
          if (sa.resourceVersion !== undefined) metadata.resourceVersion = sa.resourceVersion;
          return store.update(RESOURCES.serviceaccounts, sa.namespace, sa.name, { ...current, metadata });
        }),
      );
    },
    async deleteServiceAccount(ns, name) {
      orUndefinedOn404(() => call({ verb: 'delete', resource: 'serviceaccounts', namespace: ns, name }, () => store.remove(RESOURCES.serviceaccounts, ns, name)));
    },
    async listPods(ns): Promise<PodObject[]> {
      return list(RESOURCES.pods, ns).map((o) => toPod(o as Parameters<typeof toPod>[0]));
    },
    async listNodes() {
      return list(RESOURCES.nodes, undefined).map((o) => toNode(o as Parameters<typeof toNode>[0]));
    },
    async createToken() {
      throw new Error('the in-memory KubePort issues no tokens: TokenRequest is tested against the Kubernetes test server');
    },
  };
  // One object, so that a beforeCall set on what this returns is the one the calls consult.
  return Object.assign(fake, { port });
}
