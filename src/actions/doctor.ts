import pLimit from 'p-limit';
import type { AwsPorts, OidcProviderInfo, StackRecord } from '../aws/ports.js';
import type { KubePort, ServiceAccountObject } from '../k8s/ports.js';
import { isForbidden } from '../k8s/errors.js';
import { IrsaError } from '../errors.js';
import { ROLE_ARN_ANNOTATION } from '../model/kubernetes.js';
import { ROLE_OUTPUT } from '../model/naming.js';
import { toJson } from '../output/format.js';
import { writeResult } from '../output/reporter.js';
import {
  expectedAudience,
  type DoctorTarget,
  type LiveOutcome,
  type PodsLookup,
  type ProviderLookup,
  type RoleLookup,
  type ServiceAccountFacts,
  type WellKnownCoverage,
} from '../doctor/facts.js';
import { mechanismOf } from '../doctor/pod-identity-checks.js';
import { runChecks } from '../doctor/checks.js';
import { parseLiveTemplate } from '../cfn/diff.js';
import { coverage, wellKnownGrants } from '../cfn/policy-coverage.js';
import { upstreamPolicy } from '../cfn/well-known-policies.js';
import { parseRoleArn, providerArnFor } from '../model/arns.js';
import { buildReport, renderText, reportToJson, summaryLine } from '../doctor/render.js';
import { openCluster, requireOidc, type ClusterTarget } from '../runtime/cluster-session.js';
import type { Runtime } from '../runtime/runtime.js';
import { irsaStacks } from '../services/stacks.js';
import { podIdentityFactsReader, roleLookup } from '../services/pod-identity-facts.js';
import { observeServiceAccounts } from './observe.js';

export interface DoctorOptions extends ClusterTarget {
  /** With name: one ServiceAccount (namespace default "default"). */
  name?: string;
  namespace?: string;
  /** Exact ServiceAccounts (from a ClusterConfig file); wins over name/namespace. */
  serviceAccounts?: { namespace: string; name: string }[];
  live: boolean;
  output: 'text' | 'json';
}

const LIVE_SESSION_NAME = 'irsactl-doctor';
const CONCURRENCY = 4;

/** Memoises one async lookup per key: many ServiceAccounts share a role, provider or namespace. */
function memo<T>(fn: (key: string) => Promise<T>): (key: string) => Promise<T> {
  const cache = new Map<string, Promise<T>>();
  return (key) => {
    let hit = cache.get(key);
    if (hit === undefined) {
      hit = fn(key);
      cache.set(key, hit);
    }
    return hit;
  };
}

const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));

interface Selected {
  namespace: string;
  name: string;
  sa?: ServiceAccountObject;
}

const byId = (a: Selected, b: Selected) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name);

/**
 * Which ServiceAccounts to examine: one by name, the file's, or every one in a namespace or the cluster that is
 * annotated or has a Pod Identity association (`associated`: their `<ns>/<name>`s; an association's ServiceAccount
 * may not exist).
 */
async function selectServiceAccounts(kube: KubePort, opts: DoctorOptions, associated: Set<string>): Promise<Selected[]> {
  if (opts.serviceAccounts !== undefined) {
    const found = await observeServiceAccounts(kube, opts.serviceAccounts);
    return opts.serviceAccounts.map((s) => ({ ...s, sa: found.get(`${s.namespace}/${s.name}`) }));
  }
  if (opts.name !== undefined) {
    const namespace = opts.namespace ?? 'default';
    return [{ namespace, name: opts.name, sa: await kube.getServiceAccount(namespace, opts.name) }];
  }
  const all = await kube.listServiceAccounts(opts.namespace);
  const chosen = new Map<string, Selected>();
  for (const sa of all) {
    const id = `${sa.namespace}/${sa.name}`;
    if (sa.annotations[ROLE_ARN_ANNOTATION] !== undefined || associated.has(id)) chosen.set(id, { namespace: sa.namespace, name: sa.name, sa });
  }
  for (const id of associated) {
    const [namespace = '', name = ''] = id.split('/');
    if (!chosen.has(id)) chosen.set(id, { namespace, name });
  }
  return [...chosen.values()].sort(byId);
}

