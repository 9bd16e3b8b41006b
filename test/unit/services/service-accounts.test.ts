/**
 * The ServiceAccount service against a KubePort held in a Map (no Kubernetes server): the upsert's re-read on a
 * conflict, the race with an object that appears while irsactl works, and what a delete does to the object.
 */
import { describe, expect, it } from 'vitest';
import type { KubePort, ServiceAccountObject } from '../../../src/k8s/ports.js';
import { IrsaError } from '../../../src/errors.js';
import type { Narrator } from '../../../src/output/reporter.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_ARN_ANNOTATION } from '../../../src/model/kubernetes.js';
import { namespaceMaker, releaseOnDelete, upsertServiceAccount } from '../../../src/services/service-accounts.js';

const ROLE = 'arn:aws:iam::111122223333:role/r';

function kubeOf(objects: ServiceAccountObject[], opts: { conflicts?: number } = {}) {
  const store = new Map(objects.map((o) => [`${o.namespace}/${o.name}`, o]));
  const calls: string[] = [];
  let conflicts = opts.conflicts ?? 0;
  const notUsed = () => Promise.reject(new Error('not used'));
  const write = async (sa: ServiceAccountObject, verb: string) => {
    calls.push(`${verb} ${sa.namespace}/${sa.name}`);
    if (conflicts-- > 0) throw new IrsaError('KUBERNETES', 'conflict', { httpStatus: 409 });
    store.set(`${sa.namespace}/${sa.name}`, sa);
    return sa;
  };
  const kube: KubePort = {
    namespaceExists: async () => true,
    namespacePhase: async () => 'Active',
    mayI: async () => true,
    createNamespace: async (ns) => void calls.push(`createNamespace ${ns}`),
    getServiceAccount: async (ns, name) => (calls.push(`get ${ns}/${name}`), store.get(`${ns}/${name}`)),
    listServiceAccounts: notUsed,
    createServiceAccount: (sa) => write(sa, 'create'),
    patchServiceAccountMetadata: (sa) => write(sa, 'replace'),
    deleteServiceAccount: async (ns, name) => (calls.push(`delete ${ns}/${name}`), void store.delete(`${ns}/${name}`)),
    listPods: notUsed,
    listNodes: notUsed,
    createToken: notUsed,
  };
  return { kube, store, calls };
}

const lines: string[] = [];
const narrator: Narrator = { info: (m) => lines.push(m), ok: (m) => lines.push(m), warn: (m) => lines.push(m), debug: (m) => lines.push(m) };
const desired = { namespace: 'apps', name: 'sa', labels: {}, annotations: { [ROLE_ARN_ANNOTATION]: ROLE } };
const sa = (over: Partial<ServiceAccountObject> = {}): ServiceAccountObject => ({ namespace: 'apps', name: 'sa', labels: {}, annotations: {}, resourceVersion: '1', ...over });

describe('upsertServiceAccount', () => {
  it('creates the object with the role and the managed-by label', async () => {
    const { kube, store } = kubeOf([]);
    expect(await upsertServiceAccount(kube, narrator, namespaceMaker(narrator), { desired, mayAnnotateExisting: false })).toBe('created');
    expect(store.get('apps/sa')).toMatchObject({ annotations: { [ROLE_ARN_ANNOTATION]: ROLE }, labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE } });
  });

  it('on a conflict reads the object again and merges into what it finds', async () => {
    const changed = sa({ labels: { team: 'a' }, resourceVersion: '2' });
    const { kube, store, calls } = kubeOf([changed], { conflicts: 1 });
    // the plan saw an older object: the first write loses, the second is made on the fresh read
    const outcome = await upsertServiceAccount(kube, narrator, namespaceMaker(narrator), { desired, observed: sa(), mayAnnotateExisting: true });
    expect(outcome).toBe('annotated');
    expect(calls).toEqual(['replace apps/sa', 'get apps/sa', 'replace apps/sa']);
    expect(store.get('apps/sa')).toMatchObject({ labels: { team: 'a' }, annotations: { [ROLE_ARN_ANNOTATION]: ROLE }, resourceVersion: '2' });
  });

  it('gives up after five conflicts with the last one', async () => {
    const { kube, calls } = kubeOf([sa()], { conflicts: 99 });
    await expect(upsertServiceAccount(kube, narrator, namespaceMaker(narrator), { desired, observed: sa(), mayAnnotateExisting: true })).rejects.toMatchObject({ httpStatus: 409 });
    expect(calls.filter((c) => c.startsWith('replace'))).toHaveLength(5);
  });

  it('leaves alone an object that appeared while it worked, when it may not annotate one', async () => {
    const { kube, calls } = kubeOf([sa()], { conflicts: 1 });
    // the plan saw none; the create meets the object someone else made
    expect(await upsertServiceAccount(kube, narrator, namespaceMaker(narrator), { desired, mayAnnotateExisting: false })).toBe('skipped');
    expect(calls).toEqual(['create apps/sa', 'get apps/sa']);
  });

  it('makes a missing namespace once for many service accounts', async () => {
    const { kube, calls } = kubeOf([]);
    const ensure = namespaceMaker(narrator, new Map([['apps', undefined]]));
    await Promise.all([ensure(kube, 'apps'), ensure(kube, 'apps')]);
    expect(calls).toEqual(['createNamespace apps']);
  });
});

describe('releaseOnDelete', () => {
  it('deletes an object irsactl manages', async () => {
    const { kube, store } = kubeOf([sa({ labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE }, annotations: { [ROLE_ARN_ANNOTATION]: ROLE } })]);
    expect(await releaseOnDelete(kube, narrator, { namespace: 'apps', name: 'sa', roleArn: ROLE, hadStack: true })).toEqual({ outcome: 'deleted' });
    expect(store.has('apps/sa')).toBe(false);
  });

  it('only strips the role annotation from an object it does not manage', async () => {
    const { kube, store } = kubeOf([sa({ labels: { team: 'a' }, annotations: { [ROLE_ARN_ANNOTATION]: ROLE, other: 'x' } })]);
    expect(await releaseOnDelete(kube, narrator, { namespace: 'apps', name: 'sa', roleArn: ROLE, hadStack: true })).toEqual({ outcome: 'annotation-removed' });
    expect(store.get('apps/sa')).toMatchObject({ labels: { team: 'a' }, annotations: { other: 'x' } });
    expect(store.get('apps/sa')?.annotations[ROLE_ARN_ANNOTATION]).toBeUndefined();
  });

  it("touches nothing without a stack when the object's role is not one of the cluster's", async () => {
    const { kube, calls } = kubeOf([sa({ annotations: { [ROLE_ARN_ANNOTATION]: 'arn:aws:iam::1:role/terraform' } })]);
    const released = await releaseOnDelete(kube, narrator, { namespace: 'apps', name: 'sa', hadStack: false, clusterRoleArns: new Set([ROLE]) });
    expect(released.outcome).toBe('kept');
    expect(released.note).toContain("is not one of this cluster's iamserviceaccount roles");
    expect(calls).toEqual(['get apps/sa']);
  });

  it('says absent when there is no object', async () => {
    const { kube } = kubeOf([]);
    expect(await releaseOnDelete(kube, narrator, { namespace: 'apps', name: 'sa', hadStack: true })).toEqual({ outcome: 'absent' });
  });
});
