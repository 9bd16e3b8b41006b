/**
 * `irsactl update iamserviceaccount` end to end. moto applies UpdateStack to the stack (template, tags) but not
 * to the IAM role (harness.md §2), so every assertion after --approve reads GetTemplate and the stack's tags.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts } from '../../src/aws/ports.js';
import { startE2E, type E2E } from '../support/cli.js';
import { testAwsOptions } from '../support/aws.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'update-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const S3_FULL = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
const BOUNDARY = 'arn:aws:iam::aws:policy/PowerUserAccess';
const STACK = `eksctl-${CLUSTER}-addon-iamserviceaccount-apps-app`;

let e: E2E;
let aws: AwsPorts;
let roleArn: string;

interface LiveTemplate {
  Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
}

const initialFile = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: ${CLUSTER}, region: ${REGION}}
iam:
  withOIDC: true
  serviceAccounts:
  - metadata: {name: app, namespace: apps}
    roleName: update-e2e-app-role
    attachPolicyARNs: [${S3_READ}]
`;

/** Everything changes but the role name, which the file no longer gives. */
const changedFile = `apiVersion: eksctl.io/v1alpha5
kind: ClusterConfig
metadata: {name: ${CLUSTER}, region: ${REGION}}
iam:
  withOIDC: true
  serviceAccounts:
  - metadata: {name: app, namespace: apps}
    attachPolicyARNs: [${S3_FULL}]
    wellKnownPolicies: {autoScaler: true}
    attachPolicy:
      Version: "2012-10-17"
      Statement: [{Effect: Allow, Action: ["sqs:SendMessage"], Resource: "*"}]
    permissionsBoundary: ${BOUNDARY}
    subjectPattern: "app-*"
    tags: {team: payments}
`;

const template = async (): Promise<LiveTemplate> => JSON.parse(await aws.cfn.getTemplate(STACK)) as LiveTemplate;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  const r = await e.run(['create', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: initialFile });
  expect(r.code, r.stderr).toBe(0);
  roleArn = (await aws.cfn.describeStack(STACK))!.outputs.Role1!;
});
afterAll(async () => {
  await e?.stop();
});

