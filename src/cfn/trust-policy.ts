import type { OidcInfo, ServiceAccountSpec } from '../config/model.js';
import { IrsaError } from '../errors.js';
import { STS_AUDIENCE } from './naming.js';
import { POLICY_VERSION } from './well-known-policies.js';
import type { PolicyDocument } from './template.js';

const ISSUER_URL = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)([^?#]*)/;

/**
 * Issuer host + path as eksctl derives it (Go's url.Hostname() + url.Path): no scheme,
 * no port, no user info, host case preserved, trailing slash kept. Parsed by hand
 * because WHATWG URL lowercases the host, which would change IAM condition keys.
 */
export function issuerHostPath(issuerUrl: string): string {
  const match = ISSUER_URL.exec(issuerUrl.trim());
  if (!match) throw new IrsaError('PRECONDITION', `parsing OIDC issuer URL: invalid URL "${issuerUrl}"`);
  const [, scheme, authority, path] = match;
  if (scheme.toLowerCase() !== 'https') {
    throw new IrsaError('PRECONDITION', `unsupported URL scheme "${scheme}"`);
  }
  const hostPort = authority.slice(authority.lastIndexOf('@') + 1);
  const host = hostPort.startsWith('[')
    ? hostPort.slice(1, hostPort.indexOf(']'))
    : hostPort.replace(/:\d*$/, '');
  if (host === '') throw new IrsaError('PRECONDITION', `parsing OIDC issuer URL: no host in "${issuerUrl}"`);
  return host + path;
}

export function oidcInfoFrom(issuerUrl: string, partition: string, accountId: string): OidcInfo {
  const hostPath = issuerHostPath(issuerUrl);
  return {
    issuerUrl,
    issuerHostPath: hostPath,
    partition,
    accountId,
    providerArn: `arn:${partition}:iam::${accountId}:oidc-provider/${hostPath}`,
  };
}

const WILDCARD = /[*?]/;

const invariant = (ok: boolean, what: string): void => {
  if (!ok) throw new IrsaError('INTERNAL', `refusing to render a trust policy: ${what}`);
};

/**
 * The role's trust policy (eksctl §3.4/§3.5). Never broader than asked: the sub and
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
