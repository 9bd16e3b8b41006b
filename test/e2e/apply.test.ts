/**
 * `irsactl apply -f` end to end: converging from several broken starting states, then a second run that plans
 * and changes nothing; `--prune`. A stack stuck in ROLLBACK_COMPLETE comes from a fake CloudFormationPort
 * wrapping the real one (moto never produces that state, harness.md §2): it reports the failed stack until
 * irsactl deletes it, and the re-created stack is then real, in moto.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts, CloudFormationPort, StackRecord } from '../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import { IrsaError } from '../../src/errors.js';
import { startE2E, type E2E } from '../support/cli.js';
import { withExtraStacks } from '../support/fake-cfn.js';
import { testAwsOptions } from '../support/aws.js';
import { clusterConfigYaml } from '../support/config.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'apply-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const S3_FULL = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
const ROLE_ANNOTATION = 'eks.amazonaws.com/role-arn';
const stackName = (ns: string, name: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${ns}-${name}`;

let e: E2E;
let aws: AwsPorts;

interface Sa {
  id: string;
  policy?: string;
  roleOnly?: boolean;
}
const fileWith = (accounts: Sa[]): string =>
  clusterConfigYaml(CLUSTER, REGION, accounts.map((a) => ({ id: a.id, policies: [a.policy ?? S3_READ], extra: a.roleOnly ? { roleOnly: true } : {} })));

/** The desired state: s1 has no stack yet, s2 no ServiceAccount, s3 a stale annotation, s4 a changed policy, s5 a failed stack. */
const desired = fileWith([{ id: 'apps/s1' }, { id: 'apps/s2' }, { id: 'apps/s3' }, { id: 'apps/s4', policy: S3_FULL }, { id: 'apps/s5' }]);

const failed: StackRecord = {
  stackName: stackName('apps', 's5'),
  stackId: `arn:aws:cloudformation:${REGION}:123456789012:stack/${stackName('apps', 's5')}/failed-1`,
  status: 'ROLLBACK_COMPLETE',
  statusReason: 'The following resource(s) failed to create: [Role1].',
  tags: { 'alpha.eksctl.io/cluster-name': CLUSTER, 'eksctl.cluster.k8s.io/v1alpha1/cluster-name': CLUSTER, 'alpha.eksctl.io/iamserviceaccount-name': 'apps/s5' },
  outputs: {},
  capabilities: ['CAPABILITY_IAM'],
  terminationProtection: true,
};

/** The real ports, with a CloudFormation that also shows `failed` until it is deleted; calls on it are recorded. */
function withFailedStack(calls: string[]): RuntimeOverrides {
  let gone = false;
  const isFailed = (id: string) => id === failed.stackId || id === failed.stackName;
  return {
    awsPorts: async ({ region, profile }) => {
      const real = await createAwsPorts({ region, profile, env: e.env });
      const cfn: CloudFormationPort = {
        ...real.cfn,
        listStacks: withExtraStacks(real.cfn, () => (gone ? [] : [failed])).listStacks,
        describeStack: async (id) => {
          if (isFailed(id) && !gone) return failed;
          if (id === failed.stackId) return { ...failed, status: 'DELETE_COMPLETE' };
          return real.cfn.describeStack(id);
        },
        getTemplate: async (id) => (isFailed(id) && !gone ? '{"Resources":{"Role1":{"Type":"AWS::IAM::Role","Properties":{}}}}' : real.cfn.getTemplate(id)),
        setTerminationProtection: async (id, enabled) => {
          if (!isFailed(id)) return real.cfn.setTerminationProtection(id, enabled);
          calls.push(`setTerminationProtection(${enabled})`);
        },
        deleteStack: async (id) => {
          if (!isFailed(id)) return real.cfn.deleteStack(id);
          calls.push('deleteStack');
          gone = true;
        },
        createStack: async (input) => {
          if (input.stackName === failed.stackName) calls.push('createStack');
          return real.cfn.createStack(input);
        },
      };
      return { ...real, cfn };
    },
  };
}

