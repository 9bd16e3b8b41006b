// The run document (src/output/run-document.ts): a plan and its result carry the same items, the result each
// with an outcome; every document the builders make validates against the exported schema, with no field the
// schema does not name (parsing strips unknown keys, so a round trip that loses one fails the toEqual).
import { describe, expect, it } from 'vitest';
import { planServiceAccounts, type PlanInput } from '../../../src/actions/plan.js';
import { convergeDocument, deleteItem, itemAction, runDocument, withDeleteOutcome, withOutcomes } from '../../../src/actions/run-document.js';
import { associateDocument } from '../../../src/actions/associate-command.js';
import type { ItemResult } from '../../../src/actions/results.js';
import type { StackRecord } from '../../../src/aws/ports.js';
import { RunDocumentSchema, runDocumentJsonSchema, type RunDocument } from '../../../src/output/run-document.js';
import { stackNameFor, stackTagsFor } from '../../../src/model/naming.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { OIDC, S3_READ_ONLY, cluster, spec } from '../../fixtures/cfn/specs.js';

const fresh = spec({ name: 'fresh', attachPolicyARNs: [S3_READ_ONLY] });
const changed = spec({ name: 'changed', attachPolicyARNs: [S3_READ_ONLY] });
const given = spec({ name: 'given', attachRoleARN: 'arn:aws:iam::456123987123:role/given' });
const ROLE = 'arn:aws:iam::456123987123:role/changed';

const stack: StackRecord = {
  stackName: stackNameFor('demo', changed),
  stackId: 'arn:aws:cloudformation:us-west-2:456123987123:stack/x/1',
  status: 'CREATE_COMPLETE',
  tags: stackTagsFor(cluster(), changed),
  outputs: { Role1: ROLE },
  capabilities: ['CAPABILITY_IAM'],
};

function input(): PlanInput {
  return {
    mode: 'apply',
    model: cluster({ serviceAccounts: [fresh, changed, given] }),
    selected: [fresh, changed, given],
    region: 'us-west-2',
    oidc: OIDC,
    providerExists: false,
    stacks: new Map([['default/changed', stack]]),
    liveTemplates: new Map([['default/changed', renderTemplate(spec({ name: 'changed', attachPolicyARNs: ['arn:aws:iam::aws:policy/Other'] }), OIDC)]]),
    serviceAccounts: new Map(),
    overrideExisting: true,
  };
}

/** As the CLI prints it: JSON text read back. */
const printed = (d: RunDocument): unknown => JSON.parse(JSON.stringify(d));

function expectValid(d: RunDocument): void {
  const doc = printed(d);
  expect(RunDocumentSchema.parse(doc)).toEqual(doc);
}

const result = (id: string, over: Partial<ItemResult>): ItemResult => ({
  id, namespace: 'default', name: id.split('/')[1]!, stackName: 'x', stack: 'created', serviceAccount: 'created', ...over,
});

