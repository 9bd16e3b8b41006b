import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { isConflict } from '../k8s/errors.js';
import type { Narrator } from '../output/reporter.js';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { mergeServiceAccount, newServiceAccount, releaseServiceAccount, type DesiredServiceAccount } from '../k8s/service-account.js';

// The Kubernetes side of a service account: its namespace, made once per run; the ServiceAccount written with the
// role annotation (re-read and merged again on a conflict); and what a delete does to it. Plain arguments only.

/** Makes a namespace once per run, however many service accounts of it run at the same time. */
export type EnsureNamespace = (kube: KubePort, namespace: string) => Promise<void>;

/** `known`: the namespaces whose phase the preflight read (undefined: it does not exist), so existing ones need no GET. */
export function namespaceMaker(narrator: Narrator, known?: ReadonlyMap<string, 'Active' | 'Terminating' | undefined>): EnsureNamespace {
  const made = new Map<string, Promise<void>>();
  return (kube, ns) => {
    let p = made.get(ns);
    if (!p) {
      p = (async () => {
        const exists = known?.has(ns) ? known.get(ns) !== undefined : await kube.namespaceExists(ns);
        if (!exists) {
          await kube.createNamespace(ns);
          narrator.ok(`created namespace ${ns}`);
        }
      })();
      made.set(ns, p);
    }
    return p;
  };
}

/** How many times a write that meets a conflict reads the object again and retries. */
const MAX_ATTEMPTS = 5;

export interface ServiceAccountWrite {
  desired: DesiredServiceAccount;
  /** the object as the plan saw it, which stands for the first read (undefined: it did not exist) */
  observed?: ServiceAccountObject;
  /** may an existing object not yet annotated with this role be annotated? */
  mayAnnotateExisting: boolean;
}

/** Creates the ServiceAccount or merges the role annotation (and the file's labels/annotations) into it. */
export async function upsertServiceAccount(kube: KubePort, narrator: Narrator, ensureNamespace: EnsureNamespace, w: ServiceAccountWrite): Promise<'created' | 'annotated' | 'unchanged' | 'skipped'> {
  const { namespace, name } = w.desired;
  const id = `${namespace}/${name}`;
  const roleArn = w.desired.annotations[ROLE_ARN_ANNOTATION];
  await ensureNamespace(kube, namespace);
  // Someone else may change the object between our read and write: re-read and merge again on a 409.
  for (let attempt = 1; ; attempt++) {
    // The plan's observation (one list per namespace) stands for the first attempt: no GET before the write.
    // If the object changed since, the write's 409 (resourceVersion, or AlreadyExists) sends us round to read again.
    const current = attempt === 1 ? w.observed : await kube.getServiceAccount(namespace, name);
    try {
      if (!current) {
        await kube.createServiceAccount(newServiceAccount(w.desired));
        narrator.ok(`created serviceaccount ${id}`, id);
        return 'created';
      }
      if (!w.mayAnnotateExisting && current.annotations[ROLE_ARN_ANNOTATION] !== roleArn) {
        narrator.warn('serviceaccount appeared in Kubernetes while irsactl worked: left untouched (use --override-existing-serviceaccounts to annotate it)', id);
        return 'skipped';
      }
      const merged = mergeServiceAccount(current, w.desired, { addManagedBy: false });
      if (!merged.changed) {
        narrator.info(`serviceaccount ${id} is up to date`, id);
        return 'unchanged';
      }
      await kube.patchServiceAccountMetadata(merged.next);
      narrator.ok(`annotated serviceaccount ${id} with ${roleArn}`, id);
      return 'annotated';
    } catch (err) {
      if (isConflict(err) && attempt < MAX_ATTEMPTS) {
        narrator.debug(`conflict writing serviceaccount ${id}: reading it again`, id);
        continue;
      }
      throw err;
    }
  }
}

export interface ServiceAccountRelease {
  namespace: string;
  name: string;
  /** the role the ServiceAccount may point at: its stack's output, or attachRoleARN */
  roleArn?: string;
  /** whether the service account had an iamserviceaccount stack (deleted by now, or being deleted) */
  hadStack: boolean;
  /** the roles of this cluster's iamserviceaccount stacks: without a stack, only an object annotated with one is released */
  clusterRoleArns?: ReadonlySet<string>;
}

/**
 * What a delete does to the ServiceAccount: deletes an object irsactl or eksctl manages, strips the role annotation
 * from one it does not, and keeps one that points elsewhere or that irsactl never had anything to do with.
 */
export async function releaseOnDelete(kube: KubePort, narrator: Narrator, r: ServiceAccountRelease): Promise<{ outcome: 'deleted' | 'annotation-removed' | 'kept' | 'absent'; note?: string }> {
  const id = `${r.namespace}/${r.name}`;
  const sa = await kube.getServiceAccount(r.namespace, r.name);
  if (!sa) return { outcome: 'absent' };
  const annotated = sa.annotations[ROLE_ARN_ANNOTATION];
  if (!r.hadStack && r.roleArn === undefined && !(annotated !== undefined && r.clusterRoleArns?.has(annotated)) && sa.labels[MANAGED_BY_LABEL] !== MANAGED_BY_VALUE) {
    // No stack, no role of ours, and not an object irsactl created (as with --attach-role-arn): irsactl made
    // nothing here, so it touches nothing (the object may be Terraform's, or eksctl's for some other role).
    const note = annotated === undefined ? 'no iamserviceaccount stack for it, and it names no role' : `no iamserviceaccount stack for it, and its role ${annotated} is not one of this cluster's iamserviceaccount roles`;
    narrator.info(`nothing of irsactl's to delete for ${id}: ${note}; left untouched`, id);
    return { outcome: 'kept', note };
  }
  const d = releaseServiceAccount(sa, r.roleArn ?? (r.hadStack ? undefined : annotated));
  if (d.action === 'delete') {
    await kube.deleteServiceAccount(r.namespace, r.name);
    narrator.ok(`deleted serviceaccount ${id}`, id);
    return { outcome: 'deleted' };
  }
  if (d.action === 'strip-annotation') {
    await kube.patchServiceAccountMetadata(d.next);
    narrator.ok(`removed the role annotation from serviceaccount ${id} (not managed by irsactl: the object stays)`, id);
    return { outcome: 'annotation-removed' };
  }
  narrator.info(`kept serviceaccount ${id}: ${d.reason}`, id);
  return { outcome: 'kept', note: d.reason };
}
