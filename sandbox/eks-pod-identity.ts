import { randomInt, randomUUID } from 'node:crypto';
import { epochSeconds, EksError, page } from './eks-rest.js';

// EKS Pod Identity associations of one cluster, in memory: the five operations of the EKS API with the rules its
// model (botocore's eks/2017-11-01) documents, and the role checks EKS makes against IAM. moto has none of this.

/** A cluster as the association ARNs name it. */
export interface ClusterRef {
  partition: string;
  accountId: string;
  region: string;
  name: string;
}

/** What IAM says about a role, or undefined when it has none of that ARN. */
export type RoleLookup = (roleArn: string) => Promise<{ arn: string; trustPolicy: unknown } | undefined>;

export interface PodIdentityAssociation {
  clusterName: string;
  namespace: string;
  serviceAccount: string;
  roleArn: string;
  associationArn: string;
  associationId: string;
  tags: Record<string, string>;
  createdAt: number;
  modifiedAt: number;
  disableSessionTags: boolean;
  targetRoleArn?: string;
  externalId?: string;
  policy?: string;
  /** set when an add-on owns the association (CreateAddon's podIdentityAssociations) */
  ownerArn?: string;
}

export interface PodIdentityState {
  /** by ID, in creation order (the order ListPodIdentityAssociations pages in) */
  associations: Map<string, PodIdentityAssociation>;
  /** clientRequestToken → association ID: a retried create answers the association it made */
  tokens: Map<string, string>;
  /** association ID → its creation number: the key ListPodIdentityAssociations pages by, stable across deletes */
  seq: Map<string, number>;
  created: number;
}

export const newPodIdentityState = (): PodIdentityState => ({ associations: new Map(), tokens: new Map(), seq: new Map(), created: 0 });

/** EKS's quota of associations per cluster. */
const MAX_ASSOCIATIONS = 5000;
/** The session policy's limit (AWS's announcement of session policies; the model gives no length). */
export const MAX_SESSION_POLICY_CHARS = 2048;
const POD_IDENTITY_PRINCIPAL = 'pods.eks.amazonaws.com';
const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]+\/)?([\w+=,.@-]{1,64})$/;

const ID_CHARS = 'abcdefghijklmnopqrstuvwxyz0123456789';
/** `a-` and 17 lower-case letters and digits, as EKS's association IDs look. */
export const newAssociationId = (): string => `a-${Array.from({ length: 17 }, () => ID_CHARS[randomInt(ID_CHARS.length)]).join('')}`;

type Json = Record<string, unknown>;

function optionalString(body: Json, name: string): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new EksError('InvalidParameterException', `${name} must be a string`);
  return value;
}

function requiredString(body: Json, name: string): string {
  const value = optionalString(body, name);
  if (value === undefined || value === '') throw new EksError('InvalidParameterException', `${name} is required`);
  return value;
}

function optionalBoolean(body: Json, name: string): boolean | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new EksError('InvalidParameterException', `${name} must be a boolean`);
  return value;
}

/** The tag rules the model documents: at most 50, keys 1–128 and values up to 256 characters, no `aws:` prefix. */
export function validTags(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw new EksError('InvalidParameterException', 'tags must be a map');
  const tags = Object.entries(value as Json);
  if (tags.length > 50) throw new EksError('InvalidParameterException', 'A resource can have at most 50 tags');
  for (const [key, tagValue] of tags) {
    if (typeof tagValue !== 'string') throw new EksError('InvalidParameterException', `The value of tag ${key} must be a string`);
    if (key.length < 1 || key.length > 128) throw new EksError('InvalidParameterException', `Tag key ${key} must be 1 to 128 characters`);
    if (tagValue.length > 256) throw new EksError('InvalidParameterException', `The value of tag ${key} must be at most 256 characters`);
    if (/^aws:/i.test(key) || /^aws:/i.test(tagValue)) throw new EksError('InvalidParameterException', `Tag ${key}: the aws: prefix is reserved for AWS use`);
  }
  return Object.fromEntries(tags) as Record<string, string>;
}

const asList = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);
/** IAM's action match: case-insensitive, `*` and `?` as wildcards. */
const actionMatches = (pattern: string, action: string): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i').test(action);

/**
 * Whether a trust policy lets EKS Pod Identity in: Allow statements naming the service principal
 * `pods.eks.amazonaws.com` grant, between them, both sts:AssumeRole and sts:TagSession (conditions are not judged).
 */
