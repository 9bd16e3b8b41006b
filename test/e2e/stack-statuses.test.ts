/**
 * Stack statuses moto never shows (issue 12's stack-status paragraph): UPDATE_ROLLBACK_FAILED,
 * UPDATE_ROLLBACK_IN_PROGRESS, REVIEW_IN_PROGRESS and the IMPORT_* family are each reported for what they are, with
 * the step that gets the stack out of them, never as ok, and a stack that cannot finish by itself is never waited
 * on until --timeout. A failed stack's reason is the root cause (the first failure of the latest operation), not a
 * sibling's "Resource creation cancelled". The stacks are real (moto); their statuses and events are played by a
 * FAKE CloudFormation port over the real one (test/support/fake-cfn.ts), because moto cannot produce them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CloudFormationPort, StackEvent, StackRecord } from '../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import { startE2E, type E2E } from '../support/cli.js';
import { clusterConfigYaml, S3_READ } from '../support/config.js';
import { withCloudFormation } from '../support/fake-cfn.js';

const REGION = 'us-west-2';
const CLUSTER = 'statuses-e2e';
const S3_FULL = 'arn:aws:iam::aws:policy/AmazonS3FullAccess';
const stackOf = (name: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-apps-${name}`;
const flags = ['--cluster', CLUSTER, '--region', REGION];
const CONTINUE = (name: string) => `aws cloudformation continue-update-rollback --stack-name ${stackOf(name)} --region ${REGION}`;

let e: E2E;

const create = (name: string, extra: string[] = [], overrides?: RuntimeOverrides) =>
  e.run(['create', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', name, '--attach-policy-arn', S3_READ, '--approve', ...extra], { overrides });

/** The real stack of apps/<name>, shown in `status` (DescribeStacks and ListStacks); calls to it are counted. */
function played(name: string, status: string | (() => string), extra: (real: CloudFormationPort) => Partial<CloudFormationPort> = () => ({})): { overrides: RuntimeOverrides; describes: () => number } {
  let describes = 0;
  const statusNow = typeof status === 'string' ? () => status : status;
  const ours = (id: string) => id === stackOf(name) || id.includes(`/${stackOf(name)}/`);
  return {
    describes: () => describes,
    overrides: withCloudFormation(e, (real) => ({
      describeStack: async (id) => {
        const rec = await real.describeStack(id);
        if (!ours(id) || !rec) return rec;
        describes++;
        return { ...rec, status: statusNow() };
      },
      listStacks: async (statuses) => {
        const all = await real.listStacks([...new Set([...statuses, 'CREATE_COMPLETE'])]);
        return all.map((s) => (s.stackName === stackOf(name) ? { ...s, status: statusNow() } : s)).filter((s) => statuses.includes(s.status));
      },
      ...extra(real),
    })),
  };
}

const event = (logicalResourceId: string, resourceStatus: string, reason?: string, second = 0, resourceType = 'AWS::IAM::Policy'): StackEvent => ({
  timestamp: new Date(Date.UTC(2026, 11, 1, 12, 0, second)),
  logicalResourceId,
  resourceType,
  resourceStatus,
  ...(reason !== undefined ? { resourceStatusReason: reason } : {}),
});

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  for (const name of ['urf', 'urip', 'review', 'irf', 'iip']) expect((await create(name)).code).toBe(0);
});
afterAll(async () => {
  await e?.stop();
});

