import { describe, expect, it } from 'vitest';
import { RESOURCES } from '../../../sandbox/kube/resources.js';
import { memoryCluster, type MemoryCluster } from '../../support/memory-cli.js';

// The migration's executor through the in-memory ports (CloudFormation applies a template's trust policy to its role
// at once here, as the sandbox's cfn-iam-sync does for moto): a role two ServiceAccounts share, idempotent re-runs,
// and a partial rollback that keeps the trust the other ServiceAccount's association still needs.

const ANNOTATION = 'eks.amazonaws.com/role-arn';
const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const WRITES = /^(cfn\.updateStack|iam\.updateAssumeRolePolicy|eks\.(create|delete)PodIdentityAssociation)\b/;

async function twoOnOneRole(): Promise<{ m: MemoryCluster; role: string }> {
  const m = memoryCluster();
  const r = await m.run(['create', 'iamserviceaccount', '--cluster', m.cluster, '--namespace', 'default', '--name', 'a', '--attach-policy-arn', POLICY, '--approve']);
  expect(r, r.stderr).toMatchObject({ code: 0 });
  const role = (m.kube.store.get(RESOURCES.serviceaccounts, 'default', 'a')!.metadata as { annotations: Record<string, string> }).annotations[ANNOTATION]!;
  m.kube.store.put(RESOURCES.serviceaccounts, { metadata: { namespace: 'default', name: 'b', annotations: { [ANNOTATION]: role } } });
  return { m, role };
}
const migrate = (m: MemoryCluster, ...extra: string[]) => m.run(['utils', 'migrate-to-pod-identity', '--cluster', m.cluster, ...extra]);
const world = (m: MemoryCluster) => ({
  roles: structuredClone([...m.aws.roles.values()].map((r) => r.trustPolicy)),
  templates: [...m.aws.stacks.values()].map((s) => JSON.parse(s.templateBody) as unknown),
  annotations: ['a', 'b'].map((n) => (m.kube.store.get(RESOURCES.serviceaccounts, 'default', n)!.metadata as { annotations?: Record<string, string> }).annotations?.[ANNOTATION] ?? null),
  associations: [...m.aws.associations.values()].map((a) => `${a.namespace}/${a.serviceAccount}`).sort(),
});

describe('migrate-to-pod-identity through in-memory ports', () => {
  it('a shared role gets one trust statement; a re-run writes nothing; rollback of one keeps the trust the other uses; rollback of all is exact', async () => {
    const { m, role } = await twoOnOneRole();
    const original = world(m);
    const run = await migrate(m, '--approve', '-o', 'json');
    expect(run, run.stderr).toMatchObject({ code: 0 });
    const doc = JSON.parse(run.stdout) as { serviceAccounts: { id: string; warnings: { code: string }[]; steps: { action: string; outcome: string }[] }[] };
    expect(doc.serviceAccounts.map((s) => s.steps.find((x) => x.action === 'add-pod-identity-trust')?.outcome)).toEqual(['done', 'unchanged']);
    expect(doc.serviceAccounts[1]!.warnings.map((w) => w.code)).toContain('no-oidc-trust');
    expect(m.aws.calls.filter((c) => c.startsWith('cfn.updateStack'))).toHaveLength(1);
    expect(world(m).associations).toEqual(['default/a', 'default/b']);
    const statements = (m.aws.roles.get(role.split('/').pop()!)!.trustPolicy as { Statement: unknown[] }).Statement;
    expect(statements).toHaveLength(2);

    m.aws.calls.length = 0;
    expect((await migrate(m, '--approve')).code).toBe(0);
    expect(m.aws.calls.filter((c) => WRITES.test(c))).toEqual([]);

    const one = await migrate(m, '--rollback', '--include', 'default/a', '--approve', '-o', 'json');
    expect(one, one.stderr).toMatchObject({ code: 0 });
    const oneDoc = JSON.parse(one.stdout) as { serviceAccounts: { warnings: { code: string }[]; steps: { action: string }[] }[] };
    expect(oneDoc.serviceAccounts[0]!.steps.map((s) => s.action)).toEqual(['delete-association']);
    expect(oneDoc.serviceAccounts[0]!.warnings.map((w) => w.code)).toEqual(['trust-still-used']);
    expect(world(m).associations).toEqual(['default/b']);

    const all = await migrate(m, '--rollback', '--approve');
    expect(all, all.stderr).toMatchObject({ code: 0 });
    expect(world(m)).toEqual(original);
  });

  it('cut-over of the shared role removes only the subject of the ServiceAccount that had one; rollback puts back exactly that', async () => {
    const { m } = await twoOnOneRole();
    const original = world(m);
    const cut = await migrate(m, '--remove-oidc-provider-trust-relationship', '--approve');
    expect(cut, cut.stderr).toMatchObject({ code: 0 });
    expect(world(m).annotations).toEqual([null, null]);
    const back = await migrate(m, '--rollback', '--approve');
    expect(back, back.stderr).toMatchObject({ code: 0 });
    expect(world(m)).toEqual(original);
  });
});
