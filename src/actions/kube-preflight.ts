import type { KubePort } from '../k8s/ports.js';
import type { Plan } from './plan.js';

/**
 * What would stop the Kubernetes step, found before any stack is made for it: a namespace being deleted (nothing new
 * can be created in it) and writes the identity may not make (RBAC), asked with SelfSubjectAccessReviews.
 * One GET per namespace (its phase, reused by the executor) and at most two reviews.
 */
export interface KubePreflight {
  /** the phase of every namespace looked at; undefined: it does not exist */
  namespaces: Map<string, 'Active' | 'Terminating' | undefined>;
  /** each one a full sentence naming the namespace, the service accounts and the fix */
  problems: string[];
}

/** The phase of each namespace; undefined: it does not exist. Asked while AWS answers: it needs no plan. */
export async function namespacePhases(kube: KubePort, namespaces: Iterable<string>): Promise<Map<string, 'Active' | 'Terminating' | undefined>> {
  const unique = [...new Set(namespaces)];
  const phases = await Promise.all(unique.map((ns) => kube.namespacePhase(ns)));
  return new Map(unique.map((ns, i) => [ns, phases[i]]));
}

/** `phases`: from namespacePhases, for (at least) the plan's namespaces; any missing is asked here. */
export async function kubePreflight(kube: KubePort, plan: Plan, phases?: Map<string, 'Active' | 'Terminating' | undefined>): Promise<KubePreflight> {
  const byNamespace = new Map<string, { creates: string[]; annotates: string[] }>();
  for (const item of plan.items) {
    const step = item.serviceAccount.action;
    if (step !== 'create' && step !== 'annotate') continue;
    if (item.stack.action === 'blocked' || item.stack.action === 'skip') continue;
    const entry = byNamespace.get(item.spec.namespace) ?? { creates: [], annotates: [] };
    (step === 'create' ? entry.creates : entry.annotates).push(item.id);
    byNamespace.set(item.spec.namespace, entry);
  }
  const namespaces = new Map<string, 'Active' | 'Terminating' | undefined>();
  const problems: string[] = [];
  // A review that cannot be made (an API without it) decides nothing: the write itself will say.
  const mayI = async (verb: string, resource: string, namespace?: string) => kube.mayI(verb, resource, namespace).catch(() => true);
  await Promise.all(
    [...byNamespace].map(async ([ns, { creates, annotates }]) => {
      const phase = phases?.has(ns) ? phases.get(ns) : await kube.namespacePhase(ns);
      namespaces.set(ns, phase);
      const ids = [...creates, ...annotates].join(', ');
      if (phase === 'Terminating') {
        problems.push(`namespace ${ns} is being deleted (Terminating): nothing can be created in it, so ${ids} cannot be set up — wait until it is gone and run again, or use another namespace`);
        return;
      }
      if (phase === undefined && !(await mayI('create', 'namespaces'))) {
        problems.push(`namespace ${ns} does not exist and this identity may not create namespaces (RBAC "create" on "namespaces", cluster-wide), needed for ${ids} — create it first (kubectl create namespace ${ns}) or grant that permission`);
        return;
      }
      if (creates.length > 0 && !(await mayI('create', 'serviceaccounts', ns))) {
        problems.push(`this identity may not create ServiceAccounts in namespace ${ns} (RBAC "create" on "serviceaccounts"), needed for ${creates.join(', ')} — grant it with a Role and RoleBinding, or an EKS access policy`);
      }
      if (annotates.length > 0 && !(await mayI('patch', 'serviceaccounts', ns))) {
        problems.push(`this identity may not patch ServiceAccounts in namespace ${ns} (RBAC "patch" on "serviceaccounts"), needed to annotate ${annotates.join(', ')} — grant it with a Role and RoleBinding, or an EKS access policy`);
      }
    }),
  );
  problems.sort();
  return { namespaces, problems };
}