export function trustsPodIdentity(trustPolicy: unknown): boolean {
  if (trustPolicy === null || typeof trustPolicy !== 'object') return false;
  const actions = asList((trustPolicy as Json).Statement).flatMap((s) => {
    if (s === null || typeof s !== 'object') return [];
    const statement = s as Json;
    const principal = statement.Principal;
    const services = principal !== null && typeof principal === 'object' ? asList((principal as Json).Service) : [];
    if (statement.Effect !== 'Allow' || !services.includes(POD_IDENTITY_PRINCIPAL)) return [];
    return asList(statement.Action).filter((a): a is string => typeof a === 'string');
  });
  return ['sts:AssumeRole', 'sts:TagSession'].every((needed) => actions.some((a) => actionMatches(a, needed)));
}

/** EKS's checks of the association's role: it exists in the cluster's account, and it trusts Pod Identity. */
export async function checkAssociationRole(roleArn: string, cluster: ClusterRef, roles: RoleLookup): Promise<void> {
  const parsed = ROLE_ARN.exec(roleArn);
  if (parsed === null) throw new EksError('InvalidParameterException', `Role ARN ${roleArn} is not valid`);
  // The association's role must be in the cluster's account (EKS passes it); other accounts go through targetRoleArn.
  const role = parsed[1] === cluster.accountId ? await roles(roleArn) : undefined;
  if (role === undefined || role.arn !== roleArn) throw new EksError('InvalidParameterException', 'Role provided in the request does not exist');
  if (!trustsPodIdentity(role.trustPolicy)) {
    throw new EksError('InvalidParameterException', 'Trust policy of the role provided is invalid. Follow the official documentation to resolve the issue.');
  }
}

function checkTargetRoleArn(targetRoleArn: string): void {
  if (!ROLE_ARN.test(targetRoleArn)) throw new EksError('InvalidParameterException', `Target role ARN ${targetRoleArn} is not valid`);
}

/** A session policy: JSON, at most 2,048 characters, and only with session tags disabled (the model's rule). */
function checkSessionPolicy(policy: string | undefined, disableSessionTags: boolean): void {
  if (policy === undefined) return;
  if (policy.length > MAX_SESSION_POLICY_CHARS) {
    throw new EksError('InvalidParameterException', `policy must be at most ${MAX_SESSION_POLICY_CHARS} characters; it has ${policy.length}`);
  }
  let document: unknown;
  try {
    document = JSON.parse(policy);
  } catch {
    throw new EksError('InvalidParameterException', 'policy is not a valid JSON policy document');
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) {
    throw new EksError('InvalidParameterException', 'policy is not a valid JSON policy document');
  }
  if (!disableSessionTags) throw new EksError('InvalidParameterException', 'disableSessionTags must be true when a policy is specified');
}

function notFound(id: string, clusterName: string): EksError {
  return new EksError('ResourceNotFoundException', `Pod Identity Association ${id} not found in cluster ${clusterName}`, { clusterName });
}

function find(state: PodIdentityState, id: string, clusterName: string): PodIdentityAssociation {
  const association = state.associations.get(id);
  if (association === undefined) throw notFound(id, clusterName);
  return association;
}

function notOwned(association: PodIdentityAssociation): void {
  if (association.ownerArn !== undefined) {
    throw new EksError(
      'InvalidRequestException',
      `Pod Identity Association ${association.associationId} is owned by ${association.ownerArn}: change it through that add-on`,
      { clusterName: association.clusterName },
    );
  }
}

export async function createAssociation(
  state: PodIdentityState,
  cluster: ClusterRef,
  body: Json,
  roles: RoleLookup,
  opts: { now?: number; ownerArn?: string } = {},
): Promise<PodIdentityAssociation> {
  const token = optionalString(body, 'clientRequestToken');
  const retried = token !== undefined ? state.associations.get(state.tokens.get(token) ?? '') : undefined;
  if (retried !== undefined) return retried;

  const namespace = requiredString(body, 'namespace');
  const serviceAccount = requiredString(body, 'serviceAccount');
  const roleArn = requiredString(body, 'roleArn');
  const targetRoleArn = optionalString(body, 'targetRoleArn');
  const policy = optionalString(body, 'policy');
  const disableSessionTags = optionalBoolean(body, 'disableSessionTags') ?? false;
  const tags = validTags(body.tags);
  if (targetRoleArn !== undefined) checkTargetRoleArn(targetRoleArn);
  checkSessionPolicy(policy, disableSessionTags);

  const existing = [...state.associations.values()].find((a) => a.namespace === namespace && a.serviceAccount === serviceAccount);
  if (existing !== undefined) {
    throw new EksError('ResourceInUseException', `Association already exists: ${existing.associationId}`, { clusterName: cluster.name });
  }
  if (state.associations.size >= MAX_ASSOCIATIONS) {
    throw new EksError('ResourceLimitExceededException', `A cluster can have at most ${MAX_ASSOCIATIONS} Pod Identity associations`, { clusterName: cluster.name });
  }
  await checkAssociationRole(roleArn, cluster, roles);

  const now = epochSeconds(opts.now ?? Date.now());
  const associationId = newAssociationId();
  const association: PodIdentityAssociation = {
    clusterName: cluster.name,
    namespace,
    serviceAccount,
    roleArn,
    associationArn: `arn:${cluster.partition}:eks:${cluster.region}:${cluster.accountId}:podidentityassociation/${cluster.name}/${associationId}`,
    associationId,
    tags,
    createdAt: now,
    modifiedAt: now,
    disableSessionTags,
    ...(targetRoleArn !== undefined ? { targetRoleArn, externalId: randomUUID() } : {}),
    ...(policy !== undefined ? { policy } : {}),
    ...(opts.ownerArn !== undefined ? { ownerArn: opts.ownerArn } : {}),
  };
  state.associations.set(associationId, association);
  state.seq.set(associationId, state.created++);
  if (token !== undefined) state.tokens.set(token, associationId);
  return association;
}

