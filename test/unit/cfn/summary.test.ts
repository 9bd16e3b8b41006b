import { describe, expect, it } from 'vitest';
import { summarizeTemplate } from '../../../src/cfn/summary.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { oidcInfoFrom } from '../../../src/model/oidc.js';
import { WELL_KNOWN_POLICY_KEYS, type ServiceAccountSpec } from '../../../src/model/service-account.js';

const oidc = oidcInfoFrom('https://oidc.eks.us-west-2.amazonaws.com/id/ABC', 'aws', '123456789012');
const noWellKnown = Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, false])) as ServiceAccountSpec['wellKnownPolicies'];

function spec(over: Partial<ServiceAccountSpec>): ServiceAccountSpec {
  return { name: 'app', namespace: 'apps', attachPolicyARNs: [], wellKnownPolicies: { ...noWellKnown }, tags: {}, labels: {}, annotations: {}, roleOnly: false, ...over } as ServiceAccountSpec;
}

describe('summarizeTemplate', () => {
  it('reads back what renderTemplate wrote: managed, well-known (managed and inline), inline, boundary, role name', () => {
    const s = spec({
      attachPolicyARNs: ['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'],
      wellKnownPolicies: { ...noWellKnown, imageBuilder: true, autoScaler: true, externalDNS: true },
      attachPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] },
      permissionsBoundary: 'arn:aws:iam::123456789012:policy/boundary',
      roleName: 'named',
    });
    const summary = summarizeTemplate(JSON.parse(JSON.stringify(renderTemplate(s, oidc))), 'aws');
    expect(summary.attachPolicyARNs).toEqual(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']);
    expect(summary.wellKnownPolicies).toEqual({ ...noWellKnown, imageBuilder: true, autoScaler: true, externalDNS: true });
    expect(summary.inlinePolicies).toEqual(['Policy1']);
    expect(summary.permissionsBoundary).toBe('arn:aws:iam::123456789012:policy/boundary');
    expect(summary.roleName).toBe('named');
  });

  it("a user's managed ARN that happens to name a well-known policy stays a managed ARN (only the Fn::Sub form is well-known)", () => {
    const arn = 'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser';
    const summary = summarizeTemplate({ Resources: { Role1: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: [arn] } } } }, 'aws');
    expect(summary.attachPolicyARNs).toEqual([arn]);
    expect(summary.wellKnownPolicies.imageBuilder).toBe(false);
  });

  it('substitutes the partition in Fn::Sub ARNs', () => {
    const summary = summarizeTemplate(
      { Resources: { Role1: { Type: 'AWS::IAM::Role', Properties: { ManagedPolicyArns: [{ 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/Custom' }] } } } },
      'aws-cn',
    );
    expect(summary.attachPolicyARNs).toEqual(['arn:aws-cn:iam::aws:policy/Custom']);
  });

  it('tolerates templates that are not objects or lack Resources (a failed stack)', () => {
    for (const t of [undefined, null, 'x', {}, { Resources: { Role1: { Type: 'AWS::IAM::Role' } } }]) {
      const s = summarizeTemplate(t, 'aws');
      expect(s.attachPolicyARNs).toEqual([]);
      expect(s.inlinePolicies).toEqual([]);
      expect(s.roleName).toBeUndefined();
    }
  });
});
