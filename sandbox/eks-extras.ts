import { createAddon, defaultAddons, describeAddon, listAddons, removeAddon, type AddonState } from './eks-addons.js';
import {
  createAssociation,
  deleteAssociation,
  describeAssociation,
  listAssociations,
  newPodIdentityState,
  updateAssociation,
  type ClusterRef,
  type PodIdentityAssociation,
  type PodIdentityState,
  type RoleLookup,
} from './eks-pod-identity.js';
import { EksError, errorAnswer, okAnswer, type EksAnswer } from './eks-rest.js';
import { fakeAuthorization } from './moto.js';
import { assumeRoleForPodIdentity, EKS_AUTH_PATH, EksAuthError, eksAuthErrorAnswer, type AssumedSession } from './eks-auth.js';
import type { ServiceAccountTokenClaims } from './kube/tokens.js';

// The EKS operations moto lacks, served by the AWS proxy before it forwards: Pod Identity associations and add-ons,
// per account, region and cluster. The cluster must exist in moto (the proxy asks it, so a missing cluster gets
// moto's own ResourceNotFoundException, which is EKS's), and association roles are read from moto's IAM. Plain calls
// straight to moto with its placeholder signature: they must not show in the proxy's request log.

export interface EksRestRequest {
  method: string;
  /** path and query, as the client sent them */
  url: string;
  body: Buffer;
  /** the caller's access key (moto's account) and SigV4 region */
  accessKeyId: string;
  region: string;
}

/** A cluster as tests name it. */
export interface ClusterKey {
  accountId: string;
  region: string;
  name: string;
}

/** Sandbox controls: states of a cluster that no EKS call in the sandbox makes. */
export interface EksExtrasControl {
  /** DescribeCluster says EKS Auto Mode (computeConfig, storageConfig, elasticLoadBalancing enabled), or not. */
  setAutoMode(cluster: ClusterKey, enabled: boolean): void;
  /** The add-on is uninstalled (with the associations it owned), as if deleted outside the sandbox. */
  removeAddon(cluster: ClusterKey, addonName: string): void;
  /** The cluster's associations, in creation order: for tests to look at without an EKS call. */
  associations(cluster: ClusterKey): PodIdentityAssociation[];
  /**
   * IAM's eventual consistency, which moto has not: the next `lookups` role reads of EKS's association checks find
   * no role, as EKS answers for some seconds after a role is made in a real account.
   */
  lagIamPropagation(lookups: number): void;
}

export interface EksExtras extends EksExtrasControl {
  handle(req: EksRestRequest): Promise<EksAnswer>;
  /** EKS Auth AssumeRoleForPodIdentity (eks-auth.ts) for the cluster of the request's path, with its Kubernetes server's token check. */
  handleEksAuth(req: EksRestRequest, verifyToken: ((token: string) => ServiceAccountTokenClaims | undefined) | undefined): Promise<EksAnswer>;
  /** Applies the sandbox's cluster states (Auto Mode) to a DescribeCluster answer's `cluster`. */
  decorateCluster(cluster: Record<string, unknown>): void;
}

type Operation =
  | 'CreatePodIdentityAssociation'
  | 'ListPodIdentityAssociations'
  | 'DescribePodIdentityAssociation'
  | 'UpdatePodIdentityAssociation'
  | 'DeletePodIdentityAssociation'
  | 'CreateAddon'
  | 'ListAddons'
  | 'DescribeAddon';

/** The model's request URIs (eks/2017-11-01 `http.requestUri`) with their methods. */
export const EKS_EXTRA_ROUTES: readonly { method: string; uri: string; operation: Operation }[] = [
  { method: 'POST', uri: '/clusters/{name}/pod-identity-associations', operation: 'CreatePodIdentityAssociation' },
  { method: 'GET', uri: '/clusters/{name}/pod-identity-associations', operation: 'ListPodIdentityAssociations' },
  { method: 'GET', uri: '/clusters/{name}/pod-identity-associations/{associationId}', operation: 'DescribePodIdentityAssociation' },
  { method: 'POST', uri: '/clusters/{name}/pod-identity-associations/{associationId}', operation: 'UpdatePodIdentityAssociation' },
  { method: 'DELETE', uri: '/clusters/{name}/pod-identity-associations/{associationId}', operation: 'DeletePodIdentityAssociation' },
  { method: 'POST', uri: '/clusters/{name}/addons', operation: 'CreateAddon' },
  { method: 'GET', uri: '/clusters/{name}/addons', operation: 'ListAddons' },
  { method: 'GET', uri: '/clusters/{name}/addons/{addonName}', operation: 'DescribeAddon' },
];