export function describeAssociation(state: PodIdentityState, clusterName: string, id: string): PodIdentityAssociation {
  return find(state, id, clusterName);
}

/** ListPodIdentityAssociations: summaries (no roleArn, times or tags), filtered by namespace and ServiceAccount, paged. */
export function listAssociations(state: PodIdentityState, query: URLSearchParams): { associations: Json[]; nextToken?: string } {
  const namespace = query.get('namespace');
  const serviceAccount = query.get('serviceAccount');
  const matching = [...state.associations.values()]
    .map((a) => ({ a, key: String(state.seq.get(a.associationId) ?? 0).padStart(8, '0') }))
    .filter(({ a }) => (namespace === null || a.namespace === namespace) && (serviceAccount === null || a.serviceAccount === serviceAccount));
  const { items, nextToken } = page(matching, query, (m) => m.key);
  const associations = items.map(({ a }) => ({
    clusterName: a.clusterName,
    namespace: a.namespace,
    serviceAccount: a.serviceAccount,
    associationArn: a.associationArn,
    associationId: a.associationId,
    ...(a.ownerArn !== undefined ? { ownerArn: a.ownerArn } : {}),
  }));
  return nextToken !== undefined ? { associations, nextToken } : { associations };
}

/**
 * UpdatePodIdentityAssociation: the role, the target role (an empty string removes it), disableSessionTags and the
 * session policy (an empty string removes it); at least one of them. The namespace and ServiceAccount cannot change.
 */
export async function updateAssociation(
  state: PodIdentityState,
  cluster: ClusterRef,
  id: string,
  body: Json,
  roles: RoleLookup,
  opts: { now?: number } = {},
): Promise<PodIdentityAssociation> {
  const current = find(state, id, cluster.name);
  notOwned(current);
  const roleArn = optionalString(body, 'roleArn');
  const targetRoleArn = optionalString(body, 'targetRoleArn');
  const policy = optionalString(body, 'policy');
  const disableSessionTags = optionalBoolean(body, 'disableSessionTags');
  if (roleArn === undefined && targetRoleArn === undefined && policy === undefined && disableSessionTags === undefined) {
    throw new EksError('InvalidParameterException', 'An update must change at least one of roleArn, targetRoleArn, disableSessionTags or policy', {
      clusterName: cluster.name,
    });
  }
  if (targetRoleArn !== undefined && targetRoleArn !== '') checkTargetRoleArn(targetRoleArn);
  const { targetRoleArn: oldTarget, externalId: oldExternalId, policy: oldPolicy, ...rest } = current;
  const target = targetRoleArn === undefined ? oldTarget : targetRoleArn === '' ? undefined : targetRoleArn;
  const sessionPolicy = policy === undefined ? oldPolicy : policy === '' ? undefined : policy;
  const tagsOff = disableSessionTags ?? current.disableSessionTags;
  checkSessionPolicy(sessionPolicy, tagsOff);
  if (roleArn !== undefined) await checkAssociationRole(roleArn, cluster, roles);

  const updated: PodIdentityAssociation = {
    ...rest,
    roleArn: roleArn ?? current.roleArn,
    disableSessionTags: tagsOff,
    modifiedAt: epochSeconds(opts.now ?? Date.now()),
    // The external ID belongs to the association: it stays while there is a target role, whichever it is.
    ...(target !== undefined ? { targetRoleArn: target, externalId: oldExternalId ?? randomUUID() } : {}),
    ...(sessionPolicy !== undefined ? { policy: sessionPolicy } : {}),
  };
  state.associations.set(id, updated);
  return updated;
}

export function deleteAssociation(state: PodIdentityState, clusterName: string, id: string): PodIdentityAssociation {
  const association = find(state, id, clusterName);
  notOwned(association);
  forgetAssociation(state, id);
  return association;
}

/** Drops an association whatever owns it: for its add-on going away, not for a caller's delete. */
export function forgetAssociation(state: PodIdentityState, id: string): void {
  state.associations.delete(id);
  state.seq.delete(id);
}
