import type { EksPort, PodIdentityAssociationFields, PodIdentityAssociationInfo } from '../aws/ports.js';
import { IrsaError } from '../errors.js';
import type { Narrator } from '../output/reporter.js';
import { POD_IDENTITY_SERVICE_PRINCIPAL } from '../model/pod-identity.js';

// The EKS side of a pod identity association: create (a ServiceAccount that has one already is read and, when it
// is ours to change, updated), update and delete, with EKS's refusals said readably. Plain arguments only.

export interface AssociationTarget {
  cluster: string;
  namespace: string;
  serviceAccount: string;
  /** `<ns>/<sa>`: the subject of each narration line */
  id: string;
}

export interface ExistingAssociationPolicy {
  /**
   * What to do with an association found in place of ours (ResourceInUse): the fields it should be updated with, or
   * a reason to leave it and fail. Called with what EKS has now.
   */
  decide(found: PodIdentityAssociationInfo): { update: Partial<PodIdentityAssociationFields> } | { unchanged: true } | { refuse: string; hint?: string };
}

/** How often, and how long apart, a create meets ResourceInUse with no association listed (EKS's eventual consistency after a delete). */
export interface CreateRetry {
  attempts: number;
  delayMs: number;
  sleep(ms: number): Promise<void>;
}

export const DEFAULT_CREATE_RETRY: CreateRetry = { attempts: 5, delayMs: 2000, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) };

/**
 * IAM is eventually consistent: EKS may not see a role (or its new trust policy) for some seconds after
 * CloudFormation made or changed it, and answers InvalidParameter "Role provided in the request does not exist" or
 * "Trust policy of the role provided is invalid". Those answers are retried for a role this run just made or changed
 * (never for a role the user named: a typo must fail at once), for about half a minute.
 */
export const IAM_PROPAGATION_ATTEMPTS = 15;

function isIamPropagationRefusal(err: unknown): boolean {
  return err instanceof IrsaError && err.awsCode === 'InvalidParameter' && /does not exist|trust policy/i.test(err.message);
}

async function whileIamPropagates<T>(narrator: Narrator, target: AssociationTarget, roleIsNew: boolean, retry: CreateRetry, call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      if (!roleIsNew || attempt >= IAM_PROPAGATION_ATTEMPTS || !isIamPropagationRefusal(err)) throw err;
      narrator.debug(`EKS does not see the role as IAM has it yet (${err instanceof Error ? err.message : String(err)}): trying again in ${retry.delayMs} ms`, target.id);
      await retry.sleep(retry.delayMs);
    }
  }
}

/** CreatePodIdentityAssociation; an association already there is left, updated or refused as `existing` decides. */
export async function createAssociation(
  eks: EksPort,
  narrator: Narrator,
  target: AssociationTarget,
  input: { fields: PodIdentityAssociationFields; tags: Record<string, string>; /** made or changed by this run: see whileIamPropagates */ roleIsNew?: boolean },
  existing: ExistingAssociationPolicy,
  retry: CreateRetry = DEFAULT_CREATE_RETRY,
): Promise<{ outcome: 'created' | 'updated' | 'unchanged'; association: PodIdentityAssociationInfo }> {
  for (let attempt = 1; ; attempt++) {
    const created = await refusalsReadable(target, input.fields.roleArn, () =>
      whileIamPropagates(narrator, target, input.roleIsNew === true, retry, () =>
        eks.createPodIdentityAssociation({ cluster: target.cluster, namespace: target.namespace, serviceAccount: target.serviceAccount, tags: input.tags, ...input.fields }),
      ),
    );
    if (created !== 'exists') {
      narrator.ok(`created pod identity association ${created.associationId} (role ${created.roleArn})`, target.id);
      return { outcome: 'created', association: created };
    }
    // Another run made it since the plan looked, or EKS still holds one deleted a moment ago.
    const found = await findAssociation(eks, target);
    if (found === undefined) {
      if (attempt >= retry.attempts) {
        throw new IrsaError('AWS', `EKS says serviceaccount ${target.id} has a pod identity association, but lists none (after ${attempt} attempts)`, {
          hint: 'EKS may still be removing an association deleted moments ago: run the same command again in a minute',
        });
      }
      narrator.debug(`EKS says an association exists but lists none: trying again in ${retry.delayMs} ms`, target.id);
      await retry.sleep(retry.delayMs);
      continue;
    }
    if (found.ownerArn !== undefined) {
      throw new IrsaError('PRECONDITION', `the association of ${target.id} (${found.associationId}) belongs to the EKS add-on ${found.ownerArn}: irsactl leaves it alone`, {
        hint: 'change it through that add-on (aws eks update-addon, or eksctl update addon)',
      });
    }
    const decision = existing.decide(found);
    if ('refuse' in decision) throw new IrsaError('PRECONDITION', decision.refuse, decision.hint !== undefined ? { hint: decision.hint } : {});
    if ('unchanged' in decision) {
      narrator.info(`pod identity association ${found.associationId} exists and is as asked`, target.id);
      return { outcome: 'unchanged', association: found };
    }
    const updated = await updateAssociation(eks, narrator, target, found.associationId, decision.update, { roleIsNew: input.roleIsNew === true, retry });
    return { outcome: 'updated', association: updated };
  }
}

