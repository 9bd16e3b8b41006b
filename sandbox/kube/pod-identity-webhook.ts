// What EKS's pod identity webhook (aws/amazon-eks-pod-identity-webhook) does to a pod at creation, as a pure
// function: the container-credentials path for a ServiceAccount with an EKS Pod Identity association, else the
// web-identity (IRSA) path for one annotated with a role ARN, else nothing. It runs once, at admission, so a pod
// made before an association or an annotation keeps what it had. Not modelled: the webhook's ServiceAccount lookup
// grace time, its config-map mode, and the jitter it adds to the default token lifetime (this one is always 24 h).
import { clone, isObject, str, type JsonObject } from './json.js';
import { metaOf } from './resources.js';

/** The label the webhook puts on a pod it gave Pod Identity (webhook PR #295, 2026-03-31). */
export const POD_IDENTITY_LABEL = 'eks.amazonaws.com/pod-identity';

/** EKS's container-credentials settings: the agent's link-local address and where the token is projected. */
export const POD_IDENTITY = {
  fullUri: 'http://169.254.170.23/v1/credentials',
  audience: 'pods.eks.amazonaws.com',
  mountPath: '/var/run/secrets/pods.eks.amazonaws.com/serviceaccount',
  volumeName: 'eks-pod-identity-token',
  tokenPath: 'eks-pod-identity-token',
} as const;

/** The webhook's web-identity defaults. */
export const WEB_IDENTITY = {
  audience: 'sts.amazonaws.com',
  mountPath: '/var/run/secrets/eks.amazonaws.com/serviceaccount',
  volumeName: 'aws-iam-token',
  tokenPath: 'token',
} as const;

const ANNOTATION = {
  roleArn: 'eks.amazonaws.com/role-arn',
  audience: 'eks.amazonaws.com/audience',
  regionalSts: 'eks.amazonaws.com/sts-regional-endpoints',
  tokenExpiration: 'eks.amazonaws.com/token-expiration',
  skipContainers: 'eks.amazonaws.com/skip-containers',
} as const;

const DEFAULT_TOKEN_EXPIRATION = 86_400;
const MIN_TOKEN_EXPIRATION = 600;

export interface WebhookInput {
  /** The pod as admission sees it: after the ServiceAccount plugin, so in its namespace with a serviceAccountName. */
  pod: JsonObject;
  /** The pod's ServiceAccount, undefined when it does not exist (then only Pod Identity can apply). */
  serviceAccount?: JsonObject;
  /** EKS has a Pod Identity association for the pod's namespace and ServiceAccount. */
  podIdentity: boolean;
  /** AWS_DEFAULT_REGION and AWS_REGION for mutated containers (EKS sets the cluster's); none when undefined. */
  region?: string;
  /** AWS_STS_REGIONAL_ENDPOINTS=regional unless the ServiceAccount says otherwise (EKS's default since 1.22). */
  regionalSts?: boolean;
}

interface PatchConfig {
  audience: string;
  mountPath: string;
  volumeName: string;
  tokenPath: string;
  tokenExpiration: number;
  regionalSts: boolean;
  credentials: { kind: 'container'; fullUri: string } | { kind: 'web-identity'; roleArn: string };
}

const annotationsOf = (obj: JsonObject | undefined): JsonObject => {
  const meta = obj !== undefined && isObject(obj.metadata) ? obj.metadata : {};
  return isObject(meta.annotations) ? meta.annotations : {};
};

/** The webhook's ParseInt, with its floor of 10 minutes (the API server's) and ceiling of 24 hours (EKS's). */
function tokenExpiration(value: unknown, fallback: number): number {
  const text = str(value);
  if (text === undefined || !/^-?\d+$/.test(text)) return fallback;
  return Math.min(Math.max(Number(text), MIN_TOKEN_EXPIRATION), DEFAULT_TOKEN_EXPIRATION);
}

