/**
 * executePlan's CreateStack "already exists" path: a second run (or a retried request) whose CreateStack finds
 * the stack made by the first waits for that stack and uses its role, instead of failing. moto cannot show
 * this reliably (two identical CreateStacks at the same instant can leave its stack stuck), so an in-memory
 * CloudFormationPort plays the other run's stack.
 */
import { describe, expect, it } from 'vitest';
import { executePlan } from '../../../src/actions/execute.js';
import { planServiceAccounts } from '../../../src/actions/plan.js';
import { createRuntime } from '../../../src/runtime/runtime.js';
import type { CloudFormationPort, StackRecord } from '../../../src/aws/ports.js';
import { OIDC, S3_READ_ONLY, cluster, spec } from '../../fixtures/cfn/specs.js';

/** The other run created the stack just before us (with `tags`); it completes on the second look. */
function cfnWithForeignCreate(name: string, tags: Record<string, string>): CloudFormationPort & { creates: number; looks: () => number } {
  let looks = 0;
  const rec = (status: string): StackRecord => ({
    stackName: name,
    stackId: `id-${name}`,
    status,
    tags,
    outputs: status === 'CREATE_COMPLETE' ? { Role1: 'arn:aws:iam::456123987123:role/other-run' } : {},
    capabilities: ['CAPABILITY_IAM'],
  });
  const notUsed = () => Promise.reject(new Error('not used'));
  return {
    creates: 0,
    looks: () => looks,
    async createStack() {
      this.creates++;
      return 'exists' as const;
    },
    describeStack: async () => rec(++looks >= 2 ? 'CREATE_COMPLETE' : 'CREATE_IN_PROGRESS'),
    listStacks: async () => (++looks >= 2 ? [] : [{ stackName: name, stackId: `id-${name}`, status: 'CREATE_IN_PROGRESS' }]),
    updateStack: notUsed,
    deleteStack: notUsed,
    setTerminationProtection: notUsed,
    getTemplate: notUsed,
    describeStackEvents: async () => [],
  };
}

describe('executePlan', () => {
  it('waits for a stack another run created and takes its role', async () => {
    const sa = spec({ attachPolicyARNs: [S3_READ_ONLY], roleOnly: true });
    const plan = planServiceAccounts({
      mode: 'apply',
      model: cluster({ serviceAccounts: [sa] }),
      selected: [sa],
      region: 'us-west-2',
      oidc: OIDC,
      providerExists: true,
      stacks: new Map(),
      serviceAccounts: new Map(),
      overrideExisting: false,
    });
    const cfn = cfnWithForeignCreate(plan.items[0]!.stackName, plan.items[0]!.stackTags);
    let stderr = '';
    const rt = createRuntime({ stdout: { write: () => true }, stderr: { write: (s: string) => (stderr += s) }, env: { IRSACTL_POLL_INTERVAL_MS: '5' }, stderrIsTTY: false }, 0);
    const [result] = await executePlan(
      { rt, cfn, deadline: Date.now() + 10_000, concurrency: 1, mayAnnotateExisting: true, commandHint: { command: 'create', cluster: 'demo', region: 'us-west-2' } },
      plan,
    );
    expect(cfn.creates).toBe(1);
    expect(result).toMatchObject({ stack: 'created', roleArn: 'arn:aws:iam::456123987123:role/other-run', serviceAccount: 'skipped' });
    expect(result!.error).toBeUndefined();
    expect(stderr).toContain('already exists: waiting for it');
  });

  it('never waits for, nor takes the role of, a stack with its name that another service account owns', async () => {
    // a/b-c and a-b/c share eksctl's stack name; the stack CreateStack found is a-b/c's
    const sa = spec({ namespace: 'a', name: 'b-c', attachPolicyARNs: [S3_READ_ONLY], roleOnly: true });
    const other = spec({ namespace: 'a-b', name: 'c', attachPolicyARNs: [S3_READ_ONLY], roleOnly: true });
    const model = cluster({ serviceAccounts: [sa] });
    const plan = planServiceAccounts({ mode: 'create', model, selected: [sa], region: 'us-west-2', oidc: OIDC, providerExists: true, stacks: new Map(), serviceAccounts: new Map(), overrideExisting: false });
    const otherTags = planServiceAccounts({ mode: 'create', model: cluster({ serviceAccounts: [other] }), selected: [other], region: 'us-west-2', oidc: OIDC, providerExists: true, stacks: new Map(), serviceAccounts: new Map(), overrideExisting: false }).items[0]!.stackTags;
    expect(plan.items[0]!.stackName).toBe(`eksctl-${model.name}-addon-iamserviceaccount-a-b-c`);
    const cfn = cfnWithForeignCreate(plan.items[0]!.stackName, otherTags);
    const rt = createRuntime({ stdout: { write: () => true }, stderr: { write: () => true }, env: { IRSACTL_POLL_INTERVAL_MS: '5' }, stderrIsTTY: false }, 0);
    const [result] = await executePlan(
      { rt, cfn, deadline: Date.now() + 10_000, concurrency: 1, mayAnnotateExisting: true, commandHint: { command: 'apply', cluster: model.name, region: 'us-west-2' } },
      plan,
    );
    expect(result!.stack).toBe('failed');
    expect(result!.roleArn).toBeUndefined();
    expect(result!.error?.message).toContain(`stack ${plan.items[0]!.stackName} has the name of a/b-c's stack but belongs to service account a-b/c of this cluster`);
    expect(result!.error?.hint).toContain('give a/b-c another namespace or name');
    // one look to read its tags, none to wait on it
    expect(cfn.looks()).toBe(1);
  });
});
