/**
 * CloudFormation failure paths of `create iamserviceaccount --approve`, end to end except for CloudFormation
 * itself. moto cannot produce them (harness.md §2: its stacks are complete on CreateStack, it has no
 * CREATE_FAILED/ROLLBACK_COMPLETE and no per-resource events), so a FAKE CloudFormationPort plays realistic
 * status sequences for the scripted stacks and passes every other stack to the real moto adapter. EKS, IAM and
 * Kubernetes stay real: the cluster, the OIDC provider and the ServiceAccounts go through irsactl's default path.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsPorts } from '../../src/aws/factory.js';
import type { AwsPorts, CloudFormationPort, CreateStackInput, StackEvent, StackRecord, StackSummary, UpdateStackInput } from '../../src/aws/ports.js';
import type { RuntimeOverrides } from '../../src/runtime/runtime.js';
import { IrsaError } from '../../src/errors.js';
import { startE2E, type E2E } from '../support/cli.js';
import { testAwsOptions } from '../support/aws.js';
import { parseRunDocument } from '../support/run-document.js';

const REGION = 'us-west-2';
const CLUSTER = 'fail-e2e';
const S3_READ = 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess';
const ROLE_REASON =
  'Resource handler returned message: "User: arn:aws:sts::123456789012:assumed-role/deployer is not authorized to perform: iam:CreateRole" (Service: Iam, Status Code: 403)';

const stackName = (ns: string, name: string) => `eksctl-${CLUSTER}-addon-iamserviceaccount-${ns}-${name}`;
const fakeRoleArn = (stack: string) => `arn:aws:iam::123456789012:role/${stack}-Role1-FAKE0000`;

type Script = 'fail-role1' | 'hang';

/** One scripted stack: its status advances one step per DescribeStacks, as a real create would between polls. */
interface ScriptedStack {
  input: CreateStackInput;
  stackId: string;
  script: Script;
  polls: number;
  /** 'hang' only: from this poll on, the stack is CREATE_COMPLETE (a slow create finishing later) */
  completeAtPoll?: number;
}

/**
 * A fake CloudFormationPort (see the file comment for why): stacks named in `scripts` follow the script; all
 * others go to the real adapter, so a run mixes scripted failures with stacks moto really creates.
 */
class ScriptedCloudFormation implements CloudFormationPort {
  constructor(
    private readonly real: CloudFormationPort,
    private readonly scripts: Map<string, Script>,
    /** shared between runs, as CloudFormation's state is */
    readonly stacks: Map<string, ScriptedStack>,
  ) {}

  private find(nameOrId: string): ScriptedStack | undefined {
    return this.stacks.get(nameOrId) ?? [...this.stacks.values()].find((s) => s.stackId === nameOrId);
  }

  private status(s: ScriptedStack): { status: string; reason?: string } {
    if (s.script === 'hang') {
      return s.completeAtPoll !== undefined && s.polls >= s.completeAtPoll ? { status: 'CREATE_COMPLETE' } : { status: 'CREATE_IN_PROGRESS', reason: 'User Initiated' };
    }
    if (s.polls <= 2) return { status: 'CREATE_IN_PROGRESS', reason: 'User Initiated' };
    if (s.polls === 3) return { status: 'ROLLBACK_IN_PROGRESS', reason: 'The following resource(s) failed to create: [Role1]. Rollback requested by user.' };
    return { status: 'ROLLBACK_COMPLETE' };
  }

  private record(s: ScriptedStack): StackRecord {
    const { status, reason } = this.status(s);
    return {
      stackName: s.input.stackName,
      stackId: s.stackId,
      status,
      statusReason: reason,
      tags: s.input.tags,
      outputs: status === 'CREATE_COMPLETE' ? { Role1: fakeRoleArn(s.input.stackName) } : {},
      capabilities: s.input.capabilities,
      terminationProtection: s.input.terminationProtection,
    };
  }