describe('UPDATE_ROLLBACK_FAILED', () => {
  it('get shows it as needing attention, never ok, with continue-update-rollback', async () => {
    const { overrides } = played('urf', 'UPDATE_ROLLBACK_FAILED');
    const r = await e.run(['get', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', 'urf'], { overrides });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^apps\s+urf\s+\S+\s+IRSA\s+needs attention \(UPDATE_ROLLBACK_FAILED\)$/m);
    expect(r.stderr).toContain(CONTINUE('urf'));
    const json = await e.run(['get', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', 'urf', '-o', 'json'], { overrides });
    expect(JSON.parse(json.stdout)[0].status).toMatchObject({ health: 'needs attention', stackStatus: 'UPDATE_ROLLBACK_FAILED', nextStep: expect.stringContaining(CONTINUE('urf')) });
  });

  it('create and an apply with nothing to change fail with continue-update-rollback, not "delete the iamserviceaccount" or "apply to replace it"', async () => {
    const c = await create('urf', [], played('urf', 'UPDATE_ROLLBACK_FAILED').overrides);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('UPDATE_ROLLBACK_FAILED');
    expect(c.stderr).toContain(CONTINUE('urf'));
    expect(c.stderr).not.toMatch(/delete iamserviceaccount|to replace it/);
    const a = await e.run(['apply', '-f', '-', '--approve'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/urf' }]), overrides: played('urf', 'UPDATE_ROLLBACK_FAILED').overrides });
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(CONTINUE('urf'));
    expect(a.stderr).not.toMatch(/to replace it/);
  });

  it('an update that ends there names the root cause, not the cancelled sibling, and says continue-update-rollback', async () => {
    const root = 'Resource handler returned message: "Policy arn:aws:iam::aws:policy/AmazonS3FullAccess does not exist or is not attachable." (Service: Iam, Status Code: 404)';
    const stack = stackOf('urf');
    let step = 0;
    const sequence = ['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED'];
    const { overrides } = played('urf', () => (step === 0 ? 'UPDATE_COMPLETE' : sequence[Math.min(step++ - 1, 2)]!), () => ({
      updateStack: async () => {
        step = 1;
        return 'updated';
      },
      // newest first, as CloudFormation returns them; an older create's failure is not this operation's
      describeStackEvents: async () => [
        event(stack, 'UPDATE_ROLLBACK_FAILED', 'The following resource(s) failed to update: [Role1].', 9, 'AWS::CloudFormation::Stack'),
        event('Role1', 'UPDATE_FAILED', 'Resource handler returned message: "Role is in use"', 8, 'AWS::IAM::Role'),
        event(stack, 'UPDATE_ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to update: [Policy1].', 7, 'AWS::CloudFormation::Stack'),
        event('PolicyAutoScaling', 'UPDATE_FAILED', 'Resource update cancelled', 6),
        event('Policy1', 'UPDATE_FAILED', root, 5),
        event('Role1', 'UPDATE_IN_PROGRESS', undefined, 4, 'AWS::IAM::Role'),
        event(stack, 'UPDATE_IN_PROGRESS', 'User Initiated', 3, 'AWS::CloudFormation::Stack'),
        event('Role1', 'CREATE_FAILED', 'an older operation', 1, 'AWS::IAM::Role'),
        event(stack, 'CREATE_IN_PROGRESS', 'User Initiated', 0, 'AWS::CloudFormation::Stack'),
      ],
    }));
    const r = await e.run(['update', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', 'urf', '--attach-policy-arn', S3_FULL, '--approve'], { overrides });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`update failed: UPDATE_ROLLBACK_FAILED — Policy1 UPDATE_FAILED: ${root}`);
    expect(r.stderr).not.toContain('Resource update cancelled');
    expect(r.stderr).toContain(CONTINUE('urf'));
    expect(r.stderr).not.toContain('the role is as it was');
  });
});

describe('UPDATE_ROLLBACK_IN_PROGRESS and IMPORT_IN_PROGRESS finish by themselves', () => {
  it('get shows them in progress; create says to wait and run again', async () => {
    for (const [name, status] of [['urip', 'UPDATE_ROLLBACK_IN_PROGRESS'], ['iip', 'IMPORT_IN_PROGRESS']] as const) {
      const g = await e.run(['get', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', name], { overrides: played(name, status).overrides });
      expect(g.stdout).toMatch(new RegExp(`^apps\\s+${name}\\s+\\S+\\s+IRSA\\s+in progress \\(${status}\\)$`, 'm'));
      const c = await create(name, [], played(name, status).overrides);
      expect(c.code).toBe(1);
      expect(c.stderr).toContain(`is ${status}`);
      expect(c.stderr).toContain('wait for the operation to finish, then run the command again');
    }
  });
});

describe('IMPORT_ROLLBACK_FAILED', () => {
  it('is reported as needing attention with its next step, never ok', async () => {
    const g = await e.run(['get', 'iamserviceaccount', ...flags, '--namespace', 'apps', '--name', 'irf'], { overrides: played('irf', 'IMPORT_ROLLBACK_FAILED').overrides });
    expect(g.stdout).toMatch(/^apps\s+irf\s+\S+\s+IRSA\s+needs attention \(IMPORT_ROLLBACK_FAILED\)$/m);
    expect(g.stderr).toContain(`aws cloudformation describe-stack-events --stack-name ${stackOf('irf')} --region ${REGION}`);
  });
});

describe('REVIEW_IN_PROGRESS never finishes by itself', () => {
  it('create fails at once with what to do, without waiting until --timeout', async () => {
    const p = played('review', 'REVIEW_IN_PROGRESS');
    const r = await create('review', ['--timeout', '10m'], p.overrides);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('REVIEW_IN_PROGRESS');
    expect(r.stderr).toContain(`aws cloudformation delete-stack --stack-name ${stackOf('review')} --region ${REGION}`);
    expect(r.stderr).not.toContain('timed out');
    // the discovery's look only
    expect(p.describes()).toBe(1);
  });

  it('a CreateStack that finds our stack in REVIEW_IN_PROGRESS (made since the plan looked) fails at once too', async () => {
    // the plan sees no stack; CreateStack then answers AlreadyExists, and the stack is in review
    let created = false;
    const p = played('review', () => 'REVIEW_IN_PROGRESS', (real) => ({
      listStacks: async (statuses) => (await real.listStacks(statuses)).filter((s) => s.stackName !== stackOf('review')),
      createStack: async (input) => {
        if (input.stackName !== stackOf('review')) return real.createStack(input);
        created = true;
        return 'exists';
      },
    }));
    const r = await e.run(['apply', '-f', '-', '--approve', '--timeout', '10m'], { stdin: clusterConfigYaml(CLUSTER, REGION, [{ id: 'apps/review' }]), overrides: p.overrides });
    expect(created).toBe(true);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already exists and is REVIEW_IN_PROGRESS');
    expect(r.stderr).toContain('change set that was never executed');
    expect(p.describes()).toBe(1);
  });
});

describe('a failed create names the root cause', () => {
  it('the first failure of the latest operation, not the sibling CloudFormation cancelled after it', async () => {
    const stack = stackOf('cancel');
    const root = 'Resource handler returned message: "1 validation error detected: Value at \'policyName\' failed to satisfy constraint: Member must have length less than or equal to 128"';
    let looks = 0;
    const record = (real: StackRecord): StackRecord => ({ ...real, status: ++looks < 2 ? 'CREATE_IN_PROGRESS' : 'ROLLBACK_COMPLETE', outputs: {} });
    const overrides = withCloudFormation(e, (real) => ({
      describeStack: async (id) => {
        const rec = await real.describeStack(id);
        return rec && rec.stackName === stack ? record(rec) : rec;
      },
      describeStackEvents: async (id) =>
        id.includes(stack)
          ? [
              event(stack, 'ROLLBACK_COMPLETE', undefined, 9, 'AWS::CloudFormation::Stack'),
              event(stack, 'ROLLBACK_IN_PROGRESS', 'The following resource(s) failed to create: [Policy1, PolicyAWSLoadBalancerController].', 6, 'AWS::CloudFormation::Stack'),
              event('Policy1', 'CREATE_FAILED', 'Resource creation cancelled', 5),
              event('PolicyAWSLoadBalancerController', 'CREATE_FAILED', root, 4),
              event(stack, 'CREATE_IN_PROGRESS', 'User Initiated', 0, 'AWS::CloudFormation::Stack'),
            ]
          : real.describeStackEvents(id),
    }));
    const r = await create('cancel', [], overrides);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`create failed: ROLLBACK_COMPLETE — PolicyAWSLoadBalancerController CREATE_FAILED: ${root}`);
    expect(r.stderr).not.toContain('Resource creation cancelled');
  });
});