function patchConfig(input: WebhookInput): PatchConfig | undefined {
  const saAnnotations = annotationsOf(input.serviceAccount);
  const podAnnotations = annotationsOf(input.pod);
  const regional = str(saAnnotations[ANNOTATION.regionalSts]);
  const regionalSts = regional === 'true' ? true : regional === 'false' ? false : (input.regionalSts ?? true);
  const expiration = tokenExpiration(podAnnotations[ANNOTATION.tokenExpiration], tokenExpiration(saAnnotations[ANNOTATION.tokenExpiration], DEFAULT_TOKEN_EXPIRATION));
  // "Container credentials method takes precedence" (the webhook's buildPodPatchConfig).
  if (input.podIdentity) {
    return { ...POD_IDENTITY, tokenExpiration: expiration, regionalSts, credentials: { kind: 'container', fullUri: POD_IDENTITY.fullUri } };
  }
  const roleArn = str(saAnnotations[ANNOTATION.roleArn]);
  if (input.serviceAccount === undefined || roleArn === undefined || roleArn === '') return undefined;
  return {
    ...WEB_IDENTITY,
    audience: str(saAnnotations[ANNOTATION.audience]) ?? WEB_IDENTITY.audience,
    tokenExpiration: expiration,
    regionalSts,
    credentials: { kind: 'web-identity', roleArn },
  };
}

const listOf = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : []);
const hasEnv = (env: JsonObject[], names: readonly string[]) => env.some((e) => names.includes(str(e.name) ?? ''));

/** One container, as the webhook's addEnvToContainer: adds only what is not there, mount last. */
function mutateContainer(container: JsonObject, config: PatchConfig, tokenFile: string, region: string | undefined): void {
  const env = listOf(container.env);
  const credentialNames =
    config.credentials.kind === 'container' ? ['AWS_CONTAINER_CREDENTIALS_FULL_URI', 'AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE'] : ['AWS_ROLE_ARN', 'AWS_WEB_IDENTITY_TOKEN_FILE'];
  // A container that already has it all is left alone, mount included.
  if (hasEnv(env, credentialNames) && hasEnv(env, ['AWS_REGION', 'AWS_DEFAULT_REGION']) && hasEnv(env, ['AWS_STS_REGIONAL_ENDPOINTS'])) return;
  const added: JsonObject[] = [];
  if (config.regionalSts && !hasEnv(env, ['AWS_STS_REGIONAL_ENDPOINTS'])) added.push({ name: 'AWS_STS_REGIONAL_ENDPOINTS', value: 'regional' });
  if (region !== undefined && !hasEnv(env, ['AWS_REGION', 'AWS_DEFAULT_REGION'])) {
    added.push({ name: 'AWS_DEFAULT_REGION', value: region }, { name: 'AWS_REGION', value: region });
  }
  if (!hasEnv(env, credentialNames)) {
    const source = config.credentials.kind === 'container' ? config.credentials.fullUri : config.credentials.roleArn;
    added.push({ name: credentialNames[0], value: source }, { name: credentialNames[1], value: tokenFile });
  }
  if (added.length > 0) container.env = [...env, ...added];
  const mounts = listOf(container.volumeMounts);
  if (!mounts.some((m) => m.name === config.volumeName)) {
    container.volumeMounts = [...mounts, { name: config.volumeName, readOnly: true, mountPath: config.mountPath }];
  }
}

/** The pod as the webhook leaves it: a copy, unchanged when neither Pod Identity nor IRSA applies. */
export function mutatePod(input: WebhookInput): JsonObject {
  const pod = clone(input.pod);
  const config = patchConfig(input);
  if (config === undefined) return pod;
  const spec = isObject(pod.spec) ? pod.spec : (pod.spec = {});
  const nodeSelector = isObject(spec.nodeSelector) ? spec.nodeSelector : {};
  const windows = nodeSelector['kubernetes.io/os'] === 'windows' || nodeSelector['beta.kubernetes.io/os'] === 'windows';
  const unixFile = `${config.mountPath}/${config.tokenPath}`;
  const tokenFile = windows ? `C:${unixFile.replace(/\//g, '\\')}` : unixFile;
  const skipped = new Set((str(annotationsOf(pod)[ANNOTATION.skipContainers]) ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));
  for (const field of ['initContainers', 'containers'] as const) {
    for (const container of listOf(spec[field])) {
      if (!skipped.has(str(container.name) ?? '')) mutateContainer(container, config, tokenFile, input.region);
    }
  }
  if (config.credentials.kind === 'container') {
    const meta = metaOf(pod);
    meta.labels = { ...(isObject(meta.labels) ? meta.labels : {}), [POD_IDENTITY_LABEL]: 'enabled' };
  }
  const volumes = listOf(spec.volumes);
  if (!volumes.some((v) => v.name === config.volumeName)) {
    // The webhook adds at /spec/volumes/0: its volume comes first.
    const projection = { serviceAccountToken: { audience: config.audience, expirationSeconds: config.tokenExpiration, path: config.tokenPath } };
    spec.volumes = [{ name: config.volumeName, projected: { sources: [projection] } }, ...volumes];
  }
  return pod;
}