  /** A listing is a look too: each scripted stack advances once per ListStacks, as between two polls. */
  async listStacks(statuses: readonly string[]): Promise<StackSummary[]> {
    const real = await this.real.listStacks(statuses);
    const scripted = [...this.stacks.values()].map((s) => (s.polls++, this.record(s))).filter((r) => statuses.includes(r.status));
    return [...real, ...scripted.map((r) => ({ stackName: r.stackName, stackId: r.stackId, status: r.status }))];
  }
  async describeStack(nameOrId: string): Promise<StackRecord | undefined> {
    const s = this.find(nameOrId);
    if (!s) return this.real.describeStack(nameOrId);
    s.polls++;
    return this.record(s);
  }
  async createStack(input: CreateStackInput): Promise<'created' | 'exists'> {
    const script = this.scripts.get(input.stackName);
    if (!script) return this.real.createStack(input);
    if (this.stacks.has(input.stackName)) throw new IrsaError('AWS', `Stack [${input.stackName}] already exists`);
    const stackId = `arn:aws:cloudformation:${REGION}:123456789012:stack/${input.stackName}/0b7c1e3a-fake`;
    this.stacks.set(input.stackName, { input, stackId, script, polls: 0 });
    return 'created';
  }
  updateStack(input: UpdateStackInput): Promise<'updated' | 'no-change'> {
    return this.real.updateStack(input);
  }
  deleteStack(nameOrId: string): Promise<void> {
    return this.real.deleteStack(nameOrId);
  }
  setTerminationProtection(nameOrId: string, enabled: boolean): Promise<void> {
    return this.real.setTerminationProtection(nameOrId, enabled);
  }
  async getTemplate(nameOrId: string): Promise<string> {
    const s = this.find(nameOrId);
    return s ? s.input.templateBody : this.real.getTemplate(nameOrId);
  }
  /** Newest first, as CloudFormation returns them, up to where the script has got. */
  async describeStackEvents(nameOrId: string): Promise<StackEvent[]> {
    const s = this.find(nameOrId);
    if (!s) return this.real.describeStackEvents(nameOrId);
    const stack = s.input.stackName;
    const t = (n: number) => new Date(Date.UTC(2026, 10, 28, 12, 0, n));
    const all: StackEvent[] = [
      { timestamp: t(0), logicalResourceId: stack, resourceType: 'AWS::CloudFormation::Stack', resourceStatus: 'CREATE_IN_PROGRESS', resourceStatusReason: 'User Initiated' },
      { timestamp: t(1), logicalResourceId: 'Role1', resourceType: 'AWS::IAM::Role', resourceStatus: 'CREATE_IN_PROGRESS' },
      { timestamp: t(2), logicalResourceId: 'Role1', resourceType: 'AWS::IAM::Role', resourceStatus: 'CREATE_FAILED', resourceStatusReason: ROLE_REASON },
      {
        timestamp: t(3), logicalResourceId: stack, resourceType: 'AWS::CloudFormation::Stack', resourceStatus: 'ROLLBACK_IN_PROGRESS',
        resourceStatusReason: 'The following resource(s) failed to create: [Role1]. Rollback requested by user.',
      },
      { timestamp: t(4), logicalResourceId: 'Role1', resourceType: 'AWS::IAM::Role', resourceStatus: 'DELETE_COMPLETE' },
      { timestamp: t(5), logicalResourceId: stack, resourceType: 'AWS::CloudFormation::Stack', resourceStatus: 'ROLLBACK_COMPLETE' },
    ];
    const visible = s.script === 'hang' ? 2 : s.polls <= 2 ? 2 : s.polls === 3 ? 4 : 6;
    return all.slice(0, visible).reverse();
  }
}