/** ListPodIdentityAssociations' filter for what the run examines: one ServiceAccount, a namespace, or all (a file's). */
function associationFilter(opts: DoctorOptions): { namespace?: string; serviceAccount?: string } {
  if (opts.serviceAccounts !== undefined) return {};
  if (opts.name !== undefined) return { namespace: opts.namespace ?? 'default', serviceAccount: opts.name };
  return opts.namespace !== undefined ? { namespace: opts.namespace } : {};
}

/** Read-only: gathers facts through the ports, runs the pure checks, prints; throws CHECK_FAILED after printing if any check failed. */
export async function doctor(rt: Runtime, opts: DoctorOptions): Promise<void> {
  const session = await openCluster(rt, opts);
  const oidc = requireOidc(session);
  const aws: AwsPorts = session.aws;
  const caller = await aws.sts.getCallerIdentity();
  const target: DoctorTarget = { cluster: session.name, region: session.region, oidc, callerAccount: caller.account };
  const kube = await session.kube();

  const getRole = memo(async (name: string) => aws.iam.getRole(name));
  // The cluster's associations (one listing): which ServiceAccounts get Pod Identity instead of their annotation.
  const podIdentity = podIdentityFactsReader({ aws, kube, cluster: session.info, callerAccount: caller.account, getRole, live: opts.live }, associationFilter(opts));
  const associated = await podIdentity.associated();
  if (associated === undefined) rt.reporter.warn("could not list the cluster's pod identity associations, so the mechanism is unknown (see the mechanism check)");
  const selected = await selectServiceAccounts(kube, opts, associated ?? new Set());
  rt.reporter.debug(`examining ${selected.length} ServiceAccount(s)`);

  const providerArns = memo(async () => aws.iam.listOidcProviderArns());
  const getProvider = memo(async (arn: string) => aws.iam.getOidcProvider(arn));
  const podsIn = memo(async (namespace: string): Promise<PodsLookup> => {
    try {
      return { kind: 'listed', pods: await kube.listPods(namespace) };
    } catch (err) {
      if (isForbidden(err)) return { kind: 'forbidden', message: messageOf(err) };
      throw err;
    }
  });

  const lookupRole = roleLookup(getRole, caller.account);

  const providerFor = async (account: string): Promise<ProviderLookup> => {
    if (account !== caller.account) return { kind: 'unverifiable' };
    const arn = providerArnFor(oidc, account);
    const found: OidcProviderInfo | undefined = await getProvider(arn);
    if (found !== undefined) return { kind: 'found', provider: found };
    return { kind: 'missing', otherArns: await providerArns('') };
  };

  // The cluster's iamserviceaccount stacks, found once (ListStacks, then DescribeStacks by name) for every ServiceAccount.
  const stacks = memo(async () => {
    try {
      return (await irsaStacks(aws.cfn, session.name)).owned;
    } catch (err) {
      // The stacks only improve the fix text; a CloudFormation permission gap must not stop the doctor.
      rt.reporter.debug(`could not list stacks: ${messageOf(err)}`);
      return new Map<string, StackRecord>();
    }
  });
  const managedStackOf = async (namespace: string, name: string, roleArn: string): Promise<string | undefined> => {
    const stack = (await stacks('')).get(`${namespace}/${name}`);
    return stack !== undefined && stack.outputs[ROLE_OUTPUT] === roleArn ? stack.stackName : undefined;
  };

  // The stack's well-known inline policies against each controller's newest catalogued document (policies outdated's comparison).
  const wellKnownCoverageOf = async (stackName: string): Promise<WellKnownCoverage[] | undefined> => {
    try {
      const grants = wellKnownGrants(parseLiveTemplate(await aws.cfn.getTemplate(stackName)));
      return [...grants].flatMap(([key, actions]) => {
        const file = upstreamPolicy(key);
        return file ? [{ policy: key, version: file.version, missing: coverage(actions, file.document).missing }] : [];
      });
    } catch (err) {
      // Like the stacks: only extra information, so a permission gap must not stop the doctor.
      rt.reporter.debug(`could not read the template of ${stackName}: ${messageOf(err)}`);
      return undefined;
    }
  };

  const live = async (namespace: string, name: string, sa: ServiceAccountObject | undefined, role: RoleLookup): Promise<LiveOutcome> => {
    if (!opts.live) return { kind: 'not-requested' };
    const roleArn = sa?.annotations[ROLE_ARN_ANNOTATION];
    const parsed = roleArn === undefined ? undefined : parseRoleArn(roleArn);
    if (sa === undefined || parsed === undefined) return { kind: 'not-run', reason: 'no ServiceAccount with a valid role ARN annotation' };
    if (role.kind === 'missing') return { kind: 'not-run', reason: 'the role does not exist' };
    let token: string;
    try {
      token = await kube.createToken(namespace, name, expectedAudience(sa));
    } catch (err) {
      if (isForbidden(err)) return { kind: 'token-forbidden', message: messageOf(err) };
      return { kind: 'token-failed', message: messageOf(err) };
    }
    try {
      const assumed = await aws.sts.assumeRoleWithWebIdentity({ roleArn: parsed.arn, token, sessionName: LIVE_SESSION_NAME });
      return { kind: 'assumed', ...assumed };
    } catch (err) {
      return { kind: 'sts-failed', message: messageOf(err) };
    }
  };

  const limit = pLimit(CONCURRENCY);
  const reports = await Promise.all(
    selected.map((s) =>
      limit(async () => {
        const sa = s.sa;
        const roleArn = sa?.annotations[ROLE_ARN_ANNOTATION];
        const parsed = roleArn === undefined ? undefined : parseRoleArn(roleArn);
        const pi = await podIdentity.factsFor(s.namespace, s.name, sa);
        const association = pi.association;
        const pods = sa !== undefined ? await podsIn(s.namespace) : ({ kind: 'listed', pods: [] } as PodsLookup);
        // IRSA's chain is read only when it can matter: an annotation, or nothing else to say why there are no credentials.
        const irsaRelevant = roleArn !== undefined || association.kind !== 'found';
        const role: RoleLookup = parsed !== undefined && irsaRelevant ? await lookupRole(parsed.arn) : { kind: 'missing' };
        const facts: ServiceAccountFacts = {
          namespace: s.namespace,
          name: s.name,
          ...(sa !== undefined ? { serviceAccount: sa } : {}),
          provider: irsaRelevant ? await providerFor(parsed?.accountId ?? oidc.accountId) : { kind: 'unverifiable' },
          role,
          pods,
          live: irsaRelevant ? await live(s.namespace, s.name, sa, role) : { kind: 'not-requested' },
          podIdentity: pi,
        };
        // Also for a missing role: a stack still naming it cannot be fixed by creating the service account again.
        if (irsaRelevant && role.kind !== 'unverifiable' && roleArn !== undefined) {
          const stack = await managedStackOf(s.namespace, s.name, role.kind === 'found' ? role.role.arn : roleArn);
          if (stack !== undefined) {
            facts.managedStack = stack;
            const coverage = await wellKnownCoverageOf(stack);
            if (coverage !== undefined) facts.wellKnownCoverage = coverage;
          }
        }
        return {
          namespace: s.namespace,
          name: s.name,
          roleArn: roleArn ?? null,
          mechanism: mechanismOf(facts),
          podIdentityAssociationId: association.kind === 'found' ? association.association.associationId : null,
          checks: runChecks(target, facts),
        };
      }),
    ),
  );

  const report = buildReport(session.name, session.region, reports);
  writeResult(rt.io, opts.output === 'json' ? toJson(reportToJson(report)) : renderText(report));
  if (report.summary.withProblems > 0) {
    throw new IrsaError('CHECK_FAILED', `doctor found problems: ${summaryLine(report)}`, {
      hint: opts.output === 'json' ? 'see the checks with status "fail" and their fix' : 'each ✖ above names its fix',
    });
  }
}
