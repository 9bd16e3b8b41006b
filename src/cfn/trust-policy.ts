import type { OidcInfo } from '../model/oidc.js';
import type { ServiceAccountSpec } from '../model/service-account.js';
import { IrsaError } from '../errors.js';
import { STS_AUDIENCE } from '../model/oidc.js';
import { POLICY_VERSION } from './policy.js';
import type { PolicyDocument } from './policy.js';

const WILDCARD = /[*?]/;

const invariant = (ok: boolean, what: string): void => {
  if (!ok) throw new IrsaError('INTERNAL', `refusing to render a trust policy: ${what}`);
};

/**
 * The role's trust policy, as eksctl writes it for an iamserviceaccount. Never broader than asked: the sub and
 * aud conditions are always present, and wildcards appear only through subjectPattern
 * and only under StringLike. The loader rejects bad input; these checks are the last line.
 */
export function trustPolicyFor(sa: ServiceAccountSpec, oidc: OidcInfo): PolicyDocument {
  const hp = oidc.issuerHostPath;
  const pattern = sa.subjectPattern === '' ? undefined : sa.subjectPattern;
  invariant(hp !== '' && !WILDCARD.test(hp), `bad issuer host/path "${hp}"`);
  invariant(
    oidc.providerArn.endsWith(`:oidc-provider/${hp}`) && !WILDCARD.test(oidc.providerArn),
    `provider ARN "${oidc.providerArn}" does not match issuer "${hp}"`,
  );
  invariant(sa.namespace !== '' && !WILDCARD.test(sa.namespace), `bad namespace "${sa.namespace}"`);
  invariant(sa.name !== '', 'empty service account name');
  invariant(pattern !== undefined || !WILDCARD.test(sa.name), `wildcard in service account name "${sa.name}"`);

  const subKey = `${hp}:sub`;
  const audKey = `${hp}:aud`;
  const condition =
    pattern === undefined
      ? { StringEquals: { [subKey]: `system:serviceaccount:${sa.namespace}:${sa.name}`, [audKey]: STS_AUDIENCE } }
      : {
          StringLike: { [subKey]: `system:serviceaccount:${sa.namespace}:${pattern}` },
          StringEquals: { [audKey]: STS_AUDIENCE },
        };
  return {
    Version: POLICY_VERSION,
    Statement: [
      {
        Effect: 'Allow',
        Action: ['sts:AssumeRoleWithWebIdentity'],
        Principal: { Federated: oidc.providerArn },
        Condition: condition,
      },
    ],
  };
}
