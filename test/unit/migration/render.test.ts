import { describe, expect, it } from 'vitest';
import type { MigrationPlan } from '../../../src/migration/plan.js';
import { planToJson, renderPlanText } from '../../../src/migration/render.js';

const ROLE = 'arn:aws:iam::111122223333:role/r';
const plan: MigrationPlan = {
  mode: 'migrate',
  cluster: 'prod',
  region: 'us-west-2',
  cutOver: false,
  warnings: [],
  items: [
    {
      id: 'default/a',
      namespace: 'default',
      name: 'a',
      roleArn: ROLE,
      phase: 'irsa',
      status: 'changes',
      blockers: [],
      warnings: [],
      steps: [
        { action: 'add-pod-identity-trust', roleArn: ROLE, via: 'stack', stackName: 's' },
        { action: 'verify', roleArn: ROLE },
      ],
    },
    { id: 'evil/\u001b[2Jx', namespace: 'evil', name: '\u001b[2Jx', status: 'blocked', blockers: [{ code: 'fargate', message: 'Fargate\nfake line' }], warnings: [], steps: [] },
  ],
};

describe('migration rendering', () => {
  it('text: the plan, the role named once per ServiceAccount, untrusted text on one line and escaped', () => {
    const text = renderPlanText(plan);
    expect(text).toContain('default/a: to change, phase irsa\n  role arn:aws:iam::111122223333:role/r\n  + 1. add trust for pods.eks.amazonaws.com (sts:AssumeRole, sts:TagSession) to the role, through stack s\n  ? 2. verify');
    expect(text).toContain('evil/\\x1b[2Jx: blocked');
    expect(text).toContain('✖ Fargate\\x0afake line');
    expect(text).toContain('2 ServiceAccount(s): 1 to migrate, 0 with nothing to do, 1 blocked (skipped).');
    expect(text).toContain('Run the same command with --approve');
  });

  it('text after a run: each step with its outcome', () => {
    const text = renderPlanText(plan, [{ id: 'default/a', steps: [{ action: 'add-pod-identity-trust', outcome: 'unchanged' }, { action: 'verify', outcome: 'failed', detail: 'no association' }] }]);
    expect(text).toContain('✔ 1. add trust');
    expect(text).toContain('(was so already)');
    expect(text).toContain("✖ 2. verify (the doctor's Pod Identity checks): the association gives the role, which trusts pods.eks.amazonaws.com, and the agent runs: no association");
    expect(text).not.toContain('--approve');
  });

  it('json: every key present, outcome null before a run', () => {
    const doc = planToJson(plan) as { approved: boolean; serviceAccounts: { roleArn: string | null; phase: string | null; steps: { outcome: unknown; detail: unknown }[]; error: unknown }[] };
    expect(doc.approved).toBe(false);
    expect(doc.serviceAccounts[0]!.steps[0]).toMatchObject({ action: 'add-pod-identity-trust', outcome: null, detail: null });
    expect(doc.serviceAccounts[1]).toMatchObject({ roleArn: null, phase: null, error: null });
  });
});
