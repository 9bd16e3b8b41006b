/**
 * KubePort over @kubernetes/client-node 1.4: each port method as one API call, retried when the failure is
 * transient and cut short by the run's deadline or stop. connect.ts is the only module that loads that package.
 */
import { IrsaError, isRunStopped } from '../errors.js';
import { prepare, type ConnectKubeOptions } from './connect.js';
import { toNode, toPod, toServiceAccount } from './convert.js';
import { describeCall, isAbort, isConflict, isNotFound, isTransientKubeError, KUBE_MAX_ATTEMPTS, mapKubeError, retryDelayMs, type CallSite } from './errors.js';
import type { KubeConnection, KubePort } from './ports.js';

const LIST_PAGE_SIZE = 500;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function connectKube(conn: KubeConnection, opts: ConnectKubeOptions = {}): Promise<KubePort> {
  const { lib: k8s, api, authz, endpoint, isEks, timeouts } = await prepare(conn, opts);
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
    const what = `Kubernetes ${describeCall(site)}`;
    for (let n = 1; ; n++) {
      try {
        return await attempt(what, fn);
      } catch (caught) {
        if (isRunStopped(caught)) throw caught;
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
      if (isNotFound(err)) return undefined;
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
        if (isConflict(err)) return;
        throw err;
      }
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

    async patchServiceAccountMetadata(sa) {
      // A JSON patch that sets labels, annotations and (as the precondition) resourceVersion:
      // it replaces exactly the metadata we model, keeps secrets/imagePullSecrets/automount
      // that a PUT of our narrow object would wipe, and still gets a 409 on a stale version.
      const ops: { op: 'add'; path: string; value: unknown }[] = [];
      if (sa.resourceVersion !== undefined) ops.push({ op: 'add', path: '/metadata/resourceVersion', value: sa.resourceVersion });
      ops.push({ op: 'add', path: '/metadata/labels', value: sa.labels });
      ops.push({ op: 'add', path: '/metadata/annotations', value: sa.annotations });
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

    async listNodes() {
      const items = await call({ verb: 'list', resource: 'nodes' }, () => listAll((cont) => api.listNode({ limit: LIST_PAGE_SIZE, _continue: cont })));
      return items.map(toNode);
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