const ROUTES = EKS_EXTRA_ROUTES.map((r) => ({ ...r, path: new RegExp(`^${r.uri.replace(/\{[^}]+\}/g, '([^/]+)')}$`) }));

function route(method: string, url: string): { operation: Operation; cluster: string; id?: string; query: URLSearchParams } | undefined {
  const parsed = new URL(url, 'http://proxy');
  for (const r of ROUTES) {
    const match = r.method === method ? r.path.exec(parsed.pathname) : null;
    if (match === null) continue;
    const id = match[2] !== undefined ? decodeURIComponent(match[2]) : undefined;
    return { operation: r.operation, cluster: decodeURIComponent(match[1] ?? ''), ...(id !== undefined ? { id } : {}), query: parsed.searchParams };
  }
  return undefined;
}

/** The operation a request is, when the proxy serves it here; undefined: forward it to moto. */
export const eksExtrasAction = (method: string, url: string): string | undefined => route(method, url)?.operation;

interface ClusterState {
  ref: ClusterRef;
  /** moto's createdAt of the cluster the state belongs to: a cluster deleted and made again starts empty */
  createdAt?: string;
  podIdentity: PodIdentityState;
  addons: AddonState;
  autoMode: boolean;
}

const keyOf = (c: ClusterKey): string => `${c.accountId}/${c.region}/${c.name}`;
const unescapeXml = (s: string): string => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

interface MotoCluster {
  arn: string;
  createdAt: string;
  version: string;
  status: string;
}