const annotation = (ns: string, name: string) => (e.cluster.kube.getServiceAccount(ns, name)?.metadata as { annotations?: Record<string, string> } | undefined)?.annotations?.[ROLE_ANNOTATION];
const role = async (ns: string, name: string) => (await aws.cfn.describeStack(stackName(ns, name)))?.outputs.Role1;
const kubeWrites = () => e.cluster.kube.requests.filter((r) => r.method !== 'GET').length;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  // The broken starting states: s2 role only, s3 and s4 as they were, s3's annotation then made stale.
  const start = fileWith([{ id: 'apps/s2', roleOnly: true }, { id: 'apps/s3' }, { id: 'apps/s4' }]);
  const r = await e.run(['create', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: start });
  expect(r.code, r.stderr).toBe(0);
  const s3 = e.cluster.kube.getServiceAccount('apps', 's3')!;
  e.cluster.kube.putServiceAccount({ ...s3, metadata: { ...(s3.metadata as object), annotations: { [ROLE_ANNOTATION]: 'arn:aws:iam::111111111111:role/stale' } } });
});
afterAll(async () => {
  await e?.stop();
});

describe('apply -f', () => {
  it('without --approve plans every repair, including replacing the failed stack, and changes nothing', async () => {
    e.sandbox.proxy.resetLog();
    const calls: string[] = [];
    const r = await e.run(['apply', '-f', '-'], { stdin: desired, overrides: withFailedStack(calls) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\+ apps\/s1: create stack/);
    expect(r.stdout).toMatch(/apps\/s2: stack up to date .*; create serviceaccount/);
    expect(r.stdout).toMatch(/~ apps\/s3: stack up to date .*; re-annotate serviceaccount \(was arn:aws:iam::111111111111:role\/stale\)/);
    expect(r.stdout).toMatch(/~ apps\/s4: update stack/);
    expect(r.stdout).toContain(`+ managed policy ${S3_FULL}`);
    expect(r.stdout).toMatch(/apps\/s5: replace stack \S+ \(ROLLBACK_COMPLETE/);
    expect(r.stdout).toContain('5 changes planned for 5 service accounts.');
    expect(calls).toEqual([]);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
  });

  it('--approve converges every state, saying it replaces the failed stack', async () => {
    const calls: string[] = [];
    const r = await e.run(['apply', '-f', '-', '--approve'], { stdin: desired, overrides: withFailedStack(calls) });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stack \S+-apps-s5 is ROLLBACK_COMPLETE: deleting it to create it again/);
    expect(calls).toEqual(['setTerminationProtection(false)', 'deleteStack', 'createStack']);
    for (const name of ['s1', 's2', 's3', 's4', 's5']) {
      const arn = await role('apps', name);
      expect(arn, name).toMatch(/^arn:aws:iam::\d+:role\//);
      expect(annotation('apps', name), name).toBe(arn);
    }
    const s4 = JSON.parse(await aws.cfn.getTemplate(stackName('apps', 's4'))) as { Resources: { Role1: { Properties: { ManagedPolicyArns: string[] } } } };
    expect(s4.Resources.Role1.Properties.ManagedPolicyArns).toEqual([S3_FULL]);
    expect(r.stdout).toMatch(/^apps\s+s5\s+replaced\s+created/m);
  });

  it('a second apply --approve plans nothing and changes nothing', async () => {
    e.sandbox.proxy.resetLog();
    e.cluster.kube.resetLog();
    const plan = await e.run(['apply', '-f', '-'], { stdin: desired });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('0 changes planned for 5 service accounts.');
    expect(plan.stderr).toContain('nothing to do');
    const r = await e.run(['apply', '-f', '-', '--approve'], { stdin: desired });
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
    expect(kubeWrites()).toBe(0);
  });
});

describe('apply --prune', () => {
  beforeAll(async () => {
    const r = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'kube-system', '--name', 'ebs', '--attach-policy-arn', S3_READ, '--approve']);
    expect(r.code, r.stderr).toBe(0);
  });
  const withoutS1 = fileWith([{ id: 'apps/s2' }, { id: 'apps/s3' }, { id: 'apps/s4', policy: S3_FULL }, { id: 'apps/s5' }]);

  it('plans deleting the stacks the file no longer names, never kube-system ones', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['apply', '-f', '-', '--prune'], { stdin: withoutS1 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`apps/s1: delete stack ${stackName('apps', 's1')}`);
    expect(r.stdout).not.toContain('kube-system/ebs: delete');
    expect(r.stderr).toContain('not pruning kube-system/ebs');
    expect(e.sandbox.proxy.count('cloudformation', 'DeleteStack')).toBe(0);
  });

  it('--approve deletes them; kube-system/ebs goes only when named exactly with --include', async () => {
    const r = await e.run(['apply', '-f', '-', '--prune', '--approve'], { stdin: withoutS1 });
    expect(r.code, r.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('apps', 's1'))).toBeUndefined();
    expect(e.cluster.kube.getServiceAccount('apps', 's1')).toBeUndefined();
    expect(await aws.cfn.describeStack(stackName('apps', 's2'))).toBeDefined();
    expect(await aws.cfn.describeStack(stackName('kube-system', 'ebs'))).toBeDefined();

    const glob = await e.run(['apply', '-f', '-', '--prune', '--approve', '--include', 'kube-system/*'], { stdin: withoutS1 });
    expect(glob.code, glob.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('kube-system', 'ebs'))).toBeDefined();

    // made by flags, so in no apply set: only --prune-all deletes it
    const exact = await e.run(['apply', '-f', '-', '--prune-all', '--approve', '--include', 'kube-system/ebs'], { stdin: withoutS1 });
    expect(exact.code, exact.stderr).toBe(0);
    expect(await aws.cfn.describeStack(stackName('kube-system', 'ebs'))).toBeUndefined();
    expect(await aws.cfn.describeStack(stackName('apps', 's2'))).toBeDefined();
  });
});

