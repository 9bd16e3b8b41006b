import type { AwsCredentials } from '../aws/eks-token.js';

// The narrow Kubernetes interface actions receive, and what they connect with; client.ts adapts
// @kubernetes/client-node to it.

/** How to reach the cluster's API server: its EKS endpoint with an IAM bearer token, or a kubeconfig context. */
export type KubeConnection =
  | {
      kind: 'eks';
      clusterName: string;
      /** DescribeCluster's `endpoint` */
      endpoint: string;
      /** DescribeCluster's `certificateAuthority.data`: base64 of a PEM bundle */
      caData: string;
      region: string;
      /** A provider, called at every token refresh: temporary credentials change during a long run. */
      credentials: () => Promise<AwsCredentials>;
      skipTlsVerify?: boolean;
      /** AWS's clock minus ours (ClusterInfo.clockOffsetMs): the token is signed at AWS's time, as the SDK signs. */
      clockOffsetMs?: number;
    }
  | {
      kind: 'kubeconfig';
      path?: string;
      context?: string;
      skipTlsVerify?: boolean;
      /** the cluster's endpoint and CA from DescribeCluster: the kubeconfig's server must be that cluster's */
      expected?: { clusterName: string; endpoint?: string; caData?: string };
    };

export interface ServiceAccountObject {
  name: string;
  namespace: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  resourceVersion?: string;
  uid?: string;
}

export interface PodContainer {
  name: string;
  env: Record<string, string>;
  runAsUser?: number;
  runAsNonRoot?: boolean;
}

export interface PodObject {
  name: string;
  namespace: string;
  serviceAccountName: string;
  fsGroup?: number;
  runAsUser?: number;
  runAsNonRoot?: boolean;
  volumes: { name: string; projectedServiceAccountTokenAudience?: string }[];
  containers: PodContainer[];
}

/** A node, as far as the Pod Identity migration cares: its labels (kubernetes.io/os says Windows or Linux). */
export interface NodeObject {
  name: string;
  labels: Record<string, string>;
}

export interface KubePort {
  namespaceExists(name: string): Promise<boolean>;
  /** undefined when the namespace does not exist */
  namespacePhase(name: string): Promise<'Active' | 'Terminating' | undefined>;
  /** A SelfSubjectAccessReview: may this identity do `verb` on `resource` (in `namespace`)? */
  mayI(verb: string, resource: string, namespace?: string): Promise<boolean>;
  /** Creates the namespace; an AlreadyExists answer is success. */
  createNamespace(name: string): Promise<void>;
  /** undefined on 404 */
  getServiceAccount(namespace: string, name: string): Promise<ServiceAccountObject | undefined>;
  /** every ServiceAccount, or those of one namespace */
  listServiceAccounts(namespace?: string): Promise<ServiceAccountObject[]>;
  createServiceAccount(sa: ServiceAccountObject): Promise<ServiceAccountObject>;
  /**
   * Sets the labels and annotations (a JSON Patch, leaving the rest of the object alone), with optimistic concurrency on
   * resourceVersion: a stale version throws an error that k8s/errors.ts's isConflict recognises.
   */
  patchServiceAccountMetadata(sa: ServiceAccountObject): Promise<ServiceAccountObject>;
  /** A 404 is success. */
  deleteServiceAccount(namespace: string, name: string): Promise<void>;
  listPods(namespace?: string): Promise<PodObject[]>;
  listNodes(): Promise<NodeObject[]>;
  /** TokenRequest for a ServiceAccount. */
  createToken(namespace: string, name: string, audience: string, expirationSeconds?: number): Promise<string>;
}