export function createEksExtras(motoUrl: string): EksExtras {
  const clusters = new Map<string, ClusterState>();

  const stateFor = (ref: ClusterRef, createdAt?: string): ClusterState => {
    const key = keyOf({ accountId: ref.accountId, region: ref.region, name: ref.name });
    const known = clusters.get(key);
    if (known !== undefined && (createdAt === undefined || known.createdAt === undefined || known.createdAt === createdAt)) {
      if (createdAt !== undefined) {
        known.createdAt = createdAt;
        known.ref = ref;
      }
      return known;
    }
    const fresh: ClusterState = { ref, podIdentity: newPodIdentityState(), addons: defaultAddons(ref), autoMode: false, ...(createdAt !== undefined ? { createdAt } : {}) };
    clusters.set(key, fresh);
    return fresh;
  };
  const stateOfKey = (c: ClusterKey): ClusterState => stateFor({ partition: 'aws', ...c });

  /** DescribeCluster in moto: the cluster, or moto's error answer (EKS's ResourceNotFoundException) to pass on. */
  const describeCluster = async (req: EksRestRequest, name: string): Promise<MotoCluster | EksAnswer> => {
    const res = await fetch(`${motoUrl}/clusters/${encodeURIComponent(name)}`, {
      headers: { authorization: fakeAuthorization(req.accessKeyId, req.region, 'eks') },
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    if (!res.ok) {
      const headers: Record<string, string> = { 'content-type': res.headers.get('content-type') ?? 'application/json' };
      const errorType = res.headers.get('x-amzn-errortype');
      if (errorType !== null) headers['x-amzn-errortype'] = errorType;
      return { status: res.status, headers, body: text };
    }
    const cluster = (JSON.parse(text) as { cluster?: Record<string, unknown> }).cluster ?? {};
    return { arn: String(cluster.arn ?? ''), createdAt: String(cluster.createdAt ?? ''), version: String(cluster.version ?? ''), status: String(cluster.status ?? '') };
  };

  /** GetRole in moto's IAM, as the caller: the role's ARN and trust policy. */
  let unpropagatedLookups = 0;
  const rolesFor =
    (req: EksRestRequest): RoleLookup =>
    async (roleArn) => {
      if (unpropagatedLookups > 0) {
        unpropagatedLookups--;
        return undefined;
      }
      const roleName = roleArn.split('/').pop() ?? '';
      const res = await fetch(motoUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: fakeAuthorization(req.accessKeyId, 'us-east-1', 'iam') },
        body: new URLSearchParams({ Action: 'GetRole', RoleName: roleName, Version: '2010-05-08' }).toString(),
        signal: AbortSignal.timeout(30_000),
      });
      const xml = await res.text();
      if (res.status === 404 || xml.includes('NoSuchEntity')) return undefined;
      if (!res.ok) throw new Error(`moto IAM GetRole ${roleName} answered HTTP ${res.status}: ${xml.slice(0, 300)}`);
      const arn = /<Arn>([^<]*)<\/Arn>/.exec(xml)?.[1];
      const document = /<AssumeRolePolicyDocument>([^<]*)<\/AssumeRolePolicyDocument>/.exec(xml)?.[1];
      if (arn === undefined) return undefined;
      let trustPolicy: unknown;
      try {
        trustPolicy = JSON.parse(decodeURIComponent(unescapeXml(document ?? '')));
      } catch {
        trustPolicy = undefined;
      }
      return { arn: unescapeXml(arn), trustPolicy };
    };

  const parseBody = (body: Buffer): Record<string, unknown> => {
    if (body.length === 0) return {};
    try {
      const parsed: unknown = JSON.parse(body.toString('utf8'));
      if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
    } catch {
      // answered below
    }
    throw new EksError('InvalidParameterException', 'The request body is not a JSON object');
  };

  const serve = async (req: EksRestRequest): Promise<EksAnswer> => {
    const r = route(req.method, req.url);
    if (r === undefined) throw new EksError('InvalidRequestException', `The sandbox does not serve ${req.method} ${req.url}`);
    const found = await describeCluster(req, r.cluster);
    if (!('arn' in found)) return found;
    const [, partition = 'aws', , region = req.region, accountId = ''] = found.arn.split(':');
    const state = stateFor({ partition, accountId, region, name: r.cluster }, found.createdAt);
    if (found.status !== 'ACTIVE' && found.status !== 'UPDATING') {
      throw new EksError('InvalidRequestException', `Cluster ${r.cluster} is ${found.status}, not ACTIVE`, { clusterName: r.cluster });
    }
    const roles = rolesFor(req);
    const id = r.id ?? '';
    switch (r.operation) {
      case 'CreatePodIdentityAssociation':
        return okAnswer({ association: await createAssociation(state.podIdentity, state.ref, parseBody(req.body), roles) });
      case 'ListPodIdentityAssociations':
        return okAnswer(listAssociations(state.podIdentity, r.query));
      case 'DescribePodIdentityAssociation':
        return okAnswer({ association: describeAssociation(state.podIdentity, r.cluster, id) });
      case 'UpdatePodIdentityAssociation':
        return okAnswer({ association: await updateAssociation(state.podIdentity, state.ref, id, parseBody(req.body), roles) });
      case 'DeletePodIdentityAssociation':
        return okAnswer({ association: deleteAssociation(state.podIdentity, r.cluster, id) });
      case 'CreateAddon':
        return okAnswer({
          addon: await createAddon(state.addons, state.podIdentity, { ...state.ref, kubernetesVersion: found.version }, parseBody(req.body), roles),
        });
      case 'ListAddons':
        return okAnswer(listAddons(state.addons, r.query));
      case 'DescribeAddon':
        return okAnswer({ addon: describeAddon(state.addons, state.ref, id) });
    }
  };

  /** STS AssumeRole in moto, as the caller (EKS's own identity is not modelled). */
  const assumeRoleFor =
    (req: EksRestRequest) =>
    async (roleArn: string, sessionName: string): Promise<AssumedSession> => {
      const res = await fetch(motoUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8', authorization: fakeAuthorization(req.accessKeyId, req.region, 'sts') },
        body: new URLSearchParams({ Action: 'AssumeRole', RoleArn: roleArn, RoleSessionName: sessionName, Version: '2011-06-15' }).toString(),
        signal: AbortSignal.timeout(30_000),
      });
      const xml = await res.text();
      if (!res.ok) throw new EksAuthError('AccessDeniedException', `STS AssumeRole of ${roleArn} failed: HTTP ${res.status}`);
      const tag = (name: string): string => unescapeXml(new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1] ?? '');
      return {
        arn: tag('Arn'),
        assumeRoleId: tag('AssumedRoleId'),
        credentials: { accessKeyId: tag('AccessKeyId'), secretAccessKey: tag('SecretAccessKey'), sessionToken: tag('SessionToken'), expiration: Date.parse(tag('Expiration')) / 1000 },
      };
    };

  const serveEksAuth = async (req: EksRestRequest, verifyToken: ((token: string) => ServiceAccountTokenClaims | undefined) | undefined): Promise<EksAnswer> => {
    const name = decodeURIComponent(EKS_AUTH_PATH.exec(new URL(req.url, 'http://proxy').pathname)?.[1] ?? '');
    const found = await describeCluster(req, name);
    if (!('arn' in found)) throw new EksAuthError('ResourceNotFoundException', `No cluster found for name: ${name}`);
    const [, partition = 'aws', , region = req.region, accountId = ''] = found.arn.split(':');
    const state = stateFor({ partition, accountId, region, name }, found.createdAt);
    let body: unknown;
    try {
      body = JSON.parse(req.body.toString('utf8'));
    } catch {
      throw new EksAuthError('InvalidParameterException', 'The request body is not JSON');
    }
    const answer = await assumeRoleForPodIdentity(
      { cluster: state.ref, associations: [...state.podIdentity.associations.values()], roles: rolesFor(req), assumeRole: assumeRoleFor(req), ...(verifyToken !== undefined ? { verifyToken } : {}) },
      body,
    );
    return okAnswer(answer);
  };

  return {
    async handleEksAuth(req, verifyToken) {
      try {
        return await serveEksAuth(req, verifyToken);
      } catch (err) {
        if (err instanceof EksAuthError) return eksAuthErrorAnswer(err);
        return eksAuthErrorAnswer(new EksAuthError('InternalServerException', `sandbox: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
    async handle(req) {
      try {
        return await serve(req);
      } catch (err) {
        if (err instanceof EksError) return errorAnswer(err);
        return errorAnswer(new EksError('ServerException', `sandbox: ${err instanceof Error ? err.message : String(err)}`));
      }
    },
    decorateCluster(cluster) {
      const [, partition = 'aws', , region = '', accountId = '', resource = ''] = String(cluster.arn ?? '').split(':');
      const state = clusters.get(keyOf({ accountId, region, name: resource.replace(/^cluster\//, '') }));
      if (state?.autoMode !== true) return;
      cluster.computeConfig = { enabled: true, nodePools: ['general-purpose', 'system'], nodeRoleArn: `arn:${partition}:iam::${accountId}:role/AmazonEKSAutoNodeRole` };
      cluster.storageConfig = { blockStorage: { enabled: true } };
      const network = cluster.kubernetesNetworkConfig;
      cluster.kubernetesNetworkConfig = { ...(network !== null && typeof network === 'object' ? network : {}), elasticLoadBalancing: { enabled: true } };
    },
    setAutoMode(cluster, enabled) {
      stateOfKey(cluster).autoMode = enabled;
    },
    removeAddon(cluster, addonName) {
      const state = stateOfKey(cluster);
      removeAddon(state.addons, state.podIdentity, addonName);
    },
    associations: (cluster) => [...stateOfKey(cluster).podIdentity.associations.values()],
    lagIamPropagation(lookups) {
      unpropagatedLookups = lookups;
    },
  };
}
