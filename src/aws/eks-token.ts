/**
 * The EKS bearer token (aws-iam-authenticator format): a presigned STS
 * GetCallerIdentity URL whose signed headers include `x-k8s-aws-id: <cluster>`,
 * base64url-encoded without padding and prefixed with `k8s-aws-v1.`.
 * Same bytes as `aws eks get-token` for the same second (without a session token).
 */
// Node's crypto, as the SDK's own clients sign with on Node (the pure-JS one was 4 ms of every Kubernetes token, cold)
import { Sha256 } from '@smithy/core/checksum';
import { STSClient } from '@aws-sdk/client-sts';
import { HttpRequest } from '@smithy/protocol-http';
import { SignatureV4 } from '@smithy/signature-v4';

export const EKS_TOKEN_PREFIX = 'k8s-aws-v1.';
/** The presigned URL's own lifetime, as the aws CLI and eksctl sign it. */
export const EKS_TOKEN_PRESIGN_SECONDS = 60;
/** How long clients treat a token as usable (eksctl: 10 minutes, refreshed 1 minute early). */
export const EKS_TOKEN_LIFETIME_MS = 10 * 60 * 1000;

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  /** When temporary credentials stop working; a token signed with them is no good after that either. */
  expiration?: Date;
}

/** RFC 3986 encoding, as SigV4 and botocore use for query strings. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

let endpointResolver: STSClient['config']['endpointProvider'] | undefined;

/**
 * The regional STS host for `region`, from the STS client's own endpoint ruleset (its partition data), as the aws CLI
 * and eksctl presign: aws-iam-authenticator accepts only the hosts of the region's partition. Endpoint overrides
 * (AWS_ENDPOINT_URL*) are deliberately not applied: the token is checked by EKS, never sent to STS by irsactl.
 */
export function stsHostFor(region: string, variant: { fips?: boolean; dualStack?: boolean; global?: boolean } = {}): string {
  // Only the ruleset is used; the client never sends a request, so it needs no credentials.
  endpointResolver ??= new STSClient({ region: 'us-east-1', credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' } }).config
    .endpointProvider;
  const { url } = endpointResolver({
    Region: region,
    UseFIPS: variant.fips ?? false,
    UseDualStack: variant.dualStack ?? false,
    UseGlobalEndpoint: variant.global ?? false,
  });
  return url.hostname;
}

/** Presigns GetCallerIdentity for `clusterName`; returns the full URL. Exported for the test verifier. */
export async function presignGetCallerIdentity(opts: {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  signingDate: Date;
  host?: string;
  expiresIn?: number;
}): Promise<string> {
  const host = opts.host ?? stsHostFor(opts.region);
  const request = new HttpRequest({
    method: 'GET',
    protocol: 'https:',
    hostname: host,
    path: '/',
    query: { Action: 'GetCallerIdentity', Version: '2011-06-15' },
    headers: { host, 'x-k8s-aws-id': opts.clusterName },
  });
  const signer = new SignatureV4({
    service: 'sts',
    region: opts.region,
    credentials: opts.credentials,
    sha256: Sha256,
  });
  const signed = await signer.presign(request, {
    expiresIn: opts.expiresIn ?? EKS_TOKEN_PRESIGN_SECONDS,
    signingDate: opts.signingDate,
  });
  const query = Object.entries(signed.query ?? {})
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((one) => `${rfc3986(k)}=${rfc3986(String(one ?? ''))}`))
    .join('&');
  return `https://${host}/?${query}`;
}

export async function eksToken(opts: {
  clusterName: string;
  region: string;
  credentials: AwsCredentials;
  now?: Date;
}): Promise<{ token: string; expiresAt: Date }> {
  const now = opts.now ?? new Date();
  let url: string;
  try {
    url = await presignGetCallerIdentity({ ...opts, signingDate: now });
  } catch (err) {
    // eksctl's wording, so users searching for it find the same answers.
    throw new Error(`failed to presign caller identity: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  const lifetimeEnd = now.getTime() + EKS_TOKEN_LIFETIME_MS;
  const credentialsEnd = opts.credentials.expiration?.getTime() ?? lifetimeEnd;
  return {
    token: EKS_TOKEN_PREFIX + Buffer.from(url, 'utf8').toString('base64url'),
    expiresAt: new Date(Math.min(lifetimeEnd, credentialsEnd)),
  };
}
