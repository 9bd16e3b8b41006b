import { describe, expect, it } from 'vitest';
import { checkWellKnownPolicies } from '../../../src/doctor/checks.js';
import type { ServiceAccountFacts } from '../../../src/doctor/facts.js';
import { OIDC } from '../../fixtures/cfn/specs.js';

const t = { cluster: 'demo', region: 'us-west-2', oidc: OIDC, callerAccount: OIDC.accountId };
const facts: ServiceAccountFacts = {
  namespace: 'kube-system',
  name: 'dns',
  provider: { kind: 'unverifiable' },
  role: { kind: 'unverifiable' },
  pods: { kind: 'listed', pods: [] },
  live: { kind: 'not-requested' },
};

describe('the well-known policies line', () => {
  it('is left out for a role without well-known inline policies', () => {
    expect(checkWellKnownPolicies(t, facts)).toBeUndefined();
  });
  it('passes when every action is covered, warns naming what is missing and how to see every such role', () => {
    expect(checkWellKnownPolicies(t, { ...facts, wellKnownCoverage: [{ policy: 'autoScaler', version: '1.36.1', missing: [] }] })?.status).toBe('pass');
    const warn = checkWellKnownPolicies(t, { ...facts, wellKnownCoverage: [{ policy: 'externalDNS', version: 'v0.22.0', missing: ['route53:ListTagsForResources'] }] });
    expect(warn).toMatchObject({ status: 'warn', message: 'externalDNS lacks route53:ListTagsForResources (needed by v0.22.0)' });
    expect(warn?.fix).toContain('irsactl policies outdated --cluster demo --region us-west-2');
  });
});
