import { describe, expect, it } from 'vitest';
import { actionMatches, coverage, wellKnownGrants } from '../../../src/cfn/policy-coverage.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import { upstreamPolicy } from '../../../src/cfn/well-known-policies.js';
import { OIDC, spec } from '../../fixtures/cfn/specs.js';

describe('actionMatches', () => {
  it('matches as IAM does: case-insensitive, * and ? wildcards, nothing else special', () => {
    expect(actionMatches('route53:List*', 'route53:ListTagsForResources')).toBe(true);
    expect(actionMatches('ROUTE53:listhostedzones', 'route53:ListHostedZones')).toBe(true);
    expect(actionMatches('ec2:Describe?ags', 'ec2:DescribeTags')).toBe(true);
    expect(actionMatches('route53:ListTagsForResource', 'route53:ListTagsForResources')).toBe(false);
    expect(actionMatches('s3:Get.bject', 's3:GetObject')).toBe(false);
  });
});

describe('coverage', () => {
  const doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['a:One', 'a:Two'], Resource: '*' }, { Effect: 'Deny', Action: 'a:Three', Resource: '*' }] };
  it('missing: what the document allows and nothing granted covers; unused: granted and not in the document', () => {
    expect(coverage(['a:One', 'b:Old'], doc)).toEqual({ missing: ['a:Two'], unused: ['b:Old'] });
    expect(coverage(['a:*'], doc)).toEqual({ missing: [], unused: ['a:*'] });
  });
});

describe('wellKnownGrants on rendered templates', () => {
  it("eksctl's externalDNS lacks ListTagsForResources and grants the singular form external-dns no longer calls", () => {
    const t = renderTemplate(spec({ wellKnownPolicies: { externalDNS: true, certManager: true } }), OIDC);
    const grants = wellKnownGrants(t);
    expect([...grants.keys()]).toEqual(['externalDNS', 'certManager']);
    expect(coverage(grants.get('externalDNS')!, upstreamPolicy('externalDNS')!.document)).toEqual({
      missing: ['route53:ListTagsForResources'],
      unused: ['route53:ListTagsForResource'],
    });
  });

  it('the upstream profile covers its own document exactly', () => {
    const t = renderTemplate(spec({ wellKnownPolicies: { efsCSIController: true }, wellKnownPolicySelection: { profile: 'upstream', versions: {} } }), OIDC);
    expect(coverage(wellKnownGrants(t).get('efsCSIController')!, upstreamPolicy('efsCSIController')!.document)).toEqual({ missing: [], unused: [] });
  });
});
