import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DetachRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { useE2E, type E2E } from '../support/cli.js';
import { itemOf, parseRunDocument } from '../support/run-document.js';
import { ensureBuilt, runBin } from '../support/bin.js';

// apply converges both sections of a ClusterConfig — iam.serviceAccounts (IRSA) and iam.podIdentityAssociations —
// in one plan and one run, against the sandbox (moto behind the proxy that serves EKS Pod Identity, and the
// Kubernetes test server). Each case has its own cluster.

const REGION = 'us-west-2';
const POLICY = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const e = useE2E('apply-pia', { region: REGION });
const dir = mkdtempSync(join(tmpdir(), 'apply-pia-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(() => ensureBuilt(), 120_000);

const CHANGES: [string, string][] = [
  ['cloudformation', 'CreateStack'],
  ['cloudformation', 'UpdateStack'],
  ['cloudformation', 'DeleteStack'],
  ['iam', 'CreateOpenIDConnectProvider'],
  ['eks', 'CreatePodIdentityAssociation'],
  ['eks', 'UpdatePodIdentityAssociation'],
  ['eks', 'DeletePodIdentityAssociation'],
];
const changes = (x: E2E) => CHANGES.reduce((n, [service, action]) => n + x.sandbox.proxy.count(service, action), 0);

let clusters = 0;
async function newCluster(associate: boolean): Promise<{ name: string; key: { accountId: string; region: string; name: string } }> {
  const name = `apia-${++clusters}`;
  await e.sandbox.createCluster(e.account, name, REGION);
  if (associate) {
    const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', name, '--region', REGION, '--approve']);
    if (r.code !== 0) throw new Error(r.stderr);
  }
  return { name, key: { accountId: e.account.accountId, region: REGION, name } };
}

function file(cluster: string, body: string[]): string {
  const path = join(dir, `${cluster}-${Math.random().toString(36).slice(2, 7)}.yaml`);
  writeFileSync(path, ['apiVersion: eksctl.io/v1alpha5', 'kind: ClusterConfig', `metadata: {name: ${cluster}, region: ${REGION}}`, 'iam:', ...body, ''].join('\n'));
  return path;
}

const mixed = (cluster: string, extraPods: string[] = []) =>
  file(cluster, [
    '  withOIDC: true',
    '  serviceAccounts:',
    '    - metadata: {name: s3-reader, namespace: backend}',
    `      attachPolicyARNs: [${POLICY}]`,
    '  podIdentityAssociations:',
    '    - namespace: apps',
    '      serviceAccountName: web',
    `      permissionPolicyARNs: [${POLICY}]`,
    '      createServiceAccount: true',
    ...extraPods,
  ]);

describe('apply with iamserviceaccounts and pod identity associations', () => {
  it('plans both in one document, applies both, and then has nothing to do (--exit-code 0)', async () => {
    const c = await newCluster(true);
    const path = mixed(c.name);
    const before = changes(e);
    const plan = await e.run(['apply', '-f', path, '-o', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(changes(e)).toBe(before);
    const doc = parseRunDocument(plan.stdout);
    expect(doc.kind).toBe('Plan');
    expect(itemOf(doc, 'backend/s3-reader')).toMatchObject({ mechanism: 'irsa', action: 'create' });
    expect(itemOf(doc, 'apps/web')).toMatchObject({
      mechanism: 'pod-identity',
      action: 'create',
      stack: { name: `eksctl-${c.name}-podidentityrole-apps-web`, action: 'create' },
      association: { action: 'create' },
      serviceAccount: { action: 'create' },
    });
    expect(doc.podIdentityAgent).toMatchObject({ source: 'addon', status: 'ACTIVE' });
    expect(doc.summary).toMatchObject({ create: 2 });

    const run = await e.run(['apply', '-f', path, '--approve', '-o', 'json']);
    expect(run.code, run.stderr).toBe(0);
    const result = parseRunDocument(run.stdout);
    expect(result.kind).toBe('Result');
    expect(result.items.map((i) => [i.id, i.action])).toEqual(doc.items.map((i) => [i.id, i.action]));
    expect(itemOf(result, 'apps/web')).toMatchObject({ association: { outcome: 'created' }, stack: { outcome: 'created' }, outcome: { status: 'done', changed: true } });
    const [assoc] = e.sandbox.proxy.eks.associations(c.key);
    expect(assoc).toMatchObject({ namespace: 'apps', serviceAccount: 'web', roleArn: itemOf(result, 'apps/web').role.arn });

    const again = await e.run(['apply', '-f', path, '--exit-code']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/apps\/web \[Pod Identity\]/);
  });

  it('an apply of pod identity associations alone needs no OIDC provider, and makes none (the built binary)', async () => {
    const c = await newCluster(false);
    const path = file(c.name, ['  podIdentityAssociations:', '    - namespace: apps', '      serviceAccountName: solo', `      permissionPolicyARNs: [${POLICY}]`]);
    const providers = e.sandbox.proxy.count('iam', 'CreateOpenIDConnectProvider');
    const lookups = e.sandbox.proxy.count('iam', 'GetOpenIDConnectProvider');
    const plan = await runBin(['apply', '-f', path], e.env);
    expect(plan.code, plan.stderr).toBe(0);
    // nothing about a provider this run neither needs nor looks up
    expect(plan.stdout).not.toMatch(/OIDC provider/);
    expect(parseRunDocument((await runBin(['apply', '-f', path, '-o', 'json'], e.env)).stdout).oidcProvider).toBeUndefined();
    const r = await runBin(['apply', '-f', path, '--approve'], e.env);
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('iam', 'CreateOpenIDConnectProvider')).toBe(providers);
    expect(e.sandbox.proxy.count('iam', 'GetOpenIDConnectProvider')).toBe(lookups);
    expect(e.sandbox.proxy.eks.associations(c.key).map((a) => a.serviceAccount)).toEqual(['solo']);
    // the results name the association, and do not say that nothing was selected
    expect(r.stdout).toMatch(/apps +solo +Pod Identity +created/);
    expect(r.stdout).not.toMatch(/No service accounts were selected/);
  });

  it('--prune deletes the association and role stack this file made and no longer names', async () => {
    const c = await newCluster(true);
    const two = mixed(c.name, ['    - namespace: apps', '      serviceAccountName: old', `      permissionPolicyARNs: [${POLICY}]`]);
    expect((await e.run(['apply', '-f', two, '--approve'])).code).toBe(0);
    expect(e.sandbox.proxy.eks.associations(c.key)).toHaveLength(2);
    // the same file name, so the same apply set, without apps/old
    const one = mixed(c.name);
    writeFileSync(two, readFileSync(one, 'utf8'));
    const plan = await e.run(['apply', '-f', two, '--prune', '-o', 'json']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(itemOf(parseRunDocument(plan.stdout), 'apps/old')).toMatchObject({ mechanism: 'pod-identity', action: 'delete', association: { action: 'delete' }, stack: { action: 'delete' } });
    const listings = e.sandbox.proxy.count('eks', 'ListPodIdentityAssociations');
    const run = await e.run(['apply', '-f', two, '--prune', '--approve']);
    expect(run.code, run.stderr).toBe(0);
    // one listing serves the plan of the associations kept and the deletion of the one pruned
    expect(e.sandbox.proxy.count('eks', 'ListPodIdentityAssociations') - listings).toBe(1);
    expect(e.sandbox.proxy.eks.associations(c.key).map((a) => a.serviceAccount)).toEqual(['web']);
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBeGreaterThan(0);
  });

  it('a ServiceAccount in both sections: the plan warns that Pod Identity wins, and get iamserviceaccount says which mechanism is in effect', async () => {
    const c = await newCluster(true);
    const both = mixed(c.name, ['    - namespace: backend', '      serviceAccountName: s3-reader', `      permissionPolicyARNs: [${POLICY}]`]);
    const plan = await e.run(['apply', '-f', both]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/backend\/s3-reader is also iam\.serviceAccounts\[0\]: at run time Pod Identity wins/);
    expect((await e.run(['apply', '-f', both, '--approve'])).code).toBe(0);
    const get = await e.run(['get', 'iamserviceaccount', '--cluster', c.name, '--region', REGION]);
    expect(get.code, get.stderr).toBe(0);
    expect(get.stdout).toMatch(/^backend\s+s3-reader\s+arn:\S+\s+Pod Identity\s+ok$/m);
    expect(get.stderr).toMatch(/pod identity association a-\w+ is for this ServiceAccount/);
    const json = JSON.parse((await e.run(['get', 'iamserviceaccount', '--cluster', c.name, '--region', REGION, '-o', 'json'])).stdout) as { status: { mechanism: string; podIdentityAssociationId?: string } }[];
    expect(json[0]?.status).toMatchObject({ mechanism: 'pod-identity', podIdentityAssociationId: expect.stringMatching(/^a-/) });
  });

  it('a pod identity role changed outside CloudFormation is drift: the plan shows it and apply restores it through IAM', async () => {
    const c = await newCluster(false);
    const path = file(c.name, ['  podIdentityAssociations:', '    - namespace: apps', '      serviceAccountName: drifty', `      permissionPolicyARNs: [${POLICY}]`]);
    expect((await e.run(['apply', '-f', path, '--approve'])).code).toBe(0);
    const [assoc] = e.sandbox.proxy.eks.associations(c.key);
    const roleName = assoc!.roleArn.split('/').pop()!;
    const iam = new IAMClient({ region: REGION, endpoint: e.sandbox.proxyUrl, credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey }, maxAttempts: 1 });
    const attached = async () => ((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }))).AttachedPolicies ?? []).map((p) => p.PolicyArn);
    try {
      await iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: POLICY }));
      expect(await attached()).toEqual([]);
      const plan = await e.run(['apply', '-f', path, '-o', 'json']);
      expect(plan.code, plan.stderr).toBe(0);
      const item = itemOf(parseRunDocument(plan.stdout), 'apps/drifty');
      expect(item).toMatchObject({ mechanism: 'pod-identity', action: 'repair', role: { drift: { name: roleName, items: [{ kind: 'managed-policy', arn: POLICY, change: 'detached' }] } } });
      const run = await e.run(['apply', '-f', path, '--approve']);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stderr).toMatch(/restored role .* through IAM/);
      expect(await attached()).toEqual([POLICY]);
    } finally {
      iam.destroy();
    }
  });

  it("waits out IAM's eventual consistency for a role it just made, and never for a role the user named", async () => {
    const c = await newCluster(false);
    const path = file(c.name, ['  podIdentityAssociations:', '    - namespace: apps', '      serviceAccountName: fresh', `      permissionPolicyARNs: [${POLICY}]`]);
    const creates = () => e.sandbox.proxy.count('eks', 'CreatePodIdentityAssociation');
    const before = creates();
    // EKS does not see the role CloudFormation has just made for its first two attempts, as in a real account
    e.sandbox.proxy.eks.lagIamPropagation(2);
    const r = await e.run(['apply', '-f', path, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(creates() - before).toBe(3);
    const made = e.sandbox.proxy.eks.associations(c.key).find((a) => a.serviceAccount === 'fresh');
    expect(made).toBeDefined();

    // The same answer for a role named by --role-arn is the user's mistake (or not theirs to wait for): one attempt.
    e.sandbox.proxy.eks.lagIamPropagation(5);
    try {
      const again = creates();
      const named = await e.run(['create', 'podidentityassociation', '--cluster', c.name, '--region', REGION, '--namespace', 'apps', '--service-account-name', 'named', '--role-arn', made!.roleArn, '--approve']);
      expect(named.code).not.toBe(0);
      expect(named.stderr).toMatch(/no such role in the cluster's account/);
      expect(creates() - again).toBe(1);
    } finally {
      e.sandbox.proxy.eks.lagIamPropagation(0);
    }
  }, 60_000);

  it('refuses before any change of either section when the Pod Identity agent is missing', async () => {
    const c = await newCluster(true);
    e.sandbox.proxy.eks.removeAddon(c.key, 'eks-pod-identity-agent');
    const before = changes(e);
    const r = await e.run(['apply', '-f', mixed(c.name), '--approve']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/eks-pod-identity-agent/);
    expect(r.stderr).toMatch(/aws eks create-addon --cluster-name/);
    expect(changes(e)).toBe(before);
  });
});
