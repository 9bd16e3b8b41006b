import { describe, expect, it } from 'vitest';
import { planServiceAccounts, type PlanInput } from '../../../src/actions/plan.js';
import { summarize } from '../../../src/actions/describe-plan.js';
import type { StackRecord } from '../../../src/aws/ports.js';
import { APPLY_SET_TAG, IRSA_NAME_TAG, stackNameFor, stackTagsFor } from '../../../src/model/naming.js';
import { describeMaker, stackMaker } from '../../../src/cfn/stack-maker.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { OIDC, S3_READ_ONLY, cluster, spec } from '../../fixtures/cfn/specs.js';

const s3 = spec({ attachPolicyARNs: [S3_READ_ONLY] });
const ROLE = 'arn:aws:iam::456123987123:role/r';

function input(over: Partial<PlanInput> = {}): PlanInput {
  return {
    mode: 'apply',
    model: cluster({ serviceAccounts: [s3] }),
    selected: [s3],
    region: 'us-west-2',
    oidc: OIDC,
    providerExists: true,
    stacks: new Map(),
    serviceAccounts: new Map(),
    overrideExisting: true,
    applySet: 'demo/cluster.yaml',
    ...over,
  };
}

const stackWith = (tags: Record<string, string>): StackRecord => ({
  stackName: stackNameFor('demo', s3),
  stackId: 'arn:aws:cloudformation:us-west-2:456123987123:stack/x/1',
  status: 'CREATE_COMPLETE',
  tags,
  outputs: { Role1: ROLE },
  capabilities: ['CAPABILITY_IAM'],
});

describe('apply sets in the plan', () => {
  it("apply's stacks carry the apply-set tag, with eksctl's name tag still last", () => {
    const item = planServiceAccounts(input()).items[0]!;
    expect(item.stackTags[APPLY_SET_TAG]).toBe('demo/cluster.yaml');
    expect(Object.keys(item.stackTags).at(-1)).toBe(IRSA_NAME_TAG);
    expect(planServiceAccounts(input({ applySet: undefined })).items[0]!.stackTags[APPLY_SET_TAG]).toBeUndefined();
  });

  it('a user tag cannot take the apply-set key', () => {
    expect(stackTagsFor(cluster({ tags: { [APPLY_SET_TAG]: 'forged' } }), s3, 'mine')[APPLY_SET_TAG]).toBe('mine');
  });

  it('a stack of no apply set, or of another, is not drift by that tag alone', () => {
    for (const set of [undefined, 'other/file.yaml']) {
      const tags = stackTagsFor(cluster(), s3, set);
      const i = input({ stacks: new Map([['default/s3-reader', stackWith(tags)]]), liveTemplates: new Map([['default/s3-reader', renderTemplate(s3, OIDC)]]) });
      expect(planServiceAccounts(i).items[0]!.stack).toEqual({ action: 'unchanged', status: 'CREATE_COMPLETE' });
    }
  });

  it('an update (here: a policy changed) adopts the stack into this apply set', () => {
    const old = spec({ attachPolicyARNs: ['arn:aws:iam::aws:policy/Other'] });
    const i = input({ stacks: new Map([['default/s3-reader', stackWith(stackTagsFor(cluster(), s3))]]), liveTemplates: new Map([['default/s3-reader', renderTemplate(old, OIDC)]]) });
    const item = planServiceAccounts(i).items[0]!;
    expect(item.stack.action).toBe('update');
    expect(item.stackTags[APPLY_SET_TAG]).toBe('demo/cluster.yaml');
    expect(summarize(planServiceAccounts(i))).toEqual({ create: 0, update: 1, delete: 0, unchanged: 0, cannotAct: 0 });
  });
});

describe('stackMaker: who made a stack, from its tags', () => {
  it('eksctl, irsactl with and without an apply set, and no version tag', () => {
    expect(stackMaker({ 'alpha.eksctl.io/eksctl-version': '0.190.0' })).toEqual({ tool: 'eksctl', version: '0.190.0' });
    expect(stackMaker({ 'alpha.eksctl.io/eksctl-version': 'irsactl-1.2.3', [APPLY_SET_TAG]: 'a/b.yaml' })).toEqual({ tool: 'irsactl', version: '1.2.3', applySet: 'a/b.yaml' });
    expect(describeMaker(stackMaker({}))).toContain('an unknown tool');
    // tag values are anyone's text: one line
    expect(describeMaker(stackMaker({ 'alpha.eksctl.io/eksctl-version': '1\n✔ fake' }))).not.toContain('\n');
  });
});
