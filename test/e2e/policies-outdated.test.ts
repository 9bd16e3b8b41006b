/**
 * `irsactl policies outdated` against the sandbox: a stack made as eksctl makes it, its inline policies eksctl's own
 * recorded documents (test/fixtures/cfn/eksctl-well-known-policies.json), lacks what external-dns and the EFS driver
 * now call, and so does a pod identity role stack eksctl made the same way (with its association); a stack irsactl
 * made with the upstream profile lacks nothing. Read-only: the stacks are unchanged after.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import { testAwsOptions } from '../support/aws.js';
import { startE2E, type E2E } from '../support/cli.js';
import { clusterConfigYaml } from '../support/config.js';
import { createPodIdentityAsEksctl, createStackAsEksctl } from '../support/eksctl.js';

const REGION = 'us-west-2';
const CLUSTER = 'policies-outdated';
const EKSCTL_DOCS = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'cfn', 'eksctl-well-known-policies.json'), 'utf8')) as Record<string, unknown>;

let e: E2E;

/**
 * eksctl's template for an account with well-known policies: Role1 (trusting the cluster's OIDC provider, or EKS Pod
 * Identity's service principal) plus eksctl's inline policies.
 */
function eksctlTemplate(id: string, policies: string[], trust: 'irsa' | 'pod-identity' = 'irsa'): string {
  const hp = e.cluster.issuer.replace(/^https:\/\//, '');
  const [namespace, name] = id.split('/');
  const statement =
    trust === 'irsa'
      ? {
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Condition: { StringEquals: { [`${hp}:aud`]: 'sts.amazonaws.com', [`${hp}:sub`]: `system:serviceaccount:${namespace}:${name}` } },
          Effect: 'Allow',
          Principal: { Federated: `arn:aws:iam::${e.account.accountId}:oidc-provider/${hp}` },
        }
      : { Action: ['sts:AssumeRole', 'sts:TagSession'], Effect: 'Allow', Principal: { Service: ['pods.eks.amazonaws.com'] } };
  const resources: Record<string, unknown> = {
    Role1: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Statement: [statement], Version: '2012-10-17' } } },
  };
  for (const p of policies) {
    resources[p] = {
      Type: 'AWS::IAM::Policy',
      Properties: { PolicyDocument: EKSCTL_DOCS[p], PolicyName: { 'Fn::Sub': `\${AWS::StackName}-${p}` }, Roles: [{ Ref: 'Role1' }] },
    };
  }
  return JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources, Outputs: { Role1: { Value: { 'Fn::GetAtt': ['Role1', 'Arn'] } } } });
}

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  const stackName = await createStackAsEksctl(e, {
    cluster: CLUSTER,
    region: REGION,
    id: 'kube-system/external-dns',
    templateBody: eksctlTemplate('kube-system/external-dns', ['PolicyExternalDNSChangeSet', 'PolicyExternalDNSHostedZones', 'PolicyEFSCSIController']),
  });
  await createPodIdentityAsEksctl(e, {
    cluster: CLUSTER,
    region: REGION,
    namespace: 'kube-system',
    serviceAccount: 'efs-csi-controller-sa',
    templateBody: eksctlTemplate('kube-system/efs-csi-controller-sa', ['PolicyEFSCSIController'], 'pod-identity'),
  });
  // eksctl's ServiceAccount, annotated with the stack's role, for the doctor.
  const aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  const roleArn = (await aws.cfn.describeStack(stackName))!.outputs.Role1!;
  e.cluster.kube.putServiceAccount({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'external-dns', namespace: 'kube-system', annotations: { 'eks.amazonaws.com/role-arn': roleArn } },
  });
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

interface Report {
  cluster: string;
  outdated: boolean;
  policies: { kind: string; namespace: string; name: string; wellKnownPolicy: string; version: string; missing: string[]; unused: string[] }[];
}

