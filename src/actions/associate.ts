import { IrsaError } from '../errors.js';
import { CLUSTER_NAME_TAG, EKSCTL_VERSION_TAG, IRSACTL_VERSION, STS_AUDIENCE } from '../cfn/naming.js';
import type { ClusterSession } from './cluster-session.js';
import { requireOidc } from './cluster-session.js';
import type { Runtime } from './runtime.js';

export interface AssociateResult {
  cluster: string;
  region: string;
  providerArn: string;
  action: 'exists' | 'created' | 'would-create';
  thumbprint?: string;
}

/**
 * Creates the IAM OIDC provider for the cluster's issuer when it is missing, as
 * eksctl does (client id sts.amazonaws.com, the issuer's thumbprint, eksctl's
 * tags), then tags the cluster. Without approve it only says what it would do.
 */
export async function ensureOidcProvider(rt: Runtime, session: ClusterSession, approve: boolean, observedMissing = false): Promise<AssociateResult> {
  const oidc = requireOidc(session);
  const base = { cluster: session.name, region: session.region, providerArn: oidc.providerArn };
  // A caller that has just looked it up (converge's plan) saves the second lookup; a concurrent create is handled below.
  const existing = observedMissing ? undefined : await session.aws.iam.getOidcProvider(oidc.providerArn);
  if (existing) {
    if (!existing.clientIds.includes(STS_AUDIENCE)) {
      rt.reporter.warn(`the provider's client ids (${existing.clientIds.join(', ') || 'none'}) lack ${STS_AUDIENCE}: pods cannot assume roles through it`);
    }
    rt.reporter.info(`IAM OIDC provider ${oidc.providerArn} is already associated with cluster "${session.name}" in ${session.region}`);
    return { ...base, action: 'exists' };
  }
  if (!approve) {
    rt.reporter.info(`(plan) would create IAM OIDC provider for cluster "${session.name}" in ${session.region}: ${oidc.providerArn}`);
    return { ...base, action: 'would-create' };
  }
  const { issuerThumbprint } = await import('../aws/thumbprint.js');
  const { thumbprint, error } = await issuerThumbprint(oidc.issuerUrl);
  if (!thumbprint) {
    // IAM accepts a provider without a thumbprint: it trusts well-known issuers such as EKS's through its own CAs.
    rt.reporter.warn(`could not reach the issuer ${oidc.issuerUrl} (${error}): creating the provider without a thumbprint`);
  }
  try {
    await session.aws.iam.createOidcProvider({
      url: oidc.issuerUrl,
      clientIds: [STS_AUDIENCE],
      thumbprints: thumbprint ? [thumbprint] : [],
      tags: { [CLUSTER_NAME_TAG]: session.name, [EKSCTL_VERSION_TAG]: `irsactl-${IRSACTL_VERSION}` },
    });
  } catch (err) {
    // Another run created it between our check and our create: that is the state we wanted.
    if (!(err instanceof IrsaError && /EntityAlreadyExists|already exists/i.test(`${err.message} ${String(err.cause)}`))) throw err;
    rt.reporter.info('the provider was created concurrently by another run');
    return { ...base, action: 'exists' };
  }
  rt.reporter.ok(`created IAM OIDC provider ${oidc.providerArn}`);
  await session.aws.eks.tagResource(session.info.arn, { 'alpha.eksctl.io/cluster-oidc-enabled': 'true' });
  return { ...base, action: 'created', thumbprint };
}