describe('update iamserviceaccount', () => {
  it('an unchanged spec is success with "nothing to do"', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['update', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: initialFile });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr + r.stdout).toMatch(/nothing to do|up to date/);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
  });

  it('without --approve prints a real diff and changes nothing; the role name stays', async () => {
    const before = await aws.cfn.getTemplate(STACK);
    e.sandbox.proxy.resetLog();
    const r = await e.run(['update', 'iamserviceaccount', '-f', '-'], { stdin: changedFile });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`update stack ${STACK}`);
    expect(r.stdout).toContain(`- managed policy ${S3_READ}`);
    expect(r.stdout).toContain(`+ managed policy ${S3_FULL}`);
    expect(r.stdout).toContain('+ inline policy PolicyAutoScaling');
    expect(r.stdout).toContain('+ inline policy Policy1');
    expect(r.stdout).toMatch(/permissions boundary: .*→ .*PowerUserAccess/);
    expect(r.stdout).toMatch(/trust|StringLike|app-\*/);
    expect(r.stdout).toContain('+ tag team=payments');
    // The live template's role name is kept (eksctl's rule): never an implicit replacement.
    expect(r.stdout).not.toContain('role name');
    expect(r.stderr).toContain("run again with '--approve'");
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
    expect(await aws.cfn.getTemplate(STACK)).toBe(before);
  });

  it('-o json gives the diff in machine form', async () => {
    const r = await e.run(['update', 'iamserviceaccount', '-f', '-', '-o', 'json'], { stdin: changedFile });
    expect(r.code, r.stderr).toBe(0);
    const plan = parseRunDocument(r.stdout);
    expect(plan).toMatchObject({ kind: 'Plan', command: 'update iamserviceaccount' });
    const stack = plan.items[0]!.stack;
    expect(stack.action).toBe('update');
    if (!stack.diff || !stack.tagChanges) throw new Error(`no diff in ${JSON.stringify(stack)}`);
    expect(stack.diff.managedPolicies).toEqual({ added: [S3_FULL], removed: [S3_READ] });
    expect([...stack.diff.inlinePolicies.added].sort()).toEqual(['Policy1', 'PolicyAutoScaling']);
    expect(stack.diff.trustPolicy).toBeDefined();
    expect(stack.diff.permissionsBoundary).toBeDefined();
    expect(stack.diff.roleName).toBeUndefined();
    expect(stack.tagChanges.added).toEqual({ team: 'payments' });
  });

  it('--approve updates the stack: template and tags, same role name and ARN', async () => {
    e.sandbox.proxy.resetLog();
    const r = await e.run(['update', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: changedFile });
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(1);
    const live = await template();
    const role = live.Resources.Role1!.Properties;
    expect(role.RoleName).toBe('update-e2e-app-role');
    expect(role.ManagedPolicyArns).toEqual([S3_FULL]);
    expect(role.PermissionsBoundary).toBe(BOUNDARY);
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('"StringLike"');
    expect(JSON.stringify(role.AssumeRolePolicyDocument)).toContain('system:serviceaccount:apps:app-*');
    expect(live.Resources.PolicyAutoScaling?.Type).toBe('AWS::IAM::Policy');
    expect(live.Resources.Policy1?.Type).toBe('AWS::IAM::Policy');
    const stack = (await aws.cfn.describeStack(STACK))!;
    expect(stack.status).toBe('UPDATE_COMPLETE');
    expect(stack.tags.team).toBe('payments');
    expect(stack.tags['alpha.eksctl.io/iamserviceaccount-name']).toBe('apps/app');
    expect(stack.outputs.Role1).toBe(roleArn);

    // Converged: the same update again plans nothing.
    e.sandbox.proxy.resetLog();
    const again = await e.run(['update', 'iamserviceaccount', '-f', '-', '--approve'], { stdin: changedFile });
    expect(again.code, again.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
  });

  it('by flags: a managed policy added shows in the plan, and --approve writes it', async () => {
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', `${S3_FULL},${S3_READ}`]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`+ managed policy ${S3_READ}`);
    expect(r.stdout).not.toContain('role name');
    const ok = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', `${S3_FULL},${S3_READ}`, '--approve']);
    expect(ok.code, ok.stderr).toBe(0);
    const role = (await template()).Resources.Role1!.Properties;
    expect(role.ManagedPolicyArns).toEqual([S3_FULL, S3_READ]);
    expect(role.RoleName).toBe('update-e2e-app-role');
  });

  it('repairs a stale ServiceAccount annotation', async () => {
    const kube = e.cluster.kube;
    const sa = kube.getServiceAccount('apps', 'app')!;
    const meta = sa.metadata as { annotations?: Record<string, string> };
    kube.putServiceAccount({ ...sa, metadata: { ...meta, annotations: { ...meta.annotations, 'eks.amazonaws.com/role-arn': 'arn:aws:iam::111111111111:role/old' } } });
    const plan = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', `${S3_FULL},${S3_READ}`]);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toContain('re-annotate serviceaccount (was arn:aws:iam::111111111111:role/old)');
    e.sandbox.proxy.resetLog();
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'app', '--attach-policy-arn', `${S3_FULL},${S3_READ}`, '--approve']);
    expect(r.code, r.stderr).toBe(0);
    expect(e.sandbox.proxy.count('cloudformation', 'UpdateStack')).toBe(0);
    const after = kube.getServiceAccount('apps', 'app')!.metadata as { annotations: Record<string, string> };
    expect(after.annotations['eks.amazonaws.com/role-arn']).toBe(roleArn);
  });

  it('a service account with no stack is an error that names it', async () => {
    const r = await e.run(['update', 'iamserviceaccount', '--cluster', CLUSTER, '--namespace', 'apps', '--name', 'nope', '--attach-policy-arn', S3_READ]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('apps/nope');
  });
});
