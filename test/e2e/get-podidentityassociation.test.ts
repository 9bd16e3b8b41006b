/**
 * `irsactl get podidentityassociation` end to end against the sandbox (moto behind the AWS proxy, which serves the
 * EKS Pod Identity API): associations made through the EKS API as eksctl makes them (its role stack name, tags and
 * template), one with a role of its own and a cross-account target role, listed as a table, JSON and YAML, by
 * flags and by file; bad flags refused before any request. The built binary prints the same table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load as loadYaml } from 'js-yaml';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { renderPodIdentityRoleTemplate } from '../../src/cfn/pod-identity-template.js';
import { templateBody } from '../../src/cfn/template.js';
import { EKSCTL_VERSION_TAG, ROLE_OUTPUT, podIdentityStackNameFor, podIdentityStackTagsFor } from '../../src/model/naming.js';
import type { PodIdentityAssociationSpec } from '../../src/model/pod-identity.js';
import { NO_WELL_KNOWN } from '../fixtures/cfn/specs.js';
import { startE2E, type E2E } from '../support/cli.js';
import { ensureBuilt, runBinary } from './binary/support.js';

const REGION = 'us-west-2';
const CLUSTER = 'pia-get';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const TARGET = 'arn:aws:iam::444455556666:role/cross-account';

let e: E2E;
let aws: AwsPorts;

interface Item {
  AssociationARN: string;
  Namespace: string;
  ServiceAccountName: string;
  RoleARN: string;
  OwnerARN: string;
  AssociationID: string;
  TargetRoleARN: string;
  DisableSessionTags: boolean;
  Policy: string;
  ExternalID: string;
  Tags: Record<string, string>;
  Status: { health: string; stackName?: string; stackStatus?: string; stackRoleARN?: string; madeBy?: string };
}

const spec = (namespace: string, serviceAccountName: string): PodIdentityAssociationSpec => ({
  namespace,
  serviceAccountName,
  createServiceAccount: false,
  permissionPolicyARNs: [S3_READ],
  wellKnownPolicies: NO_WELL_KNOWN,
  tags: { team: 'payments' },
});

// Short names: moto does not truncate CloudFormation's generated role names to IAM's 64 characters, and EKS (the
// sandbox's too) refuses a longer one.

/** What eksctl's `create podidentityassociation` does without --role-arn: its role stack, then the association. */
async function asEksctlMakesIt(p: PodIdentityAssociationSpec): Promise<string> {
  const stackName = podIdentityStackNameFor(CLUSTER, p);
  const tags = { ...podIdentityStackTagsFor({ name: CLUSTER, tags: {}, withOIDC: false, serviceAccounts: [] }, p), [EKSCTL_VERSION_TAG]: '0.210.0' };
  expect(await aws.cfn.createStack({ stackName, templateBody: templateBody(renderPodIdentityRoleTemplate(p)), capabilities: ['CAPABILITY_IAM'], tags, terminationProtection: false })).toBe('created');
  const roleArn = (await aws.cfn.describeStack(stackName))?.outputs[ROLE_OUTPUT];
  if (roleArn === undefined) throw new Error(`no ${ROLE_OUTPUT} output on ${stackName}`);
  const made = await aws.eks.createPodIdentityAssociation({ cluster: CLUSTER, namespace: p.namespace, serviceAccount: p.serviceAccountName, roleArn, tags: p.tags });
  if (made === 'exists') throw new Error('association exists already');
  return roleArn;
}

/** A role of the user's own that trusts Pod Identity, as `--role-arn` takes it. */
async function ownRole(): Promise<string> {
  const own = spec('web', 'own');
  const stackName = 'users-own-pod-role';
  await aws.cfn.createStack({ stackName, templateBody: templateBody(renderPodIdentityRoleTemplate(own)), capabilities: ['CAPABILITY_IAM'], tags: {}, terminationProtection: false });
  return (await aws.cfn.describeStack(stackName))?.outputs[ROLE_OUTPUT] ?? '';
}

const POLICY = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}';
let eksctlRole: string;
let givenRole: string;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts({ region: REGION, env: e.env });
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

