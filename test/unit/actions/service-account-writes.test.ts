import { describe, expect, it } from 'vitest';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_ARN_ANNOTATION } from '../../../src/model/kubernetes.js';
import { CLUSTER_NAME_TAG, IRSA_NAME_TAG, ROLE_OUTPUT } from '../../../src/model/naming.js';
import { RESOURCES } from '../../../sandbox/kube/resources.js';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cli.js';

// The create and delete paths' orchestration (stack, then ServiceAccount; the 409 loop; release on delete) through
// in-memory ports, with no moto and no HTTPS Kubernetes server: test/support/memory-aws.ts stands in for moto and
// the proxy (a stack completes at once), test/support/memory-kube.ts for the Kubernetes test server (the same store,
// so resourceVersions and 409s are the server's own). test/e2e/{create,delete}.test.ts run the same paths end to end.

const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';

const serviceAccount = (m: MemoryCluster, ns: string, name: string) => m.kube.store.get(RESOURCES.serviceaccounts, ns, name)?.metadata as
  | { labels?: Record<string, string>; annotations?: Record<string, string>; resourceVersion?: string }
  | undefined;

async function create(m: MemoryCluster, ns: string, name: string, ...extra: string[]) {
  const r = await m.run(['create', 'iamserviceaccount', '--cluster', m.cluster, '--region', m.region, '--namespace', ns, '--name', name, '--attach-policy-arn', POLICY, '--approve', ...extra]);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  return r;
}

describe('create through in-memory ports', () => {
  it("creates the stack, then the ServiceAccount with the stack's role and irsactl's managed-by label", async () => {
    const m = memoryCluster();
    await create(m, 'apps', 'reader');

    const stackName = `eksctl-${m.cluster}-addon-iamserviceaccount-apps-reader`;
    const stack = m.aws.stacks.get(stackName);
    expect(stack).toMatchObject({ status: 'CREATE_COMPLETE', tags: { [CLUSTER_NAME_TAG]: m.cluster, [IRSA_NAME_TAG]: 'apps/reader' } });
    expect(serviceAccount(m, 'apps', 'reader')).toMatchObject({
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: { [ROLE_ARN_ANNOTATION]: stack?.outputs[ROLE_OUTPUT] },
    });
    // The namespace did not exist: irsactl made it, before the ServiceAccount and after the stack.
    const order = [...m.aws.calls.filter((c) => c.startsWith('cfn.createStack')), ...m.kube.calls.filter((c) => c.verb === 'create').map((c) => `kube.create ${c.resource}`)];
    expect(order).toEqual([`cfn.createStack ${stackName}`, 'kube.create namespaces', 'kube.create serviceaccounts']);
  });

  it('writes nothing, in AWS or Kubernetes, when the cluster has no IAM OIDC provider', async () => {
    const m = memoryCluster({ oidcProvider: false });
    const r = await m.run(['create', 'iamserviceaccount', '--cluster', m.cluster, '--region', m.region, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', POLICY, '--approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`run \`irsactl utils associate-iam-oidc-provider --cluster ${m.cluster} --region ${m.region} --approve\``);
    expect(m.aws.stacks.size).toBe(0);
    expect(m.kube.calls.filter((c) => c.verb !== 'get' && c.verb !== 'list')).toEqual([]);
  });

  it('re-reads and merges again when another writer changes the ServiceAccount between its read and its write (409)', async () => {
    const m = memoryCluster();
    m.kube.store.put(RESOURCES.serviceaccounts, { metadata: { name: 'app', namespace: 'apps', annotations: { 'team/owner': 'a' } } });
    let raced = false;
    m.kube.beforeCall = (call) => {
      // The first write only: another controller annotates the object, so irsactl's resourceVersion is stale.
      if (call.verb !== 'patch' || raced) return;
      raced = true;
      const current = m.kube.store.get(RESOURCES.serviceaccounts, 'apps', 'app')!;
      const meta = current.metadata as { annotations: Record<string, string> };
      m.kube.store.update(RESOURCES.serviceaccounts, 'apps', 'app', { ...current, metadata: { ...meta, annotations: { ...meta.annotations, 'other/writer': 'was here' } } });
    };
    await create(m, 'apps', 'app', '--override-existing-serviceaccounts');

    const writes = m.kube.calls.filter((c) => c.resource === 'serviceaccounts' && c.verb !== 'list').map((c) => c.verb);
    expect(writes).toEqual(['patch', 'get', 'patch']);
    // Both writers' annotations survive; irsactl did not claim an object it did not create.
    const sa = serviceAccount(m, 'apps', 'app');
    expect(sa?.annotations).toEqual({ 'team/owner': 'a', 'other/writer': 'was here', [ROLE_ARN_ANNOTATION]: expect.stringContaining(':role/') });
    expect(sa?.labels?.[MANAGED_BY_LABEL]).toBeUndefined();
  });

  it('leaves alone a ServiceAccount that someone else created between the plan and the write (AlreadyExists)', async () => {
    const m = memoryCluster();
    m.kube.beforeCall = (call) => {
      if (call.verb === 'create' && call.resource === 'serviceaccounts' && serviceAccount(m, 'apps', 'late') === undefined) {
        m.kube.store.put(RESOURCES.serviceaccounts, { metadata: { name: 'late', namespace: 'apps', labels: { 'helm.sh/chart': 'x' } } });
      }
    };
    const r = await create(m, 'apps', 'late');
    expect(r.stderr).toContain('serviceaccount appeared in Kubernetes while irsactl worked: left untouched');
    expect(serviceAccount(m, 'apps', 'late')).toMatchObject({ labels: { 'helm.sh/chart': 'x' } });
    expect(serviceAccount(m, 'apps', 'late')?.annotations).toBeUndefined();
  });
});

describe('delete through in-memory ports', () => {
  it('deletes the stack and the ServiceAccount irsactl created', async () => {
    const m = memoryCluster();
    await create(m, 'apps', 'mine');
    const r = await m.run(['delete', 'iamserviceaccount', '--cluster', m.cluster, '--region', m.region, '--namespace', 'apps', '--name', 'mine', '--wait']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.aws.stacks.get(`eksctl-${m.cluster}-addon-iamserviceaccount-apps-mine`)?.status).toBe('DELETE_COMPLETE');
    expect(serviceAccount(m, 'apps', 'mine')).toBeUndefined();
  });

  it('releases a ServiceAccount irsactl does not own by removing only the role annotation', async () => {
    const m = memoryCluster();
    m.kube.store.put(RESOURCES.serviceaccounts, {
      metadata: { name: 'helm', namespace: 'apps', labels: { [MANAGED_BY_LABEL]: 'Helm' }, annotations: { 'meta.helm.sh/release-name': 'web' } },
    });
    await create(m, 'apps', 'helm', '--override-existing-serviceaccounts');
    expect(serviceAccount(m, 'apps', 'helm')?.annotations?.[ROLE_ARN_ANNOTATION]).toBeDefined();

    const r = await m.run(['delete', 'iamserviceaccount', '--cluster', m.cluster, '--region', m.region, '--namespace', 'apps', '--name', 'helm', '--wait']);
    expect(r, r.stderr).toMatchObject({ code: 0 });
    expect(m.kube.calls.some((c) => c.verb === 'delete')).toBe(false);
    expect(serviceAccount(m, 'apps', 'helm')).toMatchObject({
      labels: { [MANAGED_BY_LABEL]: 'Helm' },
      annotations: { 'meta.helm.sh/release-name': 'web' },
    });
    expect(serviceAccount(m, 'apps', 'helm')?.annotations).not.toHaveProperty(ROLE_ARN_ANNOTATION);
  });
});
