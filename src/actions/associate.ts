import { CLUSTER_NAME_TAG, EKSCTL_VERSION_TAG, IRSACTL_VERSION } from '../model/naming.js';
import { STS_AUDIENCE } from '../model/oidc.js';
import type { ClusterSession } from '../runtime/cluster-session.js';
import { requireOidc } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';

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
    // A run that created the provider and then failed to tag the cluster left the tag out: a re-run finishes the job.
    if (session.info.tags[OIDC_ENABLED_TAG] !== 'true') {
      if (approve) await tagClusterOidcEnabled(rt, session);
      else rt.reporter.info(`(plan) would tag cluster "${session.name}" ${OIDC_ENABLED_TAG}=true, which an earlier run did not`);
    }
    return { ...base, action: 'exists' };
  }
  if (!approve) {
    rt.reporter.info(`(plan) would create IAM OIDC provider for cluster "${session.name}" in ${session.region}: ${oidc.providerArn}`);
    return { ...base, action: 'would-create' };
  }
  const { issuerThumbprint } = await import('../aws/thumbprint.js');
  const { thumbprint, error } = await issuerThumbprint(oidc.issuerUrl, rt.io.env);
  if (!thumbprint) {
    // IAM accepts a provider without a thumbprint: it trusts well-known issuers such as EKS's through its own CAs.
    rt.reporter.warn(`could not reach the issuer ${oidc.issuerUrl} (${error}): creating the provider without a thumbprint`);
  }
  const outcome = await session.aws.iam.createOidcProvider({
    url: oidc.issuerUrl,
    clientIds: [STS_AUDIENCE],
    thumbprints: thumbprint ? [thumbprint] : [],
    tags: { [CLUSTER_NAME_TAG]: session.name, [EKSCTL_VERSION_TAG]: `irsactl-${IRSACTL_VERSION}` },
  });
  if (outcome === 'exists') {
    // Another run created it between our check and our create: that is the state we wanted.
    rt.reporter.info('the provider was created concurrently by another run');
    return { ...base, action: 'exists' };
  }
  rt.reporter.ok(`created IAM OIDC provider ${oidc.providerArn}`);
  await tagClusterOidcEnabled(rt, session);
  return { ...base, action: 'created', thumbprint };
}

/** eksctl's marker on the cluster that its OIDC provider is associated. */
const OIDC_ENABLED_TAG = 'alpha.eksctl.io/cluster-oidc-enabled';

async function tagClusterOidcEnabled(rt: Runtime, session: ClusterSession): Promise<void> {
  await session.aws.eks.tagResource(session.info.arn, { [OIDC_ENABLED_TAG]: 'true' });
  rt.reporter.ok(`tagged cluster "${session.name}" ${OIDC_ENABLED_TAG}=true`);
}
