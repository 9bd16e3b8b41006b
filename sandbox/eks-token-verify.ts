/**
 * Offline check of an EKS bearer token, as the fake Kubernetes API server does it:
 * real EKS asks STS; we know the test's secrets, so we re-sign the same request
 * and compare signatures.
 */
import { EKS_TOKEN_PREFIX, presignGetCallerIdentity, stsHostFor } from '../src/aws/eks-token.js';

export type EksTokenVerdict = { ok: true; accessKeyId: string } | { ok: false; reason: string };

/**
 * The hosts aws-iam-authenticator accepts for a token of `region` (its verifyHost): the STS endpoints the SDK resolves
 * for the region, with its FIPS and dual-stack variants where the partition has them, and the global endpoint
 * where the region has one (aws partition).
 */
export function acceptedStsHosts(region: string): Set<string> {
  const variants = [{}, { fips: true }, { dualStack: true }, { fips: true, dualStack: true }, { global: true }];
  const hosts = new Set<string>();
  for (const variant of variants) {
    try {
      hosts.add(stsHostFor(region, variant));
    } catch {
      // the partition has no such variant
    }
  }
  return hosts;
}
const MAX_EXPIRES_SECONDS = 900;
/**
 * aws-iam-authenticator accepts a token for 15 minutes after X-Amz-Date whatever its
 * X-Amz-Expires (60) says; clients (eksctl, kubectl via aws CLI) rely on that by
 * caching tokens for 10-14 minutes, so the fake does the same.
 */
const MAX_TOKEN_AGE_MS = 15 * 60 * 1000;
/** Tokens signed slightly in the future (client clock ahead) are accepted, like STS's 5-minute skew. */
const MAX_CLOCK_SKEW_MS = 5 * 60 * 1000;

function parseAmzDate(value: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

export async function verifyEksToken(
  token: string,
  opts: { clusterName: string; credentials: Record<string, string>; now?: Date },
): Promise<EksTokenVerdict> {
  if (!token.startsWith(EKS_TOKEN_PREFIX)) return { ok: false, reason: `token does not start with ${EKS_TOKEN_PREFIX}` };
  const encoded = token.slice(EKS_TOKEN_PREFIX.length);
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return { ok: false, reason: 'token is not base64url without padding' };
  let url: URL;
  try {
    url = new URL(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, reason: 'token does not decode to a URL' };
  }
  if (url.protocol !== 'https:' || url.port !== '') return { ok: false, reason: `unexpected host ${url.host}` };
  if (url.pathname !== '/') return { ok: false, reason: `unexpected path ${url.pathname}` };
  const q = url.searchParams;
  if (q.get('Action') !== 'GetCallerIdentity') return { ok: false, reason: 'Action is not GetCallerIdentity' };
  const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';');
  if (!signedHeaders.includes('x-k8s-aws-id')) return { ok: false, reason: 'x-k8s-aws-id is not a signed header' };
  if (signedHeaders.some((h) => h !== 'host' && h !== 'x-k8s-aws-id')) {
    return { ok: false, reason: `unexpected signed headers ${signedHeaders.join(';')}` };
  }

  const credential = (q.get('X-Amz-Credential') ?? '').split('/');
  if (credential.length !== 5 || credential[3] !== 'sts' || credential[4] !== 'aws4_request') {
    return { ok: false, reason: 'malformed X-Amz-Credential' };
  }
  const [accessKeyId, , region] = credential;
  if (!/^[a-z0-9-]+$/.test(region) || !acceptedStsHosts(region).has(url.hostname)) {
    return { ok: false, reason: `unexpected hostname ${url.hostname} for region ${region}` };
  }
  const signingDate = parseAmzDate(q.get('X-Amz-Date') ?? '');
  if (!signingDate) return { ok: false, reason: 'malformed X-Amz-Date' };
  const expires = Number(q.get('X-Amz-Expires'));
  if (!Number.isInteger(expires) || expires <= 0 || expires > MAX_EXPIRES_SECONDS) {
    return { ok: false, reason: `X-Amz-Expires must be 1..${MAX_EXPIRES_SECONDS}` };
  }
  const now = (opts.now ?? new Date()).getTime();
  if (now > signingDate.getTime() + MAX_TOKEN_AGE_MS) {
    return { ok: false, reason: `token expired: X-Amz-Date ${q.get('X-Amz-Date')} is more than 15 minutes old` };
  }
  if (signingDate.getTime() - now > MAX_CLOCK_SKEW_MS) return { ok: false, reason: 'token signed in the future' };

  const secretAccessKey = opts.credentials[accessKeyId];
  if (secretAccessKey === undefined) return { ok: false, reason: `unknown access key ${accessKeyId}` };
  const sessionToken = q.get('X-Amz-Security-Token') ?? undefined;
  const expected = new URL(
    await presignGetCallerIdentity({
      clusterName: opts.clusterName,
      region,
      host: url.hostname,
      credentials: { accessKeyId, secretAccessKey, sessionToken },
      signingDate,
      expiresIn: expires,
    }),
  ).searchParams.get('X-Amz-Signature');
  if (expected !== q.get('X-Amz-Signature')) {
    return { ok: false, reason: `signature does not match (token for another cluster than ${opts.clusterName}, or wrong secret)` };
  }
  return { ok: true, accessKeyId };
}
