import { IrsaError } from '../errors.js';

// The cluster's OIDC issuer and its IAM provider: observed cluster data the renderer, planner and doctor share.

/** The audience of the ServiceAccount token that STS accepts for AssumeRoleWithWebIdentity. */
export const STS_AUDIENCE = 'sts.amazonaws.com';

/** Plain data about the cluster's OIDC issuer and IAM provider, for the renderer and the planner. */
export interface OidcInfo {
  /** e.g. https://oidc.eks.us-west-2.amazonaws.com/id/ABC */
  issuerUrl: string;
  /** issuer host + path, no scheme, no port: the condition-key prefix and provider ARN suffix */
  issuerHostPath: string;
  partition: string;
  accountId: string;
  /** arn:<partition>:iam::<account>:oidc-provider/<issuerHostPath> */
  providerArn: string;
}

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

/** The token subject of a ServiceAccount, as the trust policy's `sub` condition names it. */
export const subjectOf = (sa: { namespace: string; name: string }): string => `system:serviceaccount:${sa.namespace}:${sa.name}`;