function withScriptedCfn(
  e: E2E,
  scripts: Map<string, Script>,
  stacks = new Map<string, ScriptedStack>(),
): { overrides: RuntimeOverrides; cfn: () => ScriptedCloudFormation | undefined } {
  let fake: ScriptedCloudFormation | undefined;
  return {
    overrides: {
      awsPorts: async ({ region, profile }) => {
        const real = await createAwsPorts({ region, profile, env: e.env });
        fake = new ScriptedCloudFormation(real.cfn, scripts, stacks);
        return { ...real, cfn: fake };
      },
    },
    cfn: () => fake,
  };
}

let e: E2E;
let aws: AwsPorts;
/** the timeout test's stack, which the next test finds still in progress */
const slowStacks = new Map<string, ScriptedStack>();
let dir: string;
let configPath: string;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  aws = await createAwsPorts(testAwsOptions(e.account, REGION));
  dir = await mkdtemp(join(tmpdir(), 'irsactl-fail-'));
  const example = await readFile(new URL('../../examples/iamserviceaccounts.yaml', import.meta.url), 'utf8');
  configPath = join(dir, 'cluster.yaml');
  await writeFile(configPath, example.replace(/^(\s+name:\s*)demo\s*$/m, `$1${CLUSTER}`));
  const r = await e.run(['utils', 'associate-iam-oidc-provider', '--cluster', CLUSTER, '--region', REGION, '--approve']);
  expect(r.code, r.stderr).toBe(0);
});
afterAll(async () => {
  await e?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('create iamserviceaccount when CloudFormation fails', () => {
  it('a stack that rolls back: exit 1 naming the SA, Role1 and its reason, the next command; the others finish', async () => {
    const failing = stackName('backend-apps', 's3-reader');
    const { overrides, cfn } = withScriptedCfn(e, new Map([[failing, 'fail-role1']]));
    const r = await e.run(
      ['create', 'iamserviceaccount', '-f', configPath, '--include', 'backend-apps/*,kube-system/external-dns', '--approve', '--concurrency', '3'],
      { overrides },
    );
    expect(r.code).toBe(1);
    // The fake really played its sequence: it was polled through the rollback.
    expect(cfn()!.stacks.get(failing)!.polls).toBeGreaterThanOrEqual(4);

    const failureLine = r.stderr.split('\n').find((l) => l.includes('backend-apps/s3-reader') && l.includes('ROLLBACK_COMPLETE'));
    expect(failureLine, r.stderr).toBeDefined();
    expect(failureLine).toContain(failing);
    expect(failureLine).toContain('Role1 CREATE_FAILED');
    expect(failureLine).toContain('is not authorized to perform: iam:CreateRole');
    expect(r.stderr).toContain(`irsactl apply -f ${configPath} --include backend-apps/s3-reader --approve`);
    // The run's summary names each failed service account, and only those.
    expect(r.stderr).toMatch(/1 of 3 service account\(s\) failed: backend-apps\/s3-reader\b/);

    // The other two were created, stack and ServiceAccount, in the same run.
    for (const [ns, name] of [['backend-apps', 'cache-access'], ['kube-system', 'external-dns']] as const) {
      const stack = await aws.cfn.describeStack(stackName(ns, name));
      expect(stack?.status, `${ns}/${name}`).toBe('CREATE_COMPLETE');
      const sa = e.cluster.kube.getServiceAccount(ns, name) as { metadata: { annotations?: Record<string, string> } } | undefined;
      expect(sa?.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(stack!.outputs.Role1);
    }
    expect(e.cluster.kube.getServiceAccount('backend-apps', 's3-reader')).toBeUndefined();
    // Results still reach stdout: one row per service account, the failed one marked.
    expect(r.stdout).toMatch(/backend-apps\s+s3-reader\s+failed\s+/);
    expect(r.stdout).toMatch(/backend-apps\s+cache-access\s+created\s+created/);
    expect(r.stdout).toMatch(/kube-system\s+external-dns\s+created\s+created/);
  });

  it('by flags: the hint is the delete command with --cluster and --region; a re-run says the stack is ROLLBACK_COMPLETE', async () => {
    const failing = stackName('default', 'denied');
    const stacks = new Map<string, ScriptedStack>();
    const { overrides } = withScriptedCfn(e, new Map([[failing, 'fail-role1']]), stacks);
    const argv = ['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'denied', '--attach-policy-arn', S3_READ, '--approve'];
    const deleteCommand = `irsactl delete iamserviceaccount --cluster ${CLUSTER} --region ${REGION} --namespace default --name denied`;

    const r = await e.run(argv, { overrides });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/default\/denied: stack \S+ create failed: ROLLBACK_COMPLETE — Role1 CREATE_FAILED: Resource handler returned message/);
    expect(r.stderr).toContain(deleteCommand);

    // CloudFormation keeps the rolled-back stack: running create again must not pretend, nor create a second one.
    const again = await e.run(argv, { overrides });
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/default\/denied: stack \S+ is ROLLBACK_COMPLETE/);
    expect(again.stderr).toContain(deleteCommand);
    expect(stacks.size).toBe(1);
    expect(e.cluster.kube.getServiceAccount('default', 'denied')).toBeUndefined();
  });

  it('a stack still CREATE_IN_PROGRESS past --timeout: exit 1 with a TIMEOUT message and how to go on', async () => {
    const hanging = stackName('default', 'slow');
    const { overrides, cfn } = withScriptedCfn(e, new Map([[hanging, 'hang']]), slowStacks);
    const r = await e.run(
      ['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'slow', '--attach-policy-arn', S3_READ, '--timeout', '6s', '--approve'],
      { overrides },
    );
    expect(r.code).toBe(1);
    expect(cfn()!.stacks.get(hanging)!.polls).toBeGreaterThan(1);
    // what it waited for, how long, and in which state
    expect(r.stderr).toMatch(new RegExp(`default/slow.*timed out waiting for stack ${hanging}, still CREATE_IN_PROGRESS \\(waited \\d+s, --timeout ran out\\)`));
    expect(r.stderr).toContain('--timeout');
    // CloudFormation goes on with the stack: in progress, not failed, and the message says what to do
    expect(r.stderr).toMatch(new RegExp(`default/slow: stack ${hanging} is still being created by CloudFormation \\(timed out waiting`));
    expect(r.stderr).toContain('CloudFormation goes on creating it; run the same command again to finish');
    expect(r.stderr).toMatch(/1 of 1 service account\(s\) did not finish, 1 still in progress in CloudFormation \(default\/slow\)/);
    expect(r.stderr).not.toMatch(/failed: default\/slow/);
    expect(e.cluster.kube.getServiceAccount('default', 'slow')).toBeUndefined();
    expect(r.stdout).toMatch(/default\s+slow\s+in-progress\s+/);
  });

  it('re-running after the timeout waits for the stack still in progress, then creates the ServiceAccount', async () => {
    const hanging = stackName('default', 'slow');
    const slow = slowStacks.get(hanging);
    expect(slow, 'the timeout test above leaves this stack in progress').toBeDefined();
    // Still CREATE_IN_PROGRESS when this run observes it; CloudFormation finishes it a few polls later.
    slow!.completeAtPoll = slow!.polls + 3;
    const { overrides } = withScriptedCfn(e, new Map([[hanging, 'hang']]), slowStacks);
    const r = await e.run(
      ['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'slow', '--attach-policy-arn', S3_READ, '--approve', '-o', 'json'],
      { overrides },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(slow!.polls).toBeGreaterThanOrEqual(slow!.completeAtPoll!);
    const out = parseRunDocument(r.stdout);
    expect(out.items.map((i) => [i.id, i.stack.outcome, i.serviceAccount.outcome, i.role.arn])).toEqual([['default/slow', 'exists', 'created', fakeRoleArn(hanging)]]);
    const sa = e.cluster.kube.getServiceAccount('default', 'slow') as { metadata: { annotations?: Record<string, string> } } | undefined;
    expect(sa?.metadata.annotations?.['eks.amazonaws.com/role-arn']).toBe(fakeRoleArn(hanging));
  });
});
