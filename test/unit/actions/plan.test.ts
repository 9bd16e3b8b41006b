import { describe, expect, it } from 'vitest';
import { planServiceAccounts, type PlanInput } from '../../../src/actions/plan.js';
import type { StackRecord } from '../../../src/aws/ports.js';
import type { ServiceAccountObject } from '../../../src/k8s/ports.js';
import type { ServiceAccountSpec } from '../../../src/model/service-account.js';
import { EKSCTL_VERSION_TAG, stackNameFor, stackTagsFor } from '../../../src/model/naming.js';
import { ROLE_ARN_ANNOTATION } from '../../../src/model/kubernetes.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { renderAhead } from '../../../src/actions/render-ahead.js';
import { OIDC, S3_READ_ONLY, cluster, spec } from '../../fixtures/cfn/specs.js';

const ROLE = 'arn:aws:iam::456123987123:role/eksctl-demo-addon-iamserviceaccount-default-s3-reader-Role1-ABC';
const s3 = spec({ attachPolicyARNs: [S3_READ_ONLY] });

function input(over: Partial<PlanInput> & { selected?: ServiceAccountSpec[] } = {}): PlanInput {
  const selected = over.selected ?? [s3];
  return {
    mode: 'create',
    model: cluster({ serviceAccounts: selected }),
    selected,
    region: 'us-west-2',
    oidc: OIDC,
    providerExists: true,
    stacks: new Map(),
    serviceAccounts: new Map(),
    overrideExisting: false,
    ...over,
  };
}

function stack(sa: ServiceAccountSpec, over: Partial<StackRecord> = {}): StackRecord {
  const name = stackNameFor('demo', sa);
  return {
    stackName: name,
    stackId: `arn:aws:cloudformation:us-west-2:456123987123:stack/${name}/1`,
    status: 'CREATE_COMPLETE',
    tags: stackTagsFor(cluster(), sa),
    outputs: { Role1: ROLE },
    capabilities: ['CAPABILITY_IAM'],
    ...over,
  };
}

function liveSa(over: Partial<ServiceAccountObject> = {}): ServiceAccountObject {
  return { namespace: 'default', name: 's3-reader', labels: {}, annotations: {}, ...over };
}

const one = (i: PlanInput) => {
  const plan = planServiceAccounts(i);
  expect(plan.items).toHaveLength(1);
  return plan.items[0]!;
};

