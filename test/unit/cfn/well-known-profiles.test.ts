import { describe, expect, it } from 'vitest';
import { UPSTREAM_POLICIES, isWellKnownKey } from '../../../src/cfn/policy-data.js';
import { renderTemplate, type PolicyResource, type RoleResource } from '../../../src/cfn/template.js';
import { partitionNeutral, upstreamPolicy, upstreamVersions, wellKnownInlinePolicies } from '../../../src/cfn/well-known-policies.js';
import { resolveConfig, type ConfigSource } from '../../../src/config/resolve.js';
import type { WellKnownPolicies, WellKnownPolicySelection } from '../../../src/model/service-account.js';
import { NO_WELL_KNOWN, OIDC, spec } from '../../fixtures/cfn/specs.js';

const UPSTREAM: WellKnownPolicySelection = { profile: 'upstream', versions: {} };
const on = (...keys: (keyof WellKnownPolicies)[]): WellKnownPolicies => ({ ...NO_WELL_KNOWN, ...Object.fromEntries(keys.map((k) => [k, true])) });

describe('the upstream profile', () => {
  it('renders each controller\'s newest catalogued document, partition-neutral, as one inline policy', () => {
    for (const [controller, files] of UPSTREAM_POLICIES) {
      if (!isWellKnownKey(controller)) continue;
      const newest = files[files.length - 1]!;
      const policies = wellKnownInlinePolicies(on(controller as keyof WellKnownPolicies), UPSTREAM);
      expect(policies, controller).toHaveLength(1);
      expect(policies[0]!.document.Statement, controller).toEqual(partitionNeutral(newest.document.Statement));
    }
  });

  it('has the actions the audit found eksctl\'s statements lack (checked against the recorded documents)', () => {
    const actions = (controller: string): string[] =>
      upstreamPolicy(controller)!.document.Statement.flatMap((s) => [s.Action].flat() as string[]);
    expect(actions('externalDNS')).toContain('route53:ListTagsForResources');
    expect(actions('externalDNS')).not.toContain('route53:ListTagsForResource');
    expect(actions('efsCSIController')).toEqual(expect.arrayContaining(['elasticfilesystem:DescribeMountTargets', 'ec2:DescribeAvailabilityZones']));
    expect(actions('autoScaler')).not.toContain('autoscaling:DescribeTags');
    const certChange = upstreamPolicy('certManager')!.document.Statement.find((s) => JSON.stringify(s).includes('ChangeResourceRecordSets'));
    expect(certChange?.Condition).toEqual({ 'ForAllValues:StringEquals': { 'route53:ChangeResourceRecordSetsRecordTypes': ['TXT'] } });
  });

  it('keeps the logical IDs eksctl uses where it has one policy, so switching profile updates that policy in place', () => {
    const t = renderTemplate(spec({ wellKnownPolicies: on('autoScaler', 'awsLoadBalancerController', 'efsCSIController'), wellKnownPolicySelection: UPSTREAM }), OIDC);
    expect(Object.keys(t.Resources).sort()).toEqual(['PolicyAWSLoadBalancerController', 'PolicyAutoScaling', 'PolicyEFSCSIController', 'Role1']);
  });

  it('replaces the EBS managed policy with the driver\'s document; imageBuilder has none and stays managed', () => {
    const t = renderTemplate(spec({ wellKnownPolicies: on('imageBuilder', 'ebsCSIController'), wellKnownPolicySelection: UPSTREAM }), OIDC);
    expect((t.Resources.Role1 as RoleResource).Properties.ManagedPolicyArns).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser' },
    ]);
    expect((t.Resources.PolicyEBSCSIController as PolicyResource).Properties.PolicyDocument.Statement).toEqual(
      partitionNeutral(upstreamPolicy('ebsCSIController')!.document.Statement),
    );
  });

  it('escapes a literal ${ inside an ARN it turns into Fn::Sub', () => {
    expect(partitionNeutral(['arn:aws:s3:::b/${aws:username}/*', '*', 'arn:aws-cn:x'])).toEqual([
      { 'Fn::Sub': 'arn:${AWS::Partition}:s3:::b/${!aws:username}/*' },
      '*',
      'arn:aws-cn:x',
    ]);
  });
});

describe('choosing the profile in a ClusterConfig', () => {
  const file = (iam: string): ConfigSource => ({
    path: 'cluster.yaml',
    text: `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata:\n  name: demo\n  region: us-west-2\niam:\n  withOIDC: true\n${iam}`,
  });
  const selections = (iam: string) =>
    resolveConfig('create', { configFile: 'cluster.yaml' }, file(iam)).cluster.serviceAccounts.map((sa) => sa.wellKnownPolicySelection);

  it('leaves the selection out by default (eksctl\'s statements), takes iam.wellKnownPolicyProfile, and a per-account override', () => {
    expect(
      selections(`  wellKnownPolicyProfile: upstream
  serviceAccounts:
  - metadata: {name: a}
    wellKnownPolicies: {externalDNS: true}
  - metadata: {name: b}
    wellKnownPolicies: {externalDNS: true}
    wellKnownPolicyProfile: eksctl
`),
    ).toEqual([UPSTREAM, { profile: 'eksctl', versions: {} }]);
    expect(selections('  serviceAccounts:\n  - metadata: {name: a}\n    wellKnownPolicies: {externalDNS: true}\n')).toEqual([undefined]);
  });

  it('pinned versions alone mean the upstream profile', () => {
    const v = upstreamVersions('externalDNS')[0]!;
    expect(
      selections(`  serviceAccounts:\n  - metadata: {name: a}\n    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyVersions: {externalDNS: ${v}}\n`),
    ).toEqual([{ profile: 'upstream', versions: { externalDNS: v } }]);
  });

  it('an unknown version is a config error that lists the known ones', () => {
    expect(() =>
      selections(`  serviceAccounts:\n  - metadata: {name: a}\n    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyVersions: {externalDNS: v0.1.0}\n`),
    ).toThrow(`"v0.1.0" is not a catalogued externalDNS version; known: ${upstreamVersions('externalDNS').join(', ')}`);
  });

  it('versions under the eksctl profile, or for imageBuilder, are config errors; a bad profile name too', () => {
    expect(() =>
      selections(`  serviceAccounts:\n  - metadata: {name: a}\n    wellKnownPolicies: {externalDNS: true}\n    wellKnownPolicyProfile: eksctl\n    wellKnownPolicyVersions: {externalDNS: v0.22.0}\n`),
    ).toThrow(/pins a controller version, but the profile is "eksctl"/);
    expect(() =>
      selections(`  serviceAccounts:\n  - metadata: {name: a}\n    wellKnownPolicies: {imageBuilder: true}\n    wellKnownPolicyVersions: {imageBuilder: v1}\n`),
    ).toThrow(/imageBuilder has no upstream document/);
    expect(() => selections(`  wellKnownPolicyProfile: newest\n  serviceAccounts:\n  - metadata: {name: a}\n    wellKnownPolicies: {externalDNS: true}\n`)).toThrow(
      /wellKnownPolicyProfile/,
    );
  });
});
