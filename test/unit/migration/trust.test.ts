import { describe, expect, it } from 'vitest';
import { hasMigrationTrust, keepMigrationTrust, oidcTrustFor, standardOidcStatement, trustsPodIdentity, withOidcTrust, withoutMigrationTrust, withoutOidcTrust, withPodIdentityTrust } from '../../../src/migration/trust.js';

const HOST = 'oidc.eks.us-west-2.amazonaws.com/id/ABC';
const subject = { providerArn: `arn:aws:iam::111122223333:oidc-provider/${HOST}`, issuerHostPath: HOST, namespace: 'default', name: 'a' };
const irsa = { Version: '2012-10-17', Statement: [standardOidcStatement(subject)] };

describe('migration trust edits', () => {
  it('dual trust is added once, and rollback takes exactly it away', () => {
    const dual = withPodIdentityTrust(irsa);
    expect(trustsPodIdentity(irsa)).toBe(false);
    expect(trustsPodIdentity(dual)).toBe(true);
    expect(hasMigrationTrust(dual)).toBe(true);
    expect(withPodIdentityTrust(dual)).toEqual(dual);
    expect(withoutMigrationTrust(dual)).toEqual(irsa);
  });

  it('AssumeRole without TagSession is not Pod Identity trust', () => {
    const half = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: 'sts:AssumeRole' }] };
    expect(trustsPodIdentity(half)).toBe(false);
  });

  it("judges the trust as the doctor does: a conditioned statement (aws:SourceAccount) counts and dual trust adds nothing to it; a Deny takes the trust away", () => {
    const pods = { Effect: 'Allow', Principal: { Service: 'pods.eks.amazonaws.com' }, Action: ['sts:AssumeRole', 'sts:TagSession'] };
    const conditioned = { Version: '2012-10-17', Statement: [{ ...pods, Condition: { StringEquals: { 'aws:SourceAccount': '111122223333' } } }] };
    expect(trustsPodIdentity(conditioned)).toBe(true);
    expect(withPodIdentityTrust(conditioned)).toEqual(conditioned);
    const denied = { Version: '2012-10-17', Statement: [pods, { ...pods, Effect: 'Deny' }] };
    expect(trustsPodIdentity(denied)).toBe(false);
  });

  it("cut-over removes this subject's statement only; its rollback restores the document exactly", () => {
    const other = standardOidcStatement({ ...subject, name: 'b' });
    const dual = withPodIdentityTrust({ Version: '2012-10-17', Statement: [standardOidcStatement(subject), other] });
    const cut = withoutOidcTrust(dual, subject);
    expect(oidcTrustFor(cut, subject).kind).toBe('none');
    expect(oidcTrustFor(cut, { ...subject, name: 'b' }).kind).toBe('exact');
    expect(withOidcTrust(cut, subject)).toEqual(dual);
    expect(withOidcTrust(dual, subject)).toEqual(dual);
  });

  it('another provider (another cluster) does not count', () => {
    expect(oidcTrustFor(irsa, { ...subject, providerArn: 'arn:aws:iam::111122223333:oidc-provider/other' }).kind).toBe('none');
  });
});

describe('keepMigrationTrust', () => {
  const template = (trust: unknown) => ({ Resources: { Role1: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: trust } } } });
  it("keeps the live template's migration statement in a re-rendered template, once", () => {
    const kept = keepMigrationTrust(template(irsa), template(withPodIdentityTrust(irsa)));
    expect(kept).toEqual(template(withPodIdentityTrust(irsa)));
    expect(keepMigrationTrust(kept, template(withPodIdentityTrust(irsa)))).toEqual(kept);
    expect(keepMigrationTrust(template(irsa), template(irsa))).toEqual(template(irsa));
  });
});
