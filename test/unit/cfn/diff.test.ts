import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffTags, diffTemplates, formatDiff, liveRoleName, parseLiveTemplate } from '../../../src/cfn/diff.js';
import { renderTemplate, templateBody, type CfnTemplate, type RoleResource } from '../../../src/cfn/template.js';
import { IrsaError } from '../../../src/errors.js';
import { ATTACH_POLICY, OIDC, S3_READ_ONLY, spec } from '../../fixtures/cfn/specs.js';

const FIXTURES = join(import.meta.dirname, '..', '..', 'fixtures', 'cfn');
const readFixture = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');

/** The live side as GetTemplate returns it: a string. */
const live = (t: CfnTemplate): unknown => parseLiveTemplate(templateBody(t));
const NO_CHANGE = {
  changed: false,
  managedPolicies: { added: [], removed: [] },
  inlinePolicies: { added: [], removed: [], changed: [] },
};

describe('parseLiveTemplate', () => {
  it('reads YAML with CloudFormation short tags', () => {
    const t = parseLiveTemplate(readFixture('live-short-tags.yaml')) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
      Outputs: { Role1: { Value: unknown } };
    };
    expect(t.Resources.Role1.Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser' },
    ]);
    expect(t.Resources.PolicyAutoScaling.Properties.Roles).toEqual([{ Ref: 'Role1' }]);
    expect(t.Outputs.Role1.Value).toEqual({ 'Fn::GetAtt': 'Role1.Arn' });
  });

  it('reads sequence and mapping forms of short tags', () => {
    const t = parseLiveTemplate('a: !GetAtt [Role1, Arn]\nb: !Join ["-", [x, !Ref y]]\nc: !Sub\n  - "${X}"\n  - {X: 1}\nd: !If [c, 1, 2]\n');
    expect(t).toEqual({
      a: { 'Fn::GetAtt': ['Role1', 'Arn'] },
      b: { 'Fn::Join': ['-', ['x', { Ref: 'y' }]] },
      c: { 'Fn::Sub': ['${X}', { X: 1 }] },
      d: { 'Fn::If': ['c', 1, 2] },
    });
  });

  it('fails with an IrsaError on garbage', () => {
    expect(() => parseLiveTemplate('a: [unclosed')).toThrow(IrsaError);
  });
});