export async function updateAssociation(
  eks: EksPort,
  narrator: Narrator,
  target: AssociationTarget,
  associationId: string,
  fields: Partial<PodIdentityAssociationFields>,
  propagation: { roleIsNew: boolean; retry?: CreateRetry } = { roleIsNew: false },
): Promise<PodIdentityAssociationInfo> {
  const updated = await refusalsReadable(target, fields.roleArn, () =>
    whileIamPropagates(narrator, target, propagation.roleIsNew, propagation.retry ?? DEFAULT_CREATE_RETRY, () => eks.updatePodIdentityAssociation(target.cluster, associationId, fields)),
  );
  narrator.ok(`updated pod identity association ${associationId} (${Object.keys(fields).join(', ')})`, target.id);
  return updated;
}

/** 'absent' when EKS has it no more. */
export async function deleteAssociation(eks: EksPort, narrator: Narrator, target: AssociationTarget, associationId: string): Promise<'deleted' | 'absent'> {
  const outcome = await eks.deletePodIdentityAssociation(target.cluster, associationId);
  if (outcome === 'deleted') narrator.ok(`deleted pod identity association ${associationId}`, target.id);
  else narrator.info(`pod identity association ${associationId} was deleted already`, target.id);
  return outcome;
}

/** The ServiceAccount's association, described (ListPodIdentityAssociations filtered to it, then Describe). */
export async function findAssociation(eks: EksPort, target: Omit<AssociationTarget, 'id'>): Promise<PodIdentityAssociationInfo | undefined> {
  const listed = await eks.listPodIdentityAssociations(target.cluster, { namespace: target.namespace, serviceAccount: target.serviceAccount });
  const summary = listed.find((a) => a.namespace === target.namespace && a.serviceAccount === target.serviceAccount);
  return summary === undefined ? undefined : eks.describePodIdentityAssociation(target.cluster, summary.associationId);
}

/** EKS's InvalidParameter answers about the role, in words that say what to change. */
async function refusalsReadable<T>(target: AssociationTarget, roleArn: string | undefined, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof IrsaError) || err.awsCode !== 'InvalidParameter') throw err;
    const role = roleArn ?? 'the role';
    if (/trust policy/i.test(err.message)) {
      throw new IrsaError('AWS', `EKS refused ${role} for serviceaccount ${target.id}: the role does not trust ${POD_IDENTITY_SERVICE_PRINCIPAL} (${err.message})`, {
        cause: err,
        hint: `let the role's trust policy allow the service principal ${POD_IDENTITY_SERVICE_PRINCIPAL} sts:AssumeRole and sts:TagSession (the roles irsactl and eksctl make do), or leave out --role-arn to have irsactl make one`,
      });
    }
    if (/does not exist/i.test(err.message)) {
      throw new IrsaError('AWS', `EKS refused ${role} for serviceaccount ${target.id}: no such role in the cluster's account (${err.message})`, {
        cause: err,
        hint: 'check the ARN; a role of another account goes in --target-role-arn, with a role of the cluster\'s account as --role-arn',
      });
    }
    throw new IrsaError('AWS', `EKS refused the pod identity association of serviceaccount ${target.id}: ${err.message}`, { cause: err, ...(err.hint !== undefined ? { hint: err.hint } : {}) });
  }
}
