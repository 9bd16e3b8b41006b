/**
 * executePlan's CreateStack "already exists" path: a second run (or a retried request) whose CreateStack finds
 * the stack made by the first waits for that stack and uses its role, instead of failing. moto cannot show
 * this reliably (two identical CreateStacks at the same instant can leave its stack stuck), so an in-memory
 * CloudFormationPort plays the other run's stack.
 */
import { describe, expect, it } from 'vitest';
import { executePlan } from '../../src/actions/execute.js';
import { planServiceAccounts } from '../../src/actions/plan.js';
import { createRuntime } from '../../src/actions/runtime.js';
import type { CloudFormationPort, StackRecord } from '../../src/aws/ports.js';
import { IrsaError } from '../../src/errors.js';
import { OIDC, S3_READ_ONLY, cluster, spec } from '../fixtures/cfn/specs.js';

/** The other run created the stack just before us; it completes on the second look. */
function cfnWithForeignCreate(name: string): CloudFormationPort & { creates: number } {
  let looks = 0;
  const rec = (status: string): StackRecord => ({
    stackName: name,
    stackId: `id-${name}`,
    status,
    tags: {},
    outputs: status === 'CREATE_COMPLETE' ? { Role1: 'arn:aws:iam::456123987123:role/other-run' } : {},
    capabilities: ['CAPABILITY_IAM'],
  });
  const notUsed = () => Promise.reject(new Error('not used'));
  return {
    creates: 0,
    async createStack() {
      this.creates++;
      throw new IrsaError('AWS', `CreateStack failed: Stack [${name}] already exists`, { httpStatus: 400, awsCode: 'AlreadyExists' });
    },
    describeStack: async () => rec(++looks >= 2 ? 'CREATE_COMPLETE' : 'CREATE_IN_PROGRESS'),
    describeAllStacks: async () => [rec(++looks >= 2 ? 'CREATE_COMPLETE' : 'CREATE_IN_PROGRESS')],
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
    const cfn = cfnWithForeignCreate(plan.items[0]!.stackName);
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
});
