import { randomUUID } from 'node:crypto';
import type { ServiceAccountTokenClaims } from './kube/tokens.js';
import type { EksAnswer } from './eks-rest.js';
import { checkAssociationRole, type ClusterRef, type PodIdentityAssociation, type RoleLookup } from './eks-pod-identity.js';

// The EKS Auth API (botocore's eks-auth/2023-11-26), which moto lacks: AssumeRoleForPodIdentity, as the Pod Identity
// agent calls it. The token must be one the cluster's Kubernetes server signed, unexpired, for the audience
// pods.eks.amazonaws.com; its ServiceAccount must have an association whose role exists and trusts Pod Identity
// (the checks EKS makes at create, made again: the role may have changed since); then the role (and a target role)
// is assumed in moto's STS. Errors as the model lists them, in restJson (x-amzn-errortype and a JSON message).

export const POD_IDENTITY_AUDIENCE = 'pods.eks.amazonaws.com';
/** The model's request URI. */
export const EKS_AUTH_PATH = /^\/clusters\/([^/]+)\/assume-role-for-pod-identity$/;

const STATUS = {
  InvalidTokenException: 400,
  ExpiredTokenException: 400,
  InvalidParameterException: 400,
  InvalidRequestException: 400,
  AccessDeniedException: 400,
  ResourceNotFoundException: 404,
  InternalServerException: 500,
} as const;
type EksAuthErrorType = keyof typeof STATUS;

export class EksAuthError extends Error {
  constructor(
    readonly type: EksAuthErrorType,
    message: string,
  ) {
    super(message);
  }
}

export function eksAuthErrorAnswer(err: EksAuthError): EksAnswer {
  return {
    status: STATUS[err.type],
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID(), 'x-amzn-errortype': err.type },
    body: JSON.stringify({ message: err.message }),
  };
}

export interface AssumedSession {
  arn: string;
  assumeRoleId: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string; expiration: number };
}

export interface EksAuthDeps {
  cluster: ClusterRef;
  /** the cluster's Kubernetes server's token check; undefined: no server registered for the cluster */
  verifyToken?: (token: string) => ServiceAccountTokenClaims | undefined;
  associations: PodIdentityAssociation[];
  roles: RoleLookup;
  /** STS AssumeRole of `roleArn` (moto's), as EKS does it with the session name it makes */
  assumeRole(roleArn: string, sessionName: string): Promise<AssumedSession>;
}

/** EKS's session name: eks-<cluster>-<ServiceAccount>-<uuid>, cut to STS's 64 characters. */
const sessionName = (cluster: string, serviceAccount: string): string => `eks-${cluster}-${serviceAccount}-${randomUUID()}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);

export async function assumeRoleForPodIdentity(deps: EksAuthDeps, body: unknown): Promise<Record<string, unknown>> {
  const token = body !== null && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
  if (typeof token !== 'string' || token === '') throw new EksAuthError('InvalidParameterException', 'token is required');
  if (deps.verifyToken === undefined) throw new EksAuthError('InvalidTokenException', `the sandbox has no Kubernetes server for cluster ${deps.cluster.name}`);
  const claims = deps.verifyToken(token);
  if (claims === undefined) throw new EksAuthError('InvalidTokenException', 'The token is not valid: not signed by the cluster, or expired');
  if (!claims.audiences.includes(POD_IDENTITY_AUDIENCE)) {
    throw new EksAuthError('InvalidTokenException', `The token's audience is ${claims.audiences.join(',')}, not ${POD_IDENTITY_AUDIENCE}`);
  }
  const association = deps.associations.find((a) => a.namespace === claims.namespace && a.serviceAccount === claims.serviceAccount);
  if (association === undefined) {
    throw new EksAuthError('ResourceNotFoundException', `No Pod Identity Association found for service account ${claims.namespace}/${claims.serviceAccount} in cluster ${deps.cluster.name}`);
  }
  try {
    await checkAssociationRole(association.roleArn, deps.cluster, deps.roles);
  } catch (err) {
    throw new EksAuthError('AccessDeniedException', `EKS cannot assume role ${association.roleArn}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const session = sessionName(deps.cluster.name, claims.serviceAccount);
  let assumed = await deps.assumeRole(association.roleArn, session);
  // Role chaining: the first role's session assumes the target role (moto does not judge its trust policy).
  if (association.targetRoleArn !== undefined) assumed = await deps.assumeRole(association.targetRoleArn, session);
  return {
    subject: { namespace: claims.namespace, serviceAccount: claims.serviceAccount },
    audience: POD_IDENTITY_AUDIENCE,
    podIdentityAssociation: { associationArn: association.associationArn, associationId: association.associationId },
    assumedRoleUser: { arn: assumed.arn, assumeRoleId: assumed.assumeRoleId },
    credentials: assumed.credentials,
  };
}
