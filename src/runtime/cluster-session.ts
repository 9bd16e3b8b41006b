import type { AwsPorts, ClusterInfo } from '../aws/ports.js';
import type { OidcInfo } from '../model/oidc.js';
import type { KubePort } from '../k8s/ports.js';
import { IrsaError } from '../errors.js';
import { oidcInfoFrom } from '../model/oidc.js';
import { credentialProvider } from '../aws/credentials.js';
import { readSharedConfig } from '../aws/shared-config.js';
import { awsRequestHandler } from '../aws/request-handler.js';
import type { Runtime } from './runtime.js';

// The common preflight of every command: region, AWS ports, the cluster, its OIDC issuer, a lazy Kubernetes client.

export interface ClusterTarget {
  cluster: string;
  region?: string;
  profile?: string;
  kubeconfig?: string;
  context?: string;
  insecureSkipTlsVerify?: boolean;
  /** --skip-endpoint-check: do not compare the kubeconfig's API server with the cluster's endpoint */
  skipEndpointCheck?: boolean;
  /** --cfn-role-arn and --cfn-disable-rollback, eksctl's CloudFormation flags */
  cfnRoleArn?: string;
  cfnDisableRollback?: boolean;
}

/** How to reach AWS and Kubernetes: what every command's options share. */
export type ConnectionOptions = Omit<ClusterTarget, 'cluster' | 'region'>;

export interface ClusterSession {
  name: string;
  region: string;
  info: ClusterInfo;
  aws: AwsPorts;
  /** undefined when the cluster has no OIDC issuer */
  oidc?: OidcInfo;
  kube(): Promise<KubePort>;
}

export async function resolveRegionOrFail(rt: Runtime, region: string | undefined, profile: string | undefined): Promise<string> {
  if (region) return region;
  const { resolveRegion } = await import('../aws/factory.js');
  const found = await resolveRegion(undefined, profile, rt.io.env);
  if (!found) {
    throw new IrsaError('USAGE', 'no AWS region: none was given and none is configured', {
      hint: 'pass --region (or metadata.region in the file), or set AWS_REGION',
    });
  }
  return found;
}

export async function openCluster(rt: Runtime, target: ClusterTarget): Promise<ClusterSession> {
  return (await openClusterWith(rt, target, () => Promise.resolve(undefined))).session;
}

/**
 * openCluster, with `lookups` (reads that need only the cluster's name, such as the stack listing) sent beside
 * DescribeCluster rather than after it: one round trip fewer before the plan. Their outcome is handed back
 * unawaited, so a failure of the cluster itself (not found, no OIDC issuer) is still the one reported; a lookups
 * failure surfaces where the caller awaits it.
 */
export async function openClusterWith<T>(rt: Runtime, target: ClusterTarget, lookups: (aws: AwsPorts) => Promise<T>): Promise<{ session: ClusterSession; lookups: Promise<T> }> {
  // Before the region: a missing profile would otherwise be reported as "no region".
  const { endpoints, retry } = await readSharedConfig(rt.io.env, target.profile);
  const region = await resolveRegionOrFail(rt, target.region, target.profile);
  // One provider for the AWS clients and the EKS token: one identity, resolved once, refreshed when it expires.
  const credentials = credentialProvider({
    env: rt.io.env,
    profile: target.profile,
    region,
    ...(endpoints.STS !== undefined ? { stsEndpoint: endpoints.STS } : {}),
    debug: (message) => rt.reporter.debug(`credentials: ${message}`),
    requestHandler: awsRequestHandler('STS', { region, profile: target.profile, env: rt.io.env, run: rt.run }),
  });
  const aws = await rt.awsPorts({
    region,
    profile: target.profile,
    credentials,
    configuredEndpoints: endpoints,
    profileRetry: retry,
    cfnRoleArn: target.cfnRoleArn,
    cfnDisableRollback: target.cfnDisableRollback,
  });
  rt.reporter.debug(`describing cluster ${target.cluster} in ${region}`);
  const describing = aws.eks.describeCluster(target.cluster);
  const looked = lookups(aws);
  looked.catch(() => undefined); // awaited by the caller; until then, not an unhandled rejection
  const info = await describing;
  if (['CREATING', 'DELETING', 'FAILED'].includes(info.status)) {
    throw new IrsaError('PRECONDITION', `cluster "${info.name}" in ${region} is ${info.status}: irsactl cannot operate on it now`);
  }
  const oidc = info.oidcIssuer ? oidcInfoFrom(info.oidcIssuer, info.partition, info.accountId) : undefined;
  if (target.insecureSkipTlsVerify) rt.reporter.warn('TLS verification of the Kubernetes API is switched off (--insecure-skip-tls-verify)');

  let kube: Promise<KubePort> | undefined;
  const session: ClusterSession = {
    name: info.name,
    region,
    info,
    aws,
    oidc,
    kube() {
      kube ??= (async () => {
        if (target.kubeconfig || target.context) {
          return rt.kubePort({
            kind: 'kubeconfig',
            path: target.kubeconfig,
            context: target.context,
            skipTlsVerify: target.insecureSkipTlsVerify,
            ...(target.skipEndpointCheck ? {} : { expected: { clusterName: info.name, endpoint: info.endpoint, caData: info.certificateAuthorityData } }),
          });
        }
        if (!info.endpoint || !info.certificateAuthorityData) {
          throw new IrsaError('PRECONDITION', `cluster "${info.name}" has no API endpoint or CA data yet`, { hint: 'wait until the cluster is ACTIVE, or pass --kubeconfig' });
        }
        return rt.kubePort({
          kind: 'eks',
          clusterName: info.name,
          endpoint: info.endpoint,
          caData: info.certificateAuthorityData,
          region,
          credentials,
          skipTlsVerify: target.insecureSkipTlsVerify,
          ...(info.clockOffsetMs !== undefined ? { clockOffsetMs: info.clockOffsetMs } : {}),
        });
      })();
      return kube;
    },
  };
  return { session, lookups: looked };
}

/** The OIDC issuer is required for everything IRSA: say how to get one. */
export function requireOidc(session: ClusterSession): OidcInfo {
  if (!session.oidc) {
    throw new IrsaError('PRECONDITION', `cluster "${session.name}" has no OIDC issuer`, {
      hint: 'EKS clusters have one since Kubernetes 1.13; check that this is an EKS cluster (not a registered one)',
    });
  }
  return session.oidc;
}

