import pLimit from 'p-limit';
import type { AwsPorts, PodIdentityAssociationInfo, RoleInfo, StackRecord } from '../aws/ports.js';
import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { isForbidden } from '../k8s/errors.js';
import { IrsaError } from '../errors.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import { selectMatching, type SaFilter } from '../config/filter.js';
import { parseRoleArn, providerArnFor } from '../model/arns.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { ADDON_NAME_TAG, CLUSTER_NAME_TAG, LEGACY_CLUSTER_NAME_TAG, ROLE_OUTPUT } from '../model/naming.js';
import { POD_IDENTITY_AGENT_ADDON } from '../model/pod-identity.js';
import { IRSA_ROLE_TAG, isMigrationAssociation, type ClusterFacts, type MigrationFacts, type RoleLookup, type RoleOwner, type ServiceAccountFacts } from '../migration/facts.js';
import type { ClusterSession } from '../runtime/cluster-session.js';
import { irsaStacks } from '../services/stacks.js';

// The migration's facts, read through the ports (read-only): the cluster's Pod Identity prerequisites, its annotated
// ServiceAccounts and the ServiceAccounts of the migration's own associations, their roles and who owns them.

const CONCURRENCY = 8;
const WINDOWS = { label: 'kubernetes.io/os', value: 'windows' };

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

async function clusterFacts(session: ClusterSession, kube: KubePort): Promise<ClusterFacts> {
  const { aws, info } = session;
  const [agent, fargateProfiles] = await Promise.all([aws.eks.describeAddon(session.name, POD_IDENTITY_AGENT_ADDON), aws.eks.listFargateProfiles(session.name)]);
  let windowsNodes: string[] = [];
  let nodesUnreadable: string | undefined;
  try {
    windowsNodes = (await kube.listNodes()).filter((n) => n.labels[WINDOWS.label] === WINDOWS.value).map((n) => n.name);
  } catch (err) {
    if (!isForbidden(err)) throw err;
    nodesUnreadable = messageOf(err);
  }
  return {
    name: session.name,
    region: session.region,
    partition: info.partition,
    accountId: info.accountId,
    autoMode: info.autoMode === true,
    ...(session.oidc !== undefined ? { oidc: { providerArn: providerArnFor(session.oidc, info.accountId), issuerHostPath: session.oidc.issuerHostPath } } : {}),
    ...(agent !== undefined ? { agent } : {}),
    fargateProfiles,
    windowsNodes,
    ...(nodesUnreadable !== undefined ? { nodesUnreadable } : {}),
  };
}

/** Who may change the role: the iamserviceaccount stack of this cluster whose Role1 it is, an add-on, another stack, or IAM. */
async function ownerOf(aws: AwsPorts, role: RoleInfo, stacks: () => Promise<Map<string, StackRecord>>): Promise<RoleOwner> {
  const addon = role.tags[ADDON_NAME_TAG];
  if (addon !== undefined) return { kind: 'addon', addon };
  const stack = [...(await stacks()).values()].find((s) => s.outputs[ROLE_OUTPUT] === role.arn);
  if (stack !== undefined) {
    return { kind: 'stack', stackName: stack.stackName, template: parseLiveTemplate(await aws.cfn.getTemplate(stack.stackName)), tags: stack.tags, capabilities: stack.capabilities };
  }
  const cluster = role.tags[CLUSTER_NAME_TAG] ?? role.tags[LEGACY_CLUSTER_NAME_TAG];
  if (cluster !== undefined) return { kind: 'foreign-stack', reason: `its eksctl tags name cluster "${cluster}", and no iamserviceaccount stack of this cluster has it` };
  return { kind: 'iam' };
}

/** --include/--exclude over what the cluster has: an include that matches none is the cluster's answer (exit 1), not bad usage. */
function selectAnnotated<T extends { namespace: string; name: string }>(all: T[], filter: SaFilter): T[] {
  try {
    return selectMatching(all, (s) => `${s.namespace}/${s.name}`, filter, 'annotated ServiceAccount');
  } catch (err) {
    if (err instanceof IrsaError && err.code === 'CONFIG') throw new IrsaError('NOT_FOUND', err.message, { cause: err });
    throw err;
  }
}

