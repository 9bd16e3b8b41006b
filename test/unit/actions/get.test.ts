import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../../../sandbox/kube/resources.js';
import { ROLE_ARN_ANNOTATION } from '../../../src/model/kubernetes.js';
import { memoryCluster } from '../../support/memory-cli.js';

// get's reading of stacks, roles and ServiceAccounts through in-memory ports (test/support/memory-aws.ts for moto
// and the proxy, memory-kube.ts for the Kubernetes test server); test/e2e/get.test.ts runs it end to end.

describe('get through in-memory ports', () => {
  it("lists what create made, with its stack, role and the ServiceAccount's annotation, and says where the two disagree", async () => {
    const m = memoryCluster();
    const created = await m.run(['create', 'iamserviceaccount', '--cluster', m.cluster, '--region', m.region, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', 'arn:aws:iam::aws:policy/ReadOnlyAccess', '--approve']);
    expect(created, created.stderr).toMatchObject({ code: 0 });
    const roleArn = m.aws.stacks.get(`eksctl-${m.cluster}-addon-iamserviceaccount-apps-app`)?.outputs.Role1;

    const get = async () => {
      const r = await m.run(['get', 'iamserviceaccount', '--cluster', m.cluster, '--region', m.region, '-o', 'json']);
      expect(r, r.stderr).toMatchObject({ code: 0 });
      return JSON.parse(r.stdout) as { metadata: { namespace: string; name: string }; status: { roleARN?: string; health?: string; serviceAccount?: { exists: boolean; roleARN?: string } } }[];
    };
    expect(await get()).toMatchObject([{ metadata: { namespace: 'apps', name: 'app' }, status: { roleARN: roleArn, health: 'ok', serviceAccount: { exists: true, roleARN: roleArn } } }]);

    // Someone re-points the ServiceAccount: get reports the annotation it finds, not the one irsactl wrote.
    const sa = m.kube.store.get(RESOURCES.serviceaccounts, 'apps', 'app')!;
    const meta = sa.metadata as { annotations: Record<string, string> };
    m.kube.store.update(RESOURCES.serviceaccounts, 'apps', 'app', { ...sa, metadata: { ...meta, annotations: { ...meta.annotations, [ROLE_ARN_ANNOTATION]: 'arn:aws:iam::111122223333:role/other' } } });
    const [after] = await get();
    expect(after?.status.serviceAccount).toEqual({ exists: true, roleARN: 'arn:aws:iam::111122223333:role/other' });
    expect(after?.status.health).toBe('stale annotation');
  });
});