describe('diffTemplates', () => {
  const base = spec({ attachPolicyARNs: [S3_READ_ONLY], wellKnownPolicies: { autoScaler: true }, attachPolicy: ATTACH_POLICY });

  it('finds no change against itself', () => {
    const t = renderTemplate(base, OIDC);
    expect(diffTemplates(live(t), t)).toEqual(NO_CHANGE);
  });

  it("finds no change against eksctl's body (string-form GetAtt)", () => {
    const eksctl = parseLiveTemplate(readFixture('eksctl-addon-example.json'));
    expect(diffTemplates(eksctl, renderTemplate(spec({ name: 'sa-1', attachPolicyARNs: [S3_READ_ONLY] }), OIDC))).toEqual(NO_CHANGE);
  });

  it('finds no change against an equivalent YAML template with short tags', () => {
    const desired = renderTemplate(spec({ wellKnownPolicies: { imageBuilder: true, autoScaler: true } }), OIDC);
    expect(diffTemplates(parseLiveTemplate(readFixture('live-short-tags.yaml')), desired)).toEqual(NO_CHANGE);
  });

  it("ignores IAM's equivalent spellings and list order", () => {
    const t = renderTemplate(base, OIDC);
    const reshuffled = structuredClone(live(t)) as {
      Resources: { Policy1: { Properties: { PolicyDocument: { Statement: Record<string, unknown>[] } } } };
    };
    const statements = reshuffled.Resources.Policy1.Properties.PolicyDocument.Statement;
    statements[0].Action = ['s3:ListBucket', 's3:GetObject'];
    statements[1].Action = ['s3:DeleteObject'];
    expect(diffTemplates(reshuffled, t).changed).toBe(false);
  });

  it('treats a missing ManagedPolicyArns as empty', () => {
    const t = renderTemplate(spec(), OIDC);
    const withEmpty = structuredClone(live(t)) as { Resources: { Role1: { Properties: Record<string, unknown> } } };
    withEmpty.Resources.Role1.Properties.ManagedPolicyArns = [];
    expect(diffTemplates(withEmpty, t)).toEqual(NO_CHANGE);
  });

  it('reports a subject pattern change in the trust policy', () => {
    const before = renderTemplate(spec({ namespace: 'a', name: 'b' }), OIDC);
    const after = renderTemplate(spec({ namespace: 'a', name: 'b', subjectPattern: 'b-*' }), OIDC);
    const d = diffTemplates(live(before), after);
    expect(d.changed).toBe(true);
    const trustOf = (t: CfnTemplate): unknown => (t.Resources.Role1 as RoleResource).Properties.AssumeRolePolicyDocument;
    expect(d.trustPolicy).toEqual({ before: trustOf(before), after: trustOf(after) });
    expect(formatDiff(d)).toEqual(['~ trust policy: sub "system:serviceaccount:a:b" → StringLike "system:serviceaccount:a:b-*"']);
  });

  it('reports a provider change in the trust policy', () => {
    const other = { ...OIDC, providerArn: 'arn:aws:iam::999999999999:oidc-provider/' + OIDC.issuerHostPath };
    const d = diffTemplates(live(renderTemplate(spec(), OIDC)), renderTemplate(spec(), other));
    expect(formatDiff(d)).toEqual([`~ trust policy: provider ${OIDC.providerArn} → ${other.providerArn}`]);
  });

  it('reports managed policies added and removed', () => {
    const d = diffTemplates(
      live(renderTemplate(spec({ attachPolicyARNs: [S3_READ_ONLY] }), OIDC)),
      renderTemplate(spec({ attachPolicyARNs: ['arn:aws:iam::1:policy/new'], wellKnownPolicies: { ebsCSIController: true } }), OIDC),
    );
    expect(d.managedPolicies).toEqual({
      added: ['arn:aws:iam::1:policy/new', 'arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy'],
      removed: [S3_READ_ONLY],
    });
    expect(formatDiff(d)).toEqual([
      `- managed policy ${S3_READ_ONLY}`,
      '+ managed policy arn:aws:iam::1:policy/new',
      '+ managed policy arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy',
    ]);
  });

  it('reports inline policies added, removed and changed', () => {
    const before = renderTemplate(spec({ wellKnownPolicies: { autoScaler: true }, attachPolicy: ATTACH_POLICY }), OIDC);
    const newPolicy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: '*' }] };
    const after = renderTemplate(spec({ wellKnownPolicies: { efsCSIController: true }, attachPolicy: newPolicy }), OIDC);
    const d = diffTemplates(live(before), after);
    expect(d.inlinePolicies).toEqual({
      added: ['PolicyEFSCSIController'],
      removed: ['PolicyAutoScaling'],
      changed: [{ name: 'Policy1', before: ATTACH_POLICY, after: newPolicy }],
    });
    expect(formatDiff(d)).toEqual([
      '- inline policy PolicyAutoScaling',
      '+ inline policy PolicyEFSCSIController',
      '~ inline policy Policy1: -s3:ListBucket -s3:DeleteObject +s3:PutObject',
    ]);
  });

  it('reports a condition-only change in an inline policy', () => {
    const policy = (resource: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: resource }] });
    const d = diffTemplates(live(renderTemplate(spec({ attachPolicy: policy('a') }), OIDC)), renderTemplate(spec({ attachPolicy: policy('b') }), OIDC));
    expect(formatDiff(d)).toEqual(['~ inline policy Policy1: conditions or resources changed']);
  });

  it('reports permissions boundary and role name changes', () => {
    const d = diffTemplates(
      live(renderTemplate(spec({ roleName: 'old' }), OIDC)),
      renderTemplate(spec({ permissionsBoundary: 'arn:aws:iam::1:policy/pb' }), OIDC),
    );
    expect(d.permissionsBoundary).toEqual({ before: undefined, after: 'arn:aws:iam::1:policy/pb' });
    expect(d.roleName).toEqual({ before: 'old', after: undefined });
    expect(formatDiff(d)).toEqual(['~ role name: old → (none)', '~ permissions boundary: (none) → arn:aws:iam::1:policy/pb']);
  });

  it('reports other template differences so that an update still runs', () => {
    const t = renderTemplate(spec(), OIDC);
    const edited = structuredClone(live(t)) as { Description: string; Resources: { Role1: { Properties: Record<string, unknown> } } };
    edited.Description = 'hand-made';
    edited.Resources.Role1.Properties.MaxSessionDuration = 7200;
    const d = diffTemplates(edited, t);
    expect(d.changed).toBe(true);
    expect(d.other).toEqual(['Resources.Role1.Properties.MaxSessionDuration', 'Description']);
    expect(formatDiff(d)).toEqual(['~ Resources.Role1.Properties.MaxSessionDuration changed', '~ Description changed']);
  });

  it('handles a live template without Role1', () => {
    const d = diffTemplates({ Resources: {} }, renderTemplate(spec(), OIDC));
    expect(d.changed).toBe(true);
    expect(d.trustPolicy?.before).toBeUndefined();
    expect(formatDiff(d)[0]).toBe('~ trust policy: sub (none) → "system:serviceaccount:default:s3-reader"');
  });
});

describe('diffTags', () => {
  it('reports added, removed and changed tags, and formats them', () => {
    const d = diffTags({ keep: '1', gone: 'x', team: 'a' }, { keep: '1', team: 'b', env: 'prod' });
    expect(d).toEqual({ added: { env: 'prod' }, removed: { gone: 'x' }, changed: { team: { before: 'a', after: 'b' } } });
    expect(formatDiff(NO_CHANGE, d)).toEqual(['- tag gone=x', '+ tag env=prod', '~ tag team: a → b']);
  });

  it('finds nothing between equal tag sets', () => {
    expect(diffTags({ a: '1', b: '2' }, { b: '2', a: '1' })).toEqual({ added: {}, removed: {}, changed: {} });
  });
});

describe('liveRoleName', () => {
  it('reads Role1.Properties.RoleName as eksctl does on update', () => {
    expect(liveRoleName(live(renderTemplate(spec({ roleName: 'fixed' }), OIDC)))).toBe('fixed');
    expect(liveRoleName(live(renderTemplate(spec(), OIDC)))).toBeUndefined();
    expect(liveRoleName({ Resources: { Role1: { Properties: { RoleName: '' } } } })).toBeUndefined();
    expect(liveRoleName('not a template')).toBeUndefined();
  });
});
