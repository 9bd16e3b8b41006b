import pLimit from 'p-limit';
import type { ResolvedConfig } from '../config/types.js';
import type { StackRecord } from '../aws/ports.js';
import type { ServiceAccountObject } from '../k8s/ports.js';
import { saId } from '../model/service-account.js';
import { IrsaError } from '../errors.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { isCreateFailure, isInProgress, isStuck, stuckNextStep } from '../cfn/stack-status.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import { summarizeTemplate, type PolicySummary } from '../cfn/summary.js';
import { table, toJson, toYaml } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import { openClusterWith, type ConnectionOptions } from '../runtime/cluster-session.js';
import { irsaStacks } from '../services/stacks.js';
import { observeServiceAccounts } from './observe.js';
import type { Runtime } from '../runtime/runtime.js';
import { roleProblems, type RoleProblem } from './role-health.js';
import { shellCommand } from '../model/suggested-commands.js';
import { MECHANISM_LABEL, mechanismInEffect, type Mechanism } from '../model/mechanism.js';

/** The health of one iamserviceaccount, derived from its stack and its ServiceAccount. */
export type Health = 'ok' | 'missing serviceaccount' | 'stale annotation' | 'stack failed' | 'needs attention' | 'in progress' | 'unknown' | RoleProblem;

/** `roleProblem`: what IAM says is wrong with the stack's role (see role-health.ts), ahead of the ServiceAccount. */
export function healthOf(stack: StackRecord, sa: ServiceAccountObject | undefined | null, roleProblem?: RoleProblem): Health {
  const roleArn = stack.outputs[ROLE_OUTPUT];
  // a status no run of irsactl and no amount of waiting changes (UPDATE_ROLLBACK_FAILED, REVIEW_IN_PROGRESS, …)
  if (isStuck(stack.status)) return 'needs attention';
  if (isInProgress(stack.status)) return 'in progress';
  if (isCreateFailure(stack.status) || !roleArn) return 'stack failed';
  if (roleProblem !== undefined) return roleProblem;
  if (sa === null) return 'unknown';
  if (!sa) return 'missing serviceaccount';
  return sa.annotations[ROLE_ARN_ANNOTATION] === roleArn ? 'ok' : 'stale annotation';
}

export interface GetOptions extends ConnectionOptions {
  output: 'table' | 'json' | 'yaml';
  /** list the stacks with STATUS unknown and exit 0 when Kubernetes cannot be read */
  ignoreKubernetesErrors?: boolean;
}

