import { describe, expect, it } from 'vitest';
import { desiredRoleOf, diffRole, formatDrift, isRoleTemplate, type LiveRole } from '../../../src/cfn/role-drift.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { ATTACH_POLICY, OIDC as oidc, spec as specOf } from '../../fixtures/cfn/specs.js';

/** The pure drift diff: the role a role stack's template describes against the role as IAM has it. */

const spec = specOf({ attachPolicyARNs: ['arn:aws:iam::aws:policy/ReadOnlyAccess'], attachPolicy: ATTACH_POLICY });
const template = renderTemplate(spec, oidc);
const pseudo = { partition: 'aws', stackName: 'eksctl-c-addon-iamserviceaccount-apps-web' };
const desired = desiredRoleOf(template, pseudo, { 'alpha.eksctl.io/cluster-name': 'c', 'alpha.eksctl.io/eksctl-version': '0.1' });

const reversedKeys = (v: unknown): unknown =>
  Array.isArray(v) ? v.map(reversedKeys) : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reversedKeys(x)])) : v;

/** A live role exactly as CloudFormation makes it from the template, with keys in another order (IAM keeps meaning, not order). */
const asMade = (): LiveRole => ({
  arn: 'arn:aws:iam::123456789012:role/r',
  name: 'r',
  trustPolicy: reversedKeys(desired.trustPolicy),
  managedPolicyArns: [...desired.managedPolicyArns],
  inlinePolicies: structuredClone(desired.inlinePolicies),
  tags: { ...desired.tags },
});

describe('role drift', () => {
  it('the template resolves to names IAM uses: the inline policy is named after the stack', () => {
    expect(isRoleTemplate(template)).toBe(true);
    expect(isRoleTemplate({ Resources: {} })).toBe(false);
    expect(Object.keys(desired.inlinePolicies)).toEqual([`${pseudo.stackName}-Policy1`]);
    expect(desired.managedPolicyArns).toEqual(['arn:aws:iam::aws:policy/ReadOnlyAccess']);
  });

  it('a role as made has no drift', () => {
    expect(diffRole(desired, asMade())).toEqual([]);
  });

  it('names each kind of difference, and ignores the given tags', () => {
    const live = asMade();
    (live.trustPolicy as { Statement: { Condition: unknown }[] }).Statement[0]!.Condition = { StringEquals: { x: 'y' } };
    live.permissionsBoundary = 'arn:aws:iam::123456789012:policy/b';
    live.managedPolicyArns = ['arn:aws:iam::aws:policy/AdministratorAccess'];
    live.inlinePolicies = { [`${pseudo.stackName}-Policy1`]: { Version: '2012-10-17', Statement: [] }, extra: {} };
    live.tags = { 'alpha.eksctl.io/eksctl-version': '9.9', owner: 'me' };
    const items = diffRole(desired, live, ['alpha.eksctl.io/eksctl-version']);
    expect(items).toEqual([
      { kind: 'trust-policy' },
      { kind: 'permissions-boundary', live: 'arn:aws:iam::123456789012:policy/b' },
      { kind: 'managed-policy', arn: 'arn:aws:iam::aws:policy/ReadOnlyAccess', change: 'detached' },
      { kind: 'managed-policy', arn: 'arn:aws:iam::aws:policy/AdministratorAccess', change: 'attached' },
      { kind: 'inline-policy', name: `${pseudo.stackName}-Policy1`, change: 'changed' },
      { kind: 'inline-policy', name: 'extra', change: 'added' },
      { kind: 'tag', key: 'alpha.eksctl.io/cluster-name', change: 'removed' },
      { kind: 'tag', key: 'owner', change: 'added' },
    ]);
    expect(formatDrift(items).every((l) => l.startsWith('drift outside CloudFormation: '))).toBe(true);
    expect(formatDrift(items)[2]).toBe('drift outside CloudFormation: managed policy arn:aws:iam::aws:policy/ReadOnlyAccess was detached; attach it');
  });
});