describe('the run document', () => {
  const plan = planServiceAccounts(input());
  const planned = convergeDocument('apply', plan);

  it('a plan: versioned, one item per service account with its action, stack step, role and ServiceAccount step, no outcome', () => {
    expectValid(planned);
    expect(planned).toMatchObject({ apiVersion: 'irsactl/v1', kind: 'Plan', command: 'apply', cluster: 'demo', region: 'us-west-2' });
    expect(planned.items.map((i) => [i.id, i.action, i.stack.action, i.serviceAccount.action])).toEqual([
      ['default/fresh', 'create', 'create', 'create'],
      ['default/changed', 'update', 'update', 'create'],
      ['default/given', 'create', 'none', 'create'],
    ]);
    expect(planned.items.every((i) => i.outcome === undefined && i.mechanism === 'irsa')).toBe(true);
    const update = planned.items[1]!;
    expect(update.stack).toMatchObject({ name: stack.stackName, action: 'update', diff: expect.objectContaining({ changed: true }), template: expect.any(Object) });
    expect(update.changes).toEqual(expect.arrayContaining([`+ managed policy ${S3_READ_ONLY}`]));
    expect(update.role.arn).toBe(ROLE);
    expect(planned.items[2]!.stack.template).toBeUndefined();
    expect(planned.oidcProvider).toEqual({ arn: OIDC.providerArn, exists: false, action: 'create' });
    expect(planned.summary).toEqual({ create: 2, update: 1, delete: 0, unchanged: 0, cannotAct: 0 });
  });

  it('a result: the same items, each with its outcome, and the role learned from the stack', () => {
    const created = 'arn:aws:iam::456123987123:role/fresh';
    const done = convergeDocument('apply', plan, undefined, {
      items: [
        result('default/fresh', { roleArn: created }),
        result('default/changed', { stack: 'failed', serviceAccount: 'not-started', error: { message: 'boom', hint: 'fix it' } }),
        result('default/given', { stack: 'none' }),
      ],
      pruned: [],
    });
    expectValid(done);
    expect(done.kind).toBe('Result');
    const strip = (d: RunDocument) => d.items.map(({ outcome: _o, stack: { outcome: _s, ...stack }, serviceAccount: { outcome: _a, ...sa }, role: _r, ...rest }) => ({ ...rest, stack, sa }));
    expect(strip(done)).toEqual(strip(planned));
    expect(done.items.map((i) => [i.id, i.stack.outcome, i.serviceAccount.outcome, i.outcome?.status, i.outcome?.changed])).toEqual([
      ['default/fresh', 'created', 'created', 'done', true],
      ['default/changed', 'failed', 'not-started', 'failed', false],
      ['default/given', 'none', 'created', 'done', true],
    ]);
    expect(done.items[0]!.role.arn).toBe(created);
    expect(done.items[1]!.outcome).toMatchObject({ message: 'boom', hint: 'fix it' });
    expect(done.oidcProvider?.outcome).toBe('created');
    expect(done.summary.outcomes).toEqual({ done: 2, failed: 1, skipped: 0, 'in-progress': 0, 'not-started': 0 });
  });

  it('apply --prune: the deletions are items too, and what is kept is named with its reason', () => {
    const madeBy = { tool: 'irsactl' as const, version: '0.1.0', applySet: 'demo/cluster.yaml' };
    const prune = {
      scope: 'apply-set' as const,
      applySet: 'demo/cluster.yaml',
      delete: [{ namespace: 'old', name: 'gone', stackName: 'eksctl-demo-addon-iamserviceaccount-old-gone', madeBy, reason: 'the file no longer names it' }],
      keep: [{ namespace: 'apps', name: 'other', stackName: 'eksctl-demo-addon-iamserviceaccount-apps-other', madeBy: { tool: 'eksctl' as const }, reason: 'not this apply set' }],
    };
    const p = convergeDocument('apply', plan, prune);
    expectValid(p);
    expect(p.items.at(-1)).toMatchObject({ id: 'old/gone', action: 'delete', stack: { action: 'delete', madeBy }, reason: 'the file no longer names it' });
    expect(p).toMatchObject({ pruneScope: 'apply-set', applySet: 'demo/cluster.yaml', notPruned: [expect.objectContaining({ namespace: 'apps', name: 'other' })] });
    expect(p.summary.delete).toBe(1);
    // a prune the run never reached (a signal) is not started
    const r = convergeDocument('apply', plan, prune, { items: [], pruned: [] });
    expectValid(r);
    expect(r.items.at(-1)!.outcome).toEqual({ status: 'not-started', changed: false });
  });

  it('delete and associate use the same document', () => {
    const item = deleteItem({ id: 'apps/a', namespace: 'apps', name: 'a', stack: { name: 's', status: 'CREATE_COMPLETE', madeBy: { tool: 'eksctl', version: '0.190.0' } }, roleArn: ROLE });
    const del = runDocument('Result', { command: 'delete iamserviceaccount', cluster: 'demo', region: 'us-west-2' }, withOutcomes([item], [{ id: 'apps/a', stack: 'deleted', serviceAccount: 'kept', note: 'not managed' }], withDeleteOutcome));
    expectValid(del);
    expect(del.items[0]).toMatchObject({ action: 'delete', stack: { outcome: 'deleted' }, serviceAccount: { action: 'release', outcome: 'kept', note: 'not managed' }, outcome: { status: 'done', changed: true } });
    const assoc = associateDocument({ cluster: 'demo', region: 'us-west-2', providerArn: OIDC.providerArn, action: 'would-create' }, false);
    expectValid(assoc);
    expect(assoc).toMatchObject({ kind: 'Plan', items: [], oidcProvider: { action: 'create', exists: false } });
    expect(associateDocument({ cluster: 'demo', region: 'us-west-2', providerArn: OIDC.providerArn, action: 'created' }, true).oidcProvider).toMatchObject({ action: 'create', outcome: 'created' });
  });

  it('the schema refuses what is not the document: a wrong version, an unknown action or outcome', () => {
    const doc = printed(planned) as Record<string, unknown> & { items: Record<string, unknown>[] };
    expect(RunDocumentSchema.safeParse({ ...doc, apiVersion: 'irsactl/v0' }).success).toBe(false);
    // a key the schema does not name is dropped by parse, so expectValid's round trip catches it
    expect(RunDocumentSchema.parse({ ...doc, extra: 1 })).not.toHaveProperty('extra');
    expect(RunDocumentSchema.safeParse({ ...doc, items: [{ ...doc.items[0], action: 'destroy' }] }).success).toBe(false);
    expect(RunDocumentSchema.safeParse({ ...doc, items: [{ ...doc.items[0], outcome: { status: 'ok', changed: true } }] }).success).toBe(false);
    expect(RunDocumentSchema.safeParse({ ...doc, items: [{ ...doc.items[0], stack: 'created' }] }).success).toBe(false);
  });

  it('summary: update counts update, replace and repair; noop and skip are unchanged', () => {
    expect(plan.items.map(itemAction)).toEqual(['create', 'update', 'create']);
    const json = runDocumentJsonSchema();
    expect(json).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object' });
  });
});