export async function getIamServiceAccounts(rt: Runtime, resolved: ResolvedConfig, opts: GetOptions): Promise<void> {
  // The stack listing needs only the cluster's name: it goes beside DescribeCluster.
  const opened = await openClusterWith(rt, { cluster: resolved.cluster.name, region: resolved.region, ...opts }, (aws) => irsaStacks(aws.cfn, resolved.cluster.name));
  const session = opened.session;
  const stacks = (await opened.lookups).owned;
  const wanted = resolved.lookup ? undefined : new Set(resolved.selected.map(saId));
  const rows = [...stacks.entries()]
    .filter(([id]) => {
      const [ns, name] = id.split('/');
      if (resolved.lookup?.name && name !== resolved.lookup.name) return false;
      if (resolved.lookup?.namespace && ns !== resolved.lookup.namespace) return false;
      return !wanted || wanted.has(id);
    })
    .sort(([a], [b]) => a.localeCompare(b));

  // The ServiceAccounts, for the STATUS column; a cluster we cannot read still lists the stacks.
  let sas = new Map<string, ServiceAccountObject | undefined>();
  let kubeError: IrsaError | undefined;
  if (rows.length > 0) {
    try {
      sas = await observeServiceAccounts(await session.kube(), rows.map(([id]) => ({ namespace: id.split('/')[0]!, name: id.split('/')[1]! })));
    } catch (err) {
      // Only the API's own failures make STATUS unknown; a kubeconfig that does not load or is for another cluster is an error.
      if (!(err instanceof IrsaError && err.code === 'KUBERNETES')) throw err;
      kubeError = err;
      rt.reporter.warn(`could not read ServiceAccounts, STATUS is unknown: ${err.message}`);
    }
  }
  // The stacks are still listed; then a cluster irsactl could not read is a failure unless the user said otherwise.
  const failOnKube = () => {
    if (!kubeError || opts.ignoreKubernetesErrors) return;
    throw new IrsaError('KUBERNETES', `STATUS is unknown: ${kubeError.message}`, {
      cause: kubeError,
      hint: `${kubeError.hint ? `${kubeError.hint}; or ` : ''}pass --ignore-kubernetes-errors to list the stacks with STATUS unknown and exit 0`,
    });
  };
  // The roles as IAM has them: a role deleted or edited outside CloudFormation is not "ok".
  let roles = new Map<string, RoleProblem>();
  if (rows.length > 0 && session.oidc) {
    try {
      roles = await roleProblems(session.aws.iam, { cluster: session.name, region: session.region, oidc: session.oidc, accountId: session.info.accountId }, rows, sas);
    } catch (err) {
      if (!(err instanceof IrsaError && err.code === 'AWS')) throw err;
      rt.reporter.warn(`could not read the roles from IAM, so STATUS does not check them: ${err.message}`);
    }
  }
  // Which mechanism the pods use: an EKS Pod Identity association for the ServiceAccount wins over its annotation.
  let associations: Map<string, string> | undefined = new Map();
  if (rows.length > 0) {
    try {
      associations = new Map((await session.aws.eks.listPodIdentityAssociations(session.name, resolved.lookup?.namespace ? { namespace: resolved.lookup.namespace } : {})).map((a) => [`${a.namespace}/${a.serviceAccount}`, a.associationId]));
    } catch (err) {
      if (!(err instanceof IrsaError && err.code === 'AWS')) throw err;
      associations = undefined;
      rt.reporter.warn(`could not list the cluster's pod identity associations, so MECHANISM is unknown: ${err.message}`);
    }
  }
  // Every row is an iamserviceaccount stack: IRSA unless an association wins (a missing annotation is its STATUS).
  const mechanismOf = (id: string): Mechanism => mechanismInEffect(associations === undefined ? undefined : associations.has(id), true);
  for (const [id] of rows) {
    const association = associations?.get(id);
    if (association !== undefined) {
      rt.reporter.warn(`pod identity association ${association} is for this ServiceAccount: its pods get that association's role, not this IRSA role (delete one of the two unless you are migrating)`, id);
    }
  }
  const health = (id: string, s: StackRecord) => healthOf(s, kubeError ? null : sas.get(id), roles.get(id));
  const nextStep = (s: StackRecord) => stuckNextStep(s.status, s.stackName, session.region);
  for (const [id, s] of rows) {
    const step = nextStep(s);
    if (step !== undefined) rt.reporter.warn(`stack ${s.stackName} is ${s.status}: ${step}`, id);
    const problem = roles.get(id);
    if (problem !== undefined) {
      const [namespace, name] = id.split('/') as [string, string];
      rt.reporter.warn(`${problem}: \`${shellCommand('irsactl', 'doctor', '--cluster', session.name, '--region', session.region, '--namespace', namespace, '--name', name)}\` names the fix`, id);
    }
  }

  if (opts.output === 'table') {
    if (rows.length === 0) {
      rt.reporter.info('No iamserviceaccounts found');
      return;
    }
    writeResult(
      rt.io,
      table(
        ['NAMESPACE', 'NAME', 'ROLE ARN', 'MECHANISM', 'STATUS'],
        rows.map(([id, s]) => {
          const [ns, name] = id.split('/') as [string, string];
          const h = health(id, s);
          return [ns, name, s.outputs[ROLE_OUTPUT] ?? '-', MECHANISM_LABEL[mechanismOf(id)], h === 'stack failed' || h === 'in progress' || h === 'needs attention' ? `${h} (${s.status})` : h];
        }),
      ),
    );
    return failOnKube();
  }

  // json/yaml: eksctl's shape plus the policies from the live template and the status.
  const limit = pLimit(8);
  const items = await Promise.all(
    rows.map(([id, s]) =>
      limit(async () => {
        const [namespace, name] = id.split('/') as [string, string];
        let policies: PolicySummary | undefined;
        try {
          policies = summarizeTemplate(parseLiveTemplate(await session.aws.cfn.getTemplate(s.stackId)), session.info.partition);
        } catch (err) {
          if (!(err instanceof IrsaError)) throw err;
          rt.reporter.warn(`could not read the template of ${s.stackName}: ${err.message}`);
        }
        const sa = sas.get(id);
        return {
          metadata: { name, namespace },
          ...(policies ?? {}),
          status: {
            roleARN: s.outputs[ROLE_OUTPUT],
            stackName: s.stackName,
            stackStatus: s.status,
            tags: s.tags,
            capabilities: s.capabilities,
            health: health(id, s),
            /** irsa, or pod-identity when an association for the ServiceAccount overrides the annotation */
            mechanism: mechanismOf(id),
            ...(associations?.get(id) !== undefined ? { podIdentityAssociationId: associations.get(id) } : {}),
            ...(nextStep(s) !== undefined ? { nextStep: nextStep(s) } : {}),
            serviceAccount: kubeError ? undefined : sa ? { exists: true, roleARN: sa.annotations[ROLE_ARN_ANNOTATION] } : { exists: false },
          },
        };
      }),
    ),
  );
  writeResult(rt.io, opts.output === 'json' ? toJson(items) : toYaml(items));
  failOnKube();
}