// old/gone is made by flags: in no apply set, so these prune it with --prune-all
describe('apply --prune-all: one document, one deadline, even after a failure', () => {
  it('the -o json plan is one document with the prune targets, and counts them as changes', async () => {
    expect((await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'old', '--name', 'gone', '--attach-policy-arn', S3_READ, '--approve'])).code).toBe(0);
    const keep = fileWith([{ id: 'apps/s2' }]);
    const r = await e.run(['apply', '-f', '-', '--prune-all', '--include', 'apps/s2,old/*', '-o', 'json'], { stdin: keep });
    expect(r.code, r.stderr).toBe(0);
    const doc = parseRunDocument(r.stdout);
    expect(doc.items.filter((i) => i.action === 'delete')).toEqual([expect.objectContaining({ id: 'old/gone', stack: expect.objectContaining({ name: stackName('old', 'gone'), action: 'delete' }) })]);
    expect(r.stderr).toContain("run again with '--approve'");
    expect(r.stderr).not.toContain('nothing to do');
  });

  it('still prunes when a service account fails, and exits 1 naming it (a brace glob selects both accounts)', async () => {
    const broken = fileWith([{ id: 'apps/s2' }, { id: 'apps/new-one' }]);
    const overrides: RuntimeOverrides = {
      awsPorts: async ({ region, profile }) => {
        const real = await createAwsPorts({ region, profile, env: e.env });
        // FAKE: CloudFormation refuses this one create (moto cannot be made to); everything else is real.
        const cfn: CloudFormationPort = {
          ...real.cfn,
          createStack: async (input) => {
            if (input.stackName === stackName('apps', 'new-one')) throw new IrsaError('AWS', 'CreateStack failed: Requires capabilities : [CAPABILITY_NAMED_IAM]', { httpStatus: 400 });
            return real.cfn.createStack(input);
          },
        };
        return { ...real, cfn };
      },
    };
    const r = await e.run(['apply', '-f', '-', '--prune-all', '--include', 'apps/{s2,new-one}', '--include', 'old/*', '--approve', '-o', 'json'], { stdin: broken, overrides });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('apps/new-one');
    expect(r.stderr).toContain('Requires capabilities : [CAPABILITY_NAMED_IAM]');
    const doc = parseRunDocument(r.stdout);
    expect(doc.items.filter((i) => i.action === 'delete').map((i) => [i.id, i.stack.outcome])).toEqual([['old/gone', 'deleted']]);
    expect(await aws.cfn.describeStack(stackName('old', 'gone'))).toBeUndefined();
  });
});
