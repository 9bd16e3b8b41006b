import pLimit from 'p-limit';
import type { PodIdentityAssociationInfo, StackRecord } from '../aws/ports.js';
import type { ResolvedConfig } from '../config/types.js';
import { isCreateFailure, isInProgress, isStuck, stuckNextStep } from '../cfn/stack-status.js';
import { EKSCTL_VERSION_TAG, ROLE_OUTPUT } from '../model/naming.js';
import { podIdentityId } from '../model/pod-identity.js';
import { table, toJson, toYaml } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import { openCluster, type ConnectionOptions } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';
import { podIdentityStacks } from '../services/stacks.js';

// `get podidentityassociation`: as eksctl's getter (ListPodIdentityAssociations, then DescribePodIdentityAssociation
// each), plus the role stacks irsactl or eksctl made (one ListStacks) for a STATUS column.

/** Describes a few at a time: EKS throttles a burst of hundreds. */
const DESCRIBE_CONCURRENCY = 8;

export interface GetPodIdentityOptions extends ConnectionOptions {
  output: 'table' | 'json' | 'yaml';
}

/** One association as listed: what EKS says, and the role stack irsactl or eksctl made for it, if any. */
export interface ListedAssociation {
  association: PodIdentityAssociationInfo;
  stack?: StackRecord;
}

/** The add-on that owns an association: `arn:aws:eks:<region>:<account>:addon/<cluster>/<addon>/<uuid>`. */
export const addonOfOwner = (ownerArn: string): string => /:addon\/[^/]+\/([^/]+)/.exec(ownerArn)?.[1] ?? ownerArn;

/**
 * STATUS: what is wrong first (an add-on's, a role stack that is not usable, a role that is not the stack's), then
 * `ok`; what changes how pods get credentials is added after a `;` (session tags off, a target role).
 */
export function podIdentityHealth({ association: a, stack }: ListedAssociation): string {
  let health: string;
  if (a.ownerArn !== undefined) health = `owned by add-on ${addonOfOwner(a.ownerArn)}`;
  else if (stack === undefined) health = 'ok';
  else if (isStuck(stack.status)) health = `needs attention (${stack.status})`;
  else if (isInProgress(stack.status)) health = `role stack in progress (${stack.status})`;
  else if (isCreateFailure(stack.status) || stack.outputs[ROLE_OUTPUT] === undefined) health = `role stack failed (${stack.status})`;
  else if (stack.outputs[ROLE_OUTPUT] !== a.roleArn) health = "role is not its stack's";
  else health = 'ok';
  const notes = [...(a.disableSessionTags === true ? ['session tags disabled'] : []), ...(a.policy ? ['session policy'] : [])];
  return [health, ...notes].join('; ');
}

/** Who made the role stack, from eksctl's version tag (irsactl writes `irsactl-<version>` there). */
const stackMaker = (stack: StackRecord): 'irsactl' | 'eksctl' => (stack.tags[EKSCTL_VERSION_TAG]?.startsWith('irsactl-') ? 'irsactl' : 'eksctl');

export async function getPodIdentityAssociations(rt: Runtime, resolved: ResolvedConfig, opts: GetPodIdentityOptions): Promise<void> {
  const session = await openCluster(rt, { cluster: resolved.cluster.name, region: resolved.region, ...opts });
  const eks = session.aws.eks;
  // By flags EKS filters (exact match, as eksctl asks); from a file, the file's selected associations.
  const filter = resolved.lookup ? { ...(resolved.lookup.namespace ? { namespace: resolved.lookup.namespace } : {}), ...(resolved.lookup.name ? { serviceAccount: resolved.lookup.name } : {}) } : {};
  const wanted = resolved.lookup ? undefined : new Set(resolved.selectedPodIdentity.map(podIdentityId));
  const [summaries, stacks] = await Promise.all([eks.listPodIdentityAssociations(session.name, filter), podIdentityStacks(session.aws.cfn, session.name)]);
  const limit = pLimit(DESCRIBE_CONCURRENCY);
  const described = await Promise.all(
    summaries
      .filter((s) => wanted === undefined || wanted.has(`${s.namespace}/${s.serviceAccount}`))
      .map((s) => limit(() => eks.describePodIdentityAssociation(session.name, s.associationId))),
  );
  const rows: ListedAssociation[] = described
    // undefined: deleted between the listing and the describe
    .flatMap((a) => (a === undefined ? [] : [{ association: a, ...optionalStack(stacks.owned.get(`${a.namespace}/${a.serviceAccount}`)) }]))
    .sort((x, y) => `${x.association.namespace}/${x.association.serviceAccount}`.localeCompare(`${y.association.namespace}/${y.association.serviceAccount}`));

  for (const { association: a, stack } of rows) {
    const step = stack === undefined ? undefined : stuckNextStep(stack.status, stack.stackName, session.region);
    if (step !== undefined && stack !== undefined) rt.reporter.warn(`stack ${stack.stackName} is ${stack.status}: ${step}`, `${a.namespace}/${a.serviceAccount}`);
  }

  if (opts.output === 'table') {
    if (rows.length === 0) {
      rt.reporter.info('No pod identity associations found');
      return;
    }
    writeResult(
      rt.io,
      table(
        ['ASSOCIATION ARN', 'NAMESPACE', 'SERVICE ACCOUNT NAME', 'IAM ROLE ARN', 'OWNER ARN', 'TARGET ROLE ARN', 'STATUS'],
        rows.map((r) => {
          const a = r.association;
          return [a.associationArn, a.namespace, a.serviceAccount, a.roleArn, a.ownerArn ?? '', a.targetRoleArn ?? '', podIdentityHealth(r)];
        }),
      ),
    );
    return;
  }
  // eksctl's Summary keys (AssociationARN … OwnerARN), then every other field EKS gives and the role stack's
  const items = rows.map((r) => {
    const { association: a, stack } = r;
    return {
      AssociationARN: a.associationArn,
      Namespace: a.namespace,
      ServiceAccountName: a.serviceAccount,
      RoleARN: a.roleArn,
      OwnerARN: a.ownerArn ?? '',
      AssociationID: a.associationId,
      TargetRoleARN: a.targetRoleArn ?? '',
      DisableSessionTags: a.disableSessionTags === true,
      Policy: a.policy ?? '',
      ExternalID: a.externalId ?? '',
      Tags: a.tags,
      Status: {
        health: podIdentityHealth(r),
        ...(stack !== undefined ? { stackName: stack.stackName, stackStatus: stack.status, stackRoleARN: stack.outputs[ROLE_OUTPUT] ?? '', madeBy: stackMaker(stack) } : {}),
      },
    };
  });
  writeResult(rt.io, opts.output === 'json' ? toJson(items) : toYaml(items));
}

const optionalStack = (stack: StackRecord | undefined): { stack?: StackRecord } => (stack === undefined ? {} : { stack });