describe('get podidentityassociation', () => {
  it('with none: the table says so on stderr, json prints []', async () => {
    const table = await e.run(['get', 'podidentityassociation', '--cluster', CLUSTER]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toBe('');
    expect(table.stderr).toContain('No pod identity associations found');
    const json = await e.run(['get', 'podidentityassociations', '--cluster', CLUSTER, '-o', 'json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  });

  describe('with associations eksctl made and one with a role of its own', () => {
    beforeAll(async () => {
      eksctlRole = await asEksctlMakesIt(spec('apps', 's3'));
      await asEksctlMakesIt(spec('apps', 'cache'));
      givenRole = await ownRole();
      const made = await aws.eks.createPodIdentityAssociation({
        cluster: CLUSTER,
        namespace: 'web',
        serviceAccount: 'front',
        roleArn: givenRole,
        targetRoleArn: TARGET,
        disableSessionTags: true,
        policy: POLICY,
        tags: { 'note\u001b[31m': 'red' },
      });
      expect(made).not.toBe('exists');
    });

    it("the table: eksctl's columns, the target role and STATUS, sorted by namespace/name", async () => {
      const r = await e.run(['get', 'podidentityassociation', '--cluster', CLUSTER]);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.trimEnd().split('\n');
      expect(lines[0]?.split(/ {2,}/)).toEqual(['ASSOCIATION ARN', 'NAMESPACE', 'SERVICE ACCOUNT NAME', 'IAM ROLE ARN', 'OWNER ARN', 'TARGET ROLE ARN', 'STATUS']);
      expect(lines.slice(1).map((l) => l.split(/ {2,}/).slice(1, 3))).toEqual([
        ['apps', 'cache'],
        ['apps', 's3'],
        ['web', 'front'],
      ]);
      const s3 = lines.find((l) => l.includes('   s3   '));
      expect(s3).toContain(eksctlRole);
      expect(s3?.trimEnd().endsWith('   ok')).toBe(true);
      const front = lines.find((l) => l.includes(' front '));
      expect(front).toContain(TARGET);
      expect(front?.trimEnd().endsWith('ok; session tags disabled; session policy')).toBe(true);
    });

    it('-o json: every field, and the role stack eksctl made', async () => {
      const r = await e.run(['get', 'podidentityassociation', '--cluster', CLUSTER, '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const items = JSON.parse(r.stdout) as Item[];
      const s3 = items.find((i) => i.ServiceAccountName === 's3');
      expect(s3).toMatchObject({
        Namespace: 'apps',
        RoleARN: eksctlRole,
        OwnerARN: '',
        TargetRoleARN: '',
        DisableSessionTags: false,
        Tags: { team: 'payments' },
        Status: { health: 'ok', stackName: `eksctl-${CLUSTER}-podidentityrole-apps-s3`, stackStatus: 'CREATE_COMPLETE', stackRoleARN: eksctlRole, madeBy: 'eksctl' },
      });
      expect(s3?.AssociationARN).toMatch(new RegExp(`^arn:aws:eks:${REGION}:\\d{12}:podidentityassociation/${CLUSTER}/${s3?.AssociationID}$`));
      const front = items.find((i) => i.ServiceAccountName === 'front');
      expect(front).toMatchObject({ RoleARN: givenRole, TargetRoleARN: TARGET, DisableSessionTags: true, Policy: POLICY, Status: { health: 'ok; session tags disabled; session policy' } });
      expect(front?.ExternalID).not.toBe('');
      expect(front?.Status).not.toHaveProperty('stackName');
      // the tag key from AWS reaches the terminal escaped, in JSON's own syntax
      expect(r.stdout).toContain('"note\\u001b[31m": "red"');
      expect(r.stdout).not.toContain('\u001b');
    });

    it('-o yaml carries the same items', async () => {
      const [json, yaml] = await Promise.all([
        e.run(['get', 'podidentityassociation', '--cluster', CLUSTER, '-o', 'json']),
        e.run(['get', 'podidentityassociation', '--cluster', CLUSTER, '-o', 'yaml']),
      ]);
      expect(yaml.code, yaml.stderr).toBe(0);
      expect(loadYaml(yaml.stdout)).toEqual(JSON.parse(json.stdout));
    });

    it('--namespace and --service-account-name filter through EKS (one list, one describe)', async () => {
      e.sandbox.proxy.resetLog();
      const r = await e.run(['get', 'podidentityassociation', '--cluster', CLUSTER, '-n', 'apps', '--service-account-name', 'cache', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as Item[]).map((i) => `${i.Namespace}/${i.ServiceAccountName}`)).toEqual(['apps/cache']);
      expect(e.sandbox.proxy.count('eks', 'ListPodIdentityAssociations')).toBe(1);
      expect(e.sandbox.proxy.count('eks', 'DescribePodIdentityAssociation')).toBe(1);
      const ns = await e.run(['get', 'podidentityassociation', '--cluster', CLUSTER, '--namespace', 'apps', '-o', 'json']);
      expect((JSON.parse(ns.stdout) as Item[]).map((i) => i.ServiceAccountName)).toEqual(['cache', 's3']);
    });

    it('-f with --include selects among the file\'s associations', async () => {
      const file = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: ${CLUSTER}, region: ${REGION}}
iam:
  podIdentityAssociations:
  - {namespace: apps, serviceAccountName: s3, permissionPolicyARNs: ["${S3_READ}"]}
  - {namespace: web, serviceAccountName: front, roleARN: "${givenRole}"}
  - {namespace: web, serviceAccountName: not-made, roleARN: "${givenRole}"}
`;
      const r = await e.run(['get', 'podidentityassociation', '-f', '-', '--include', 'web/*', '-o', 'json'], { stdin: file });
      expect(r.code, r.stderr).toBe(0);
      expect((JSON.parse(r.stdout) as Item[]).map((i) => `${i.Namespace}/${i.ServiceAccountName}`)).toEqual(['web/front']);
    });

    it('the built binary prints the same table', async () => {
      ensureBuilt();
      const [bin, inProcess] = await Promise.all([runBinary(['get', 'podidentityassociation', '--cluster', CLUSTER], e.env), e.run(['get', 'podidentityassociation', '--cluster', CLUSTER])]);
      expect(bin.code, bin.stderr).toBe(0);
      expect(bin.stdout).toBe(inProcess.stdout);
    });
  });

  it('bad flags are refused before any request, every problem at once', async () => {
    e.sandbox.proxy.resetLog();
    const kubeBefore = e.cluster.kube.requests.length;
    const r = await e.run(['get', 'podidentityassociation', '--cluster', CLUSTER, '--service-account-name', 'Bad_Name', '--include', 'a/*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--include: cannot be used unless a config file is specified');
    expect(r.stderr).toContain('--namespace must be set in order to specify --service-account-name');
    expect(r.stderr).toContain('"Bad_Name" is not a valid Kubernetes service account name');
    const noCluster = await e.run(['get', 'podidentityassociation']);
    expect(noCluster.code).toBe(2);
    expect(noCluster.stderr).toContain('--cluster: must be set');
    expect(e.sandbox.proxy.requests).toEqual([]);
    expect(e.cluster.kube.requests.length).toBe(kubeBefore);
  });
});