export interface GatherOptions {
  filter: SaFilter;
}

export async function gatherMigrationFacts(session: ClusterSession, opts: GatherOptions): Promise<MigrationFacts> {
  const { aws } = session;
  const kube = await session.kube();
  const [cluster, serviceAccounts, summaries] = await Promise.all([clusterFacts(session, kube), kube.listServiceAccounts(), aws.eks.listPodIdentityAssociations(session.name)]);
  const limit = pLimit(CONCURRENCY);
  const associations = (await Promise.all(summaries.map((s) => limit(() => aws.eks.describePodIdentityAssociation(session.name, s.associationId))))).filter(
    (a): a is PodIdentityAssociationInfo => a !== undefined,
  );
  const associationOf = new Map(associations.map((a) => [`${a.namespace}/${a.serviceAccount}`, a]));
  const associationsByRole: Record<string, string[]> = {};
  for (const a of associations) if (a.ownerArn === undefined) (associationsByRole[a.roleArn] ??= []).push(`${a.namespace}/${a.serviceAccount}`);

  // The annotated ServiceAccounts, and those whose annotation the migration's cut-over removed (its association says so).
  const byId = new Map<string, { namespace: string; name: string; sa?: ServiceAccountObject }>();
  for (const sa of serviceAccounts) if (sa.annotations[ROLE_ARN_ANNOTATION] !== undefined) byId.set(`${sa.namespace}/${sa.name}`, { namespace: sa.namespace, name: sa.name, sa });
  const saById = new Map(serviceAccounts.map((sa) => [`${sa.namespace}/${sa.name}`, sa]));
  for (const a of associations) {
    const id = `${a.namespace}/${a.serviceAccount}`;
    if (isMigrationAssociation(a) && !byId.has(id)) {
      const sa = saById.get(id);
      byId.set(id, { namespace: a.namespace, name: a.serviceAccount, ...(sa !== undefined ? { sa } : {}) });
    }
  }
  const all = [...byId.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
  const selected = selectAnnotated(all, opts.filter);

  let stacksPromise: Promise<Map<string, StackRecord>> | undefined;
  const stacks = () => (stacksPromise ??= irsaStacks(aws.cfn, session.name).then((s) => s.owned));
  const roles = new Map<string, Promise<RoleInfo | undefined>>();
  const getRole = (name: string) => {
    let hit = roles.get(name);
    if (hit === undefined) roles.set(name, (hit = aws.iam.getRole(name)));
    return hit;
  };

  const facts = await Promise.all(
    selected.map((s) =>
      limit(async (): Promise<ServiceAccountFacts> => {
        const id = `${s.namespace}/${s.name}`;
        const association = associationOf.get(id);
        const roleArn = s.sa?.annotations[ROLE_ARN_ANNOTATION] ?? (association !== undefined && isMigrationAssociation(association) ? association.tags[IRSA_ROLE_TAG] : undefined);
        const parsed = roleArn === undefined ? undefined : parseRoleArn(roleArn);
        let role: RoleLookup;
        if (parsed === undefined) role = { kind: 'bad-arn' };
        else if (parsed.accountId !== cluster.accountId) role = { kind: 'other-account', accountId: parsed.accountId };
        else {
          const found = await getRole(parsed.name);
          role = found === undefined ? { kind: 'missing' } : { kind: 'found', role: found, owner: await ownerOf(aws, found, stacks) };
        }
        return {
          namespace: s.namespace,
          name: s.name,
          ...(s.sa !== undefined ? { serviceAccount: s.sa } : {}),
          ...(roleArn !== undefined ? { roleArn } : {}),
          role,
          ...(association !== undefined ? { association } : {}),
        };
      }),
    ),
  );
  return { cluster, serviceAccounts: facts, associationsByRole };
}
