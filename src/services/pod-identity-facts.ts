import type { AwsPorts, ClusterInfo, RoleInfo } from '../aws/ports.js';
import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { isForbidden } from '../k8s/errors.js';
import { IrsaError } from '../errors.js';
import { parseRoleArn } from '../model/arns.js';
import { POD_IDENTITY_AGENT_ADDON, POD_IDENTITY_SERVICE_PRINCIPAL } from '../model/pod-identity.js';
import type { AgentLookup, AssociationLookup, PodIdentityFacts, PodIdentityLiveOutcome, RoleLookup } from '../doctor/facts.js';

// The I/O behind the doctor's Pod Identity checks (src/doctor/pod-identity-checks.ts, pure): the cluster's
// associations listed once, each ServiceAccount's association described with its roles, the agent add-on read once,
// and --live's TokenRequest exchanged at EKS Auth. Read-only. The doctor and the migration's verification both use it.

export interface PodIdentityFactsSource {
  aws: Pick<AwsPorts, 'eks' | 'eksAuth'>;
  kube: KubePort;
  cluster: Pick<ClusterInfo, 'name' | 'autoMode'>;
  /** the account of the credentials: only there can IAM be read */
  callerAccount: string;
  /** GetRole, shared (and memoised) with the caller's other role reads; undefined when IAM has no such role */
  getRole(name: string): Promise<RoleInfo | undefined>;
  live: boolean;
}

export interface PodIdentityFactsReader {
  /** `<ns>/<name>`s that have an association; undefined when they could not be listed */
  associated(): Promise<Set<string> | undefined>;
  /** The ServiceAccount's Pod Identity facts (sa undefined: it does not exist). */
  factsFor(namespace: string, name: string, sa: ServiceAccountObject | undefined): Promise<PodIdentityFacts>;
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
const isAwsFailure = (err: unknown): err is IrsaError => err instanceof IrsaError && err.code === 'AWS';

/** A role by ARN as IAM has it: unverifiable in another account than the caller's, missing for a malformed ARN. */
export function roleLookup(getRole: (name: string) => Promise<RoleInfo | undefined>, callerAccount: string): (arn: string) => Promise<RoleLookup> {
  return async (arn) => {
    const parsed = parseRoleArn(arn);
    if (parsed === undefined) return { kind: 'missing' };
    if (parsed.accountId !== callerAccount) return { kind: 'unverifiable' };
    const found = await getRole(parsed.name);
    return found === undefined ? { kind: 'missing' } : { kind: 'found', role: found };
  };
}

/** `filter`: as ListPodIdentityAssociations takes it (a namespace, and a ServiceAccount name). */
export function podIdentityFactsReader(src: PodIdentityFactsSource, filter: { namespace?: string; serviceAccount?: string } = {}): PodIdentityFactsReader {
  let listing: Promise<Map<string, string> | { unknown: string }> | undefined;
  const list = () =>
    (listing ??= src.aws.eks.listPodIdentityAssociations(src.cluster.name, filter).then(
      (all) => new Map(all.map((a) => [`${a.namespace}/${a.serviceAccount}`, a.associationId])),
      (err: unknown) => {
        if (!isAwsFailure(err)) throw err;
        return { unknown: err.message };
      },
    ));

  let agentRead: Promise<AgentLookup> | undefined;
  const agent = () =>
    (agentRead ??= (async (): Promise<AgentLookup> => {
      if (src.cluster.autoMode === true) return { source: 'auto-mode' };
      try {
        const addon = await src.aws.eks.describeAddon(src.cluster.name, POD_IDENTITY_AGENT_ADDON);
        if (addon === undefined) return { source: 'missing' };
        return { source: 'addon', status: addon.status, ...(addon.version !== undefined ? { version: addon.version } : {}) };
      } catch (err) {
        if (!isAwsFailure(err)) throw err;
        return { source: 'unknown', message: err.message };
      }
    })());

  const lookupRole = roleLookup(src.getRole, src.callerAccount);

  const associationFor = async (id: string): Promise<AssociationLookup> => {
    const listed = await list();
    if (!(listed instanceof Map)) return { kind: 'unknown', message: listed.unknown };
    const associationId = listed.get(id);
    if (associationId === undefined) return { kind: 'none' };
    let association;
    try {
      association = await src.aws.eks.describePodIdentityAssociation(src.cluster.name, associationId);
    } catch (err) {
      // Listed but not readable (no eks:DescribePodIdentityAssociation): what it gives cannot be said.
      if (!isAwsFailure(err)) throw err;
      return { kind: 'unknown', message: err.message };
    }
    // Deleted between the listing and now: as if there were none.
    if (association === undefined) return { kind: 'none' };
    const role = await lookupRole(association.roleArn);
    if (association.targetRoleArn === undefined) return { kind: 'found', association, role };
    return { kind: 'found', association, role, targetRole: await lookupRole(association.targetRoleArn) };
  };

  /** What the Pod Identity agent does for a pod: a token for pods.eks.amazonaws.com exchanged at EKS Auth. */
  const live = async (namespace: string, name: string, sa: ServiceAccountObject | undefined, association: AssociationLookup): Promise<PodIdentityLiveOutcome> => {
    if (!src.live || association.kind !== 'found') return { kind: 'not-requested' };
    if (sa === undefined) return { kind: 'not-run', reason: 'the ServiceAccount does not exist' };
    let token: string;
    try {
      token = await src.kube.createToken(namespace, name, POD_IDENTITY_SERVICE_PRINCIPAL);
    } catch (err) {
      if (isForbidden(err)) return { kind: 'token-forbidden', message: messageOf(err) };
      return { kind: 'token-failed', message: messageOf(err) };
    }
    try {
      return { kind: 'assumed', ...(await src.aws.eksAuth.assumeRoleForPodIdentity(src.cluster.name, token)) };
    } catch (err) {
      if (!isAwsFailure(err)) throw err;
      return { kind: 'auth-failed', message: err.message };
    }
  };

  return {
    async associated() {
      const listed = await list();
      return listed instanceof Map ? new Set(listed.keys()) : undefined;
    },
    async factsFor(namespace, name, sa) {
      const association = await associationFor(`${namespace}/${name}`);
      return {
        association,
        agent: association.kind === 'found' ? await agent() : { source: 'unknown', message: 'not read: no association' },
        live: await live(namespace, name, sa, association),
      };
    },
  };
}