describe('planServiceAccounts: create', () => {
  it('nothing there: create the stack with eksctl name, tags, capabilities and template, then the ServiceAccount', () => {
    const plan = planServiceAccounts(input());
    expect(plan.oidcProvider).toEqual({ arn: OIDC.providerArn, exists: true, action: 'none', needed: true });
    const item = plan.items[0]!;
    expect(item).toMatchObject({ id: 'default/s3-reader', stack: { action: 'create' }, serviceAccount: { action: 'create' } });
    expect(item.stackName).toBe('eksctl-demo-addon-iamserviceaccount-default-s3-reader');
    expect(item.stackTags).toEqual(stackTagsFor(cluster(), s3));
    expect(item.capabilities).toEqual(['CAPABILITY_IAM']);
    expect(item.template).toEqual(renderTemplate(s3, OIDC));
    expect(item.roleArn).toBeUndefined();
  });

  it('a missing provider is planned for creation', () => {
    expect(planServiceAccounts(input({ providerExists: false })).oidcProvider.action).toBe('create');
  });

  it('an apply of pod identity associations alone neither needs nor makes the provider', () => {
    expect(planServiceAccounts(input({ selected: [], providerExists: false, associateProvider: false })).oidcProvider).toMatchObject({ action: 'none', needed: false });
  });

  it('a named role needs CAPABILITY_NAMED_IAM', () => {
    const named = spec({ attachPolicyARNs: [S3_READ_ONLY], roleName: 'my-role' });
    expect(one(input({ selected: [named] })).capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
  });

  it('an existing ServiceAccount without --override-existing-serviceaccounts skips the whole service account', () => {
    const item = one(input({ serviceAccounts: new Map([['default/s3-reader', liveSa()]]) }));
    expect(item.stack).toEqual({ action: 'skip', reason: 'serviceaccount-exists' });
    expect(item.serviceAccount).toEqual({ action: 'skip', reason: 'exists' });
  });

  it('with --override-existing-serviceaccounts the existing ServiceAccount is annotated after the stack', () => {
    const item = one(input({ overrideExisting: true, serviceAccounts: new Map([['default/s3-reader', liveSa({ annotations: { [ROLE_ARN_ANNOTATION]: 'arn:old' } })]]) }));
    // the step carries what CreateStack sends
    expect(item.stack).toEqual({ action: 'create', template: renderTemplate(s3, OIDC) });
    expect(item.serviceAccount).toEqual({ action: 'annotate', previousRoleArn: 'arn:old' });
  });

  it('attachRoleARN: no stack, the role ARN is known, the ServiceAccount is created', () => {
    const attached = spec({ attachRoleARN: 'arn:aws:iam::111122223333:role/given' });
    const item = one(input({ selected: [attached] }));
    expect(item.stack).toEqual({ action: 'none', reason: 'attach-role-arn' });
    expect(item.template).toBeUndefined();
    expect(item.roleArn).toBe('arn:aws:iam::111122223333:role/given');
    expect(item.serviceAccount).toEqual({ action: 'create' });
  });

  it('attachRoleARN with the ServiceAccount already annotated with it: unchanged', () => {
    const attached = spec({ attachRoleARN: 'arn:aws:iam::111122223333:role/given' });
    const live = liveSa({ annotations: { [ROLE_ARN_ANNOTATION]: 'arn:aws:iam::111122223333:role/given' } });
    expect(one(input({ selected: [attached], serviceAccounts: new Map([['default/s3-reader', live]]) })).serviceAccount).toEqual({ action: 'unchanged' });
  });

  it('roleOnly: the stack is created and the ServiceAccount is left alone', () => {
    const roleOnly = spec({ attachPolicyARNs: [S3_READ_ONLY], roleOnly: true });
    const item = one(input({ selected: [roleOnly] }));
    expect(item.stack).toEqual({ action: 'create', template: renderTemplate(roleOnly, OIDC) });
    expect(item.serviceAccount).toEqual({ action: 'skip', reason: 'role-only' });
  });

  it('a complete stack exists and the ServiceAccount carries its role: exists and unchanged (a safe re-run)', () => {
    const live = liveSa({ annotations: { [ROLE_ARN_ANNOTATION]: ROLE }, labels: { 'app.kubernetes.io/managed-by': 'irsactl' } });
    const item = one(input({ stacks: new Map([['default/s3-reader', stack(s3)]]), serviceAccounts: new Map([['default/s3-reader', live]]) }));
    expect(item.stack).toEqual({ action: 'exists', status: 'CREATE_COMPLETE' });
    expect(item.serviceAccount).toEqual({ action: 'unchanged' });
    expect(item.roleArn).toBe(ROLE);
  });

  it('a complete stack exists but its ServiceAccount is gone: the ServiceAccount is created with the stack role', () => {
    const item = one(input({ stacks: new Map([['default/s3-reader', stack(s3)]]) }));
    expect(item.stack.action).toBe('exists');
    expect(item.serviceAccount).toEqual({ action: 'create' });
    expect(item.roleArn).toBe(ROLE);
  });

  it('a stack in progress is blocked', () => {
    const item = one(input({ stacks: new Map([['default/s3-reader', stack(s3, { status: 'CREATE_IN_PROGRESS', outputs: {} })]]) }));
    expect(item.stack).toMatchObject({ action: 'blocked', status: 'CREATE_IN_PROGRESS' });
  });

  it('a stack that failed to create is blocked for create, replaced for apply', () => {
    const failed = stack(s3, { status: 'ROLLBACK_COMPLETE', outputs: {}, statusReason: 'The following resource(s) failed to create: [Role1].' });
    const stacks = new Map([['default/s3-reader', failed]]);
    expect(one(input({ stacks })).stack).toMatchObject({ action: 'blocked', status: 'ROLLBACK_COMPLETE' });
    const replaced = one(input({ mode: 'apply', stacks }));
    expect(replaced.stack).toEqual({ action: 'replace', status: 'ROLLBACK_COMPLETE', reason: 'The following resource(s) failed to create: [Role1].', template: renderTemplate(s3, OIDC) });
    expect(replaced.roleArn).toBeUndefined();
  });

  it('plans each selected service account, in the given order', () => {
    const a = spec({ name: 'a', attachPolicyARNs: [S3_READ_ONLY] });
    const b = spec({ name: 'b', namespace: 'other', attachRoleARN: 'arn:aws:iam::1:role/x' });
    expect(planServiceAccounts(input({ selected: [a, b] })).items.map((i) => [i.id, i.stack.action])).toEqual([
      ['default/a', 'create'],
      ['other/b', 'none'],
    ]);
  });
});

describe('planServiceAccounts: apply and update', () => {
  const live = renderTemplate(s3, OIDC);
  const withStack = (over: Partial<StackRecord> = {}, template: unknown = live) => ({
    stacks: new Map([['default/s3-reader', stack(s3, over)]]),
    liveTemplates: new Map([['default/s3-reader', template]]),
  });

  it('the same template and tags: unchanged', () => {
    expect(one(input({ mode: 'apply', ...withStack() })).stack).toEqual({ action: 'unchanged', status: 'CREATE_COMPLETE' });
  });

  it('only the version tag differs: not drift', () => {
    const tags = { ...stackTagsFor(cluster(), s3), [EKSCTL_VERSION_TAG]: '0.190.0' };
    expect(one(input({ mode: 'update', ...withStack({ tags }) })).stack.action).toBe('unchanged');
  });

  it('a changed template or tags: update, with the diff', () => {
    const other = renderTemplate(spec({ attachPolicyARNs: ['arn:aws:iam::aws:policy/ReadOnlyAccess'] }), OIDC);
    const item = one(input({ mode: 'apply', ...withStack({}, other) }));
    expect(item.stack.action).toBe('update');
    if (item.stack.action === 'update') expect(item.stack.diff.changed).toBe(true);

    const tagged = one(input({ mode: 'apply', ...withStack({ tags: { ...stackTagsFor(cluster(), s3), team: 'a' } }) }));
    expect(tagged.stack.action).toBe('update');
    if (tagged.stack.action === 'update') expect(tagged.stack.tags.removed).toEqual({ team: 'a' });
  });

  it('apply repairs a ServiceAccount annotated with another role without --override-existing-serviceaccounts', () => {
    const sa = liveSa({ annotations: { [ROLE_ARN_ANNOTATION]: 'arn:other' } });
    const item = one(input({ mode: 'apply', ...withStack(), serviceAccounts: new Map([['default/s3-reader', sa]]) }));
    expect(item.serviceAccount).toEqual({ action: 'annotate', previousRoleArn: 'arn:other' });
  });
});

describe('planServiceAccounts: stacks in failed or rolled-back states', () => {
  const live = (sa: ServiceAccountSpec) => new Map([[`${sa.namespace}/${sa.name}`, JSON.parse(JSON.stringify(renderTemplate(sa, OIDC)))]]);
  const annotated = new Map([['default/s3-reader', liveSa({ annotations: { [ROLE_ARN_ANNOTATION]: ROLE } })]]);

  it('UPDATE_ROLLBACK_COMPLETE with nothing to change is up to date (the role works on the previous template)', () => {
    const item = one(input({ mode: 'apply', stacks: new Map([['default/s3-reader', stack(s3, { status: 'UPDATE_ROLLBACK_COMPLETE' })]]), liveTemplates: live(s3), serviceAccounts: annotated }));
    expect(item.stack).toEqual({ action: 'unchanged', status: 'UPDATE_ROLLBACK_COMPLETE' });
    expect(item.serviceAccount).toEqual({ action: 'unchanged' });
  });

  it('UPDATE_ROLLBACK_COMPLETE with a change plans the update again', () => {
    const changed = { ...s3, attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonS3FullAccess'] };
    const item = one(input({ mode: 'apply', selected: [changed], stacks: new Map([['default/s3-reader', stack(s3, { status: 'UPDATE_ROLLBACK_COMPLETE' })]]), liveTemplates: live(s3) }));
    expect(item.stack.action).toBe('update');
  });

  it('DELETE_FAILED: apply deletes it again and creates it; create and update are blocked', () => {
    const stacks = new Map([['default/s3-reader', stack(s3, { status: 'DELETE_FAILED', statusReason: 'Role1 could not be deleted' })]]);
    expect(one(input({ mode: 'apply', stacks, liveTemplates: live(s3) })).stack).toMatchObject({ action: 'replace', status: 'DELETE_FAILED' });
    expect(one(input({ mode: 'create', stacks })).stack).toMatchObject({ action: 'blocked', status: 'DELETE_FAILED' });
    expect(one(input({ mode: 'update', stacks, liveTemplates: live(s3) })).stack).toMatchObject({ action: 'blocked', status: 'DELETE_FAILED' });
  });

  it('UPDATE_ROLLBACK_FAILED is blocked: it needs ContinueUpdateRollback, not another update', () => {
    const item = one(input({ mode: 'apply', stacks: new Map([['default/s3-reader', stack(s3, { status: 'UPDATE_ROLLBACK_FAILED' })]]), liveTemplates: live(s3) }));
    expect(item.stack).toMatchObject({ action: 'blocked', status: 'UPDATE_ROLLBACK_FAILED' });
  });

  it('a role name that differs from the live one is kept, with a warning', () => {
    const named = { ...s3, roleName: 'old-name' };
    const renamed = { ...s3, roleName: 'new-name' };
    const item = one(input({ mode: 'apply', selected: [renamed], stacks: new Map([['default/s3-reader', stack(named)]]), liveTemplates: live(named) }));
    expect(item.spec.roleName).toBe('old-name');
    expect(item.warnings).toEqual([expect.stringContaining('keeps its name old-name')]);
    expect(one(input({ mode: 'apply', selected: [named], stacks: new Map([['default/s3-reader', stack(named)]]), liveTemplates: live(named) })).warnings).toEqual([]);
  });
});

describe('planServiceAccounts with templates rendered ahead', () => {
  it('plans exactly what it plans without them, and uses them (the same objects)', async () => {
    const selected = Array.from({ length: 120 }, (_, i) => spec({ name: `sa-${i}`, namespace: `ns-${i % 3}`, attachPolicyARNs: [S3_READ_ONLY], ...(i % 4 === 0 ? { wellKnownPolicies: { autoScaler: true } } : {}) }));
    const rendered = await renderAhead(selected, OIDC);
    const ahead = planServiceAccounts(input({ selected, rendered }));
    expect(ahead).toEqual(planServiceAccounts(input({ selected })));
    for (const item of ahead.items) expect(item.template).toBe(rendered.get(item.id));
  });

  it('renders again when the live stack keeps another role name (the spec changes, and so the template)', async () => {
    const sa = spec({ attachPolicyARNs: [S3_READ_ONLY] });
    const rendered = await renderAhead([sa], OIDC);
    const liveTemplate = renderTemplate({ ...sa, roleName: 'kept-name' }, OIDC);
    const item = one(
      input({
        selected: [sa],
        mode: 'update',
        rendered,
        stacks: new Map([['default/s3-reader', stack(sa, { outputs: { Role1: 'arn:aws:iam::456123987123:role/kept-name' }, capabilities: ['CAPABILITY_NAMED_IAM'] })]]),
        liveTemplates: new Map([['default/s3-reader', liveTemplate]]),
      }),
    );
    expect(item.template).not.toBe(rendered.get(item.id));
    expect(item.template).toEqual(liveTemplate);
    expect(item.stack.action).toBe('unchanged');
  });
});