describe('policies outdated', () => {
  it("reports what eksctl's statements lack and no longer need, and exits 1", async () => {
    const r = await e.run(['policies', 'outdated', '--cluster', CLUSTER, '-o', 'json']);
    expect(r.code, r.stderr).toBe(1);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.outdated).toBe(true);
    const irsa = report.policies.filter((p) => p.kind === 'iamserviceaccount');
    const byPolicy = Object.fromEntries(irsa.map((p) => [p.wellKnownPolicy, p]));
    expect(Object.keys(byPolicy).sort()).toEqual(['efsCSIController', 'externalDNS']);
    expect(byPolicy.externalDNS).toMatchObject({ namespace: 'kube-system', name: 'external-dns', version: 'v0.22.0', missing: ['route53:ListTagsForResources'], unused: ['route53:ListTagsForResource'] });
    expect(byPolicy.efsCSIController!.missing).toEqual(expect.arrayContaining(['elasticfilesystem:DescribeMountTargets', 'ec2:DescribeAvailabilityZones']));
    // The pod identity role eksctl made with efsCSIController: the same gap, reported as the association's.
    const pia = report.policies.filter((p) => p.kind === 'podidentityassociation');
    expect(pia.map((p) => [p.namespace, p.name, p.wellKnownPolicy])).toEqual([['kube-system', 'efs-csi-controller-sa', 'efsCSIController']]);
    expect(pia[0]!.missing).toEqual(byPolicy.efsCSIController!.missing);
    expect(r.stderr).toMatch(/3 well-known policies lack actions their controller needs/);
    expect(r.stderr).toMatch(/set wellKnownPolicyProfile: upstream on those service accounts and pod identity associations/);
  });

  it("the doctor warns that the role's well-known policies lack actions (a warning: the role itself works)", async () => {
    const r = await e.run(['doctor', '--cluster', CLUSTER, '--namespace', 'kube-system', '--name', 'external-dns', '-o', 'json']);
    const report = JSON.parse(r.stdout) as { serviceAccounts: { checks: { id: string; status: string; message: string }[] }[] };
    const check = report.serviceAccounts[0]!.checks.find((c) => c.id === 'well-known-policies');
    expect(check?.status).toBe('warn');
    expect(check?.message).toContain('externalDNS lacks route53:ListTagsForResources (needed by v0.22.0)');
    expect(check?.message).toContain('efsCSIController lacks elasticfilesystem:DescribeMountTargets');
  });

  it('prints a table in text form', async () => {
    const r = await e.run(['policies', 'outdated', '--cluster', CLUSTER]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^NAMESPACE\s+NAME\s+KIND\s+POLICY\s+AGAINST\s+MISSING\s+NO LONGER USED\n/);
    expect(r.stdout).toMatch(/^kube-system\s+external-dns\s+iamserviceaccount\s+externalDNS\s+v0\.22\.0\s+route53:ListTagsForResources\s+route53:ListTagsForResource$/m);
    expect(r.stdout).toMatch(/^kube-system\s+efs-csi-controller-sa\s+podidentityassociation\s+efsCSIController\s+v3\.4\.1\s+\S*elasticfilesystem:DescribeMountTargets/m);
  });

  it('an unknown --version is a usage error before any request', async () => {
    const r = await e.run(['policies', 'outdated', '--cluster', CLUSTER, '--version', 'externalDNS=v0.0.1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('not a catalogued externalDNS version');
    expect(r.stderr).toContain('known: v0.22.0');
  });

  it('a role made with the upstream profile lacks nothing: with -f only the file\'s accounts are compared, exit 0', async () => {
    const file = clusterConfigYaml(CLUSTER, REGION, [
      { id: 'kube-system/cluster-autoscaler', policies: [], extra: { wellKnownPolicies: { autoScaler: true, externalDNS: true }, wellKnownPolicyProfile: 'upstream' } },
    ]);
    const created = await e.run(['create', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: file });
    expect(created.code, created.stderr).toBe(0);
    const r = await e.run(['policies', 'outdated', '-f', '-', '-o', 'json'], { stdin: file });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.outdated).toBe(false);
    expect(report.policies.map((p) => [p.name, p.wellKnownPolicy, p.missing, p.unused])).toEqual([
      ['cluster-autoscaler', 'autoScaler', [], []],
      ['cluster-autoscaler', 'externalDNS', [], []],
    ]);
  });

  it("a pod identity role made under the cluster's upstream profile lacks nothing; an unknown pinned version is a config error before any request", async () => {
    const file = (extra: Record<string, unknown> = {}) =>
      [
        'apiVersion: eksctl.io/v1alpha5',
        'kind: ClusterConfig',
        `metadata: {name: ${CLUSTER}, region: ${REGION}}`,
        'iam:',
        '  wellKnownPolicyProfile: upstream',
        '  podIdentityAssociations:',
        `  - ${JSON.stringify({ namespace: 'storage', serviceAccountName: 'efs-new', wellKnownPolicies: { efsCSIController: true }, ...extra })}`,
        '',
      ].join('\n');
    e.sandbox.proxy.resetLog();
    const bad = await e.run(['create', 'podidentityassociation', '-f', '-', '--approve'], { stdin: file({ wellKnownPolicyVersions: { efsCSIController: 'v0.0.1' } }) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('iam.podIdentityAssociations[0].wellKnownPolicyVersions.efsCSIController');
    expect(bad.stderr).toContain('"v0.0.1" is not a catalogued efsCSIController version; known: v3.4.1');
    expect(e.sandbox.proxy.requests).toEqual([]);
    // policies outdated reads the same pin, and refuses it the same way
    const badRead = await e.run(['policies', 'outdated', '-f', '-'], { stdin: file({ wellKnownPolicyVersions: { efsCSIController: 'v0.0.1' } }) });
    expect(badRead.code).toBe(2);
    expect(badRead.stderr).toContain('"v0.0.1" is not a catalogued efsCSIController version');
    expect(e.sandbox.proxy.requests).toEqual([]);

    const created = await e.run(['create', 'podidentityassociation', '-f', '-', '--approve'], { stdin: file() });
    expect(created.code, created.stderr).toBe(0);
    const r = await e.run(['policies', 'outdated', '-f', '-', '-o', 'json'], { stdin: file() });
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report.policies.map((p) => [p.kind, `${p.namespace}/${p.name}`, p.wellKnownPolicy, p.version, p.missing])).toEqual([['podidentityassociation', 'storage/efs-new', 'efsCSIController', 'v3.4.1', []]]);
    // the upstream document's actions, which eksctl's statements lack
    const template = await (await createAwsPorts(testAwsOptions(e.account, REGION))).cfn.getTemplate(`eksctl-${CLUSTER}-podidentityrole-storage-efs-new`);
    expect(template).toContain('elasticfilesystem:DescribeMountTargets');
  });
});
