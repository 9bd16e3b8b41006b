import { describe, expect, it } from 'vitest';
import { issuerHostPath, oidcInfoFrom } from '../../../src/model/oidc.js';
import { trustPolicyFor } from '../../../src/cfn/trust-policy.js';
import { IrsaError } from '../../../src/errors.js';
import { OIDC, spec } from '../../fixtures/cfn/specs.js';

const HP = 'oidc.eks.us-west-2.amazonaws.com/id/A39A2842863C47208955D753DE205E6E';
const PROVIDER = `arn:aws:iam::456123987123:oidc-provider/${HP}`;

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
  } catch (err) {
    return err instanceof IrsaError ? err.code : 'not an IrsaError';
  }
  return undefined;
};

describe('issuerHostPath', () => {
  it.each([
    [`https://${HP}`, HP],
    ['https://oidc.eks.us-west-2.amazonaws.com:443/id/ABC', 'oidc.eks.us-west-2.amazonaws.com/id/ABC'],
    ['https://Issuer.Example.COM/id/x/', 'Issuer.Example.COM/id/x/'],
    ['https://user:pw@host.example:8443/a/?q=1#f', 'host.example/a/'],
    ['https://host.example', 'host.example'],
    ['https://[::1]:443/p', '::1/p'],
    ['HTTPS://oidc.eks.cn-north-1.amazonaws.com.cn/id/X', 'oidc.eks.cn-north-1.amazonaws.com.cn/id/X'],
  ])('%s → %s', (url, expected) => {
    expect(issuerHostPath(url)).toBe(expected);
  });

  it('rejects other schemes and missing hosts', () => {
    expect(() => issuerHostPath('http://oidc.example/id/x')).toThrow('unsupported URL scheme "http"');
    expect(codeOf(() => issuerHostPath('https:///id/x'))).toBe('PRECONDITION');
    expect(codeOf(() => issuerHostPath('oidc.example/id/x'))).toBe('PRECONDITION');
  });
});

describe('oidcInfoFrom', () => {
  it('builds the provider ARN in the given partition', () => {
    expect(oidcInfoFrom('https://oidc.eks.cn-north-1.amazonaws.com.cn:443/id/X/', 'aws-cn', '123456789012')).toEqual({
      issuerUrl: 'https://oidc.eks.cn-north-1.amazonaws.com.cn:443/id/X/',
      issuerHostPath: 'oidc.eks.cn-north-1.amazonaws.com.cn/id/X/',
      partition: 'aws-cn',
      accountId: '123456789012',
      providerArn: 'arn:aws-cn:iam::123456789012:oidc-provider/oidc.eks.cn-north-1.amazonaws.com.cn/id/X/',
    });
  });
});

describe('trustPolicyFor', () => {
  it("matches eksctl's exact-name document", () => {
    expect(trustPolicyFor(spec({ namespace: 'default', name: 'sa-1' }), OIDC)).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Action: ['sts:AssumeRoleWithWebIdentity'],
          Principal: { Federated: PROVIDER },
          Condition: {
            StringEquals: { [`${HP}:sub`]: 'system:serviceaccount:default:sa-1', [`${HP}:aud`]: 'sts.amazonaws.com' },
          },
        },
      ],
    });
  });

  it('puts a subject pattern under StringLike, the audience under StringEquals', () => {
    const doc = trustPolicyFor(spec({ namespace: 'jobs', name: 'runner', subjectPattern: 'runner-*' }), OIDC);
    expect(doc.Statement[0].Condition).toEqual({
      StringLike: { [`${HP}:sub`]: 'system:serviceaccount:jobs:runner-*' },
      StringEquals: { [`${HP}:aud`]: 'sts.amazonaws.com' },
    });
  });

  it('treats an empty subject pattern as none', () => {
    expect(trustPolicyFor(spec({ subjectPattern: '' }), OIDC)).toEqual(trustPolicyFor(spec(), OIDC));
  });

  it.each([
    ['a wildcard namespace', spec({ namespace: '*' })],
    ['a wildcard namespace with a pattern', spec({ namespace: 'a?', subjectPattern: '*' })],
    ['a wildcard name without a pattern', spec({ name: 'x*' })],
    ['an empty namespace', spec({ namespace: '' })],
    ['an empty name', spec({ name: '' })],
  ])('refuses %s', (_what, sa) => {
    expect(codeOf(() => trustPolicyFor(sa, OIDC))).toBe('INTERNAL');
  });

  it('refuses a provider ARN that does not match the issuer', () => {
    expect(codeOf(() => trustPolicyFor(spec(), { ...OIDC, providerArn: 'arn:aws:iam::1:oidc-provider/other' }))).toBe('INTERNAL');
    expect(codeOf(() => trustPolicyFor(spec(), { ...OIDC, issuerHostPath: '' }))).toBe('INTERNAL');
  });
});
