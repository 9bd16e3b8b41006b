import type { WellKnownPolicies, WellKnownPolicyKey, WellKnownPolicySelection } from '../model/service-account.js';
import { IrsaError } from '../errors.js';
import { POLICY_VERSION, type CfnSub, type PolicyDocument, type PolicyStatement } from './policy.js';
import { EKSCTL_POLICIES, UPSTREAM_POLICIES, type UpstreamPolicyFile } from './policy-data.js';

// The well-known policies, in two profiles. "eksctl" (the default): eksctl's statements as its release renders them
// (policies/eksctl/, read from eksctl's Go source), so that templates from either tool diff clean. "upstream": the
// document each controller publishes, pinned to a catalogued controller version (policies/upstream/).

export interface InlinePolicy {
  /** CloudFormation logical ID, also the PolicyName suffix. */
  logicalId: string;
  document: PolicyDocument;
}

export const DEFAULT_SELECTION: WellKnownPolicySelection = { profile: 'eksctl', versions: {} };

/** The inline policy's logical ID per controller in the upstream profile (eksctl's where eksctl has one policy). */
const UPSTREAM_LOGICAL_IDS: Record<string, string> = {
  autoScaler: 'PolicyAutoScaling',
  awsLoadBalancerController: 'PolicyAWSLoadBalancerController',
  externalDNS: 'PolicyExternalDNS',
  certManager: 'PolicyCertManager',
  ebsCSIController: 'PolicyEBSCSIController',
  efsCSIController: 'PolicyEFSCSIController',
};

const managedArn = (name: string): CfnSub => ({ 'Fn::Sub': `arn:\${AWS::Partition}:iam::aws:policy/${name}` });

const inline = (logicalId: string, statements: readonly PolicyStatement[]): InlinePolicy => ({
  logicalId,
  // A copy: callers may edit the rendered template without touching the data.
  document: { Version: POLICY_VERSION, Statement: structuredClone(statements) as PolicyStatement[] },
});

/** The controllers catalogued in the upstream profile, with their versions, oldest first. */
export function upstreamVersions(controller: string): string[] {
  return (UPSTREAM_POLICIES.get(controller) ?? []).map((f) => f.version);
}

/** The upstream document for a controller at a version (the newest catalogued when none is named); undefined if unknown. */
export function upstreamPolicy(controller: string, version?: string): UpstreamPolicyFile | undefined {
  const files = UPSTREAM_POLICIES.get(controller) ?? [];
  return version === undefined ? files[files.length - 1] : files.find((f) => f.version === version);
}

/** Whether every pinned version is a catalogued one under the upstream profile (templates render only then). */
export function selectionRenders(sel: WellKnownPolicySelection | undefined): boolean {
  if (sel === undefined) return true;
  return Object.entries(sel.versions).every(([k, v]) => sel.profile === 'upstream' && upstreamVersions(k).includes(v));
}

/** The profile a key renders with: upstream needs a catalogued document; imageBuilder has none, so it stays eksctl's. */
const usesUpstream = (key: WellKnownPolicyKey, sel: WellKnownPolicySelection): boolean =>
  sel.profile === 'upstream' && UPSTREAM_POLICIES.has(key);

function upstreamFor(key: WellKnownPolicyKey, sel: WellKnownPolicySelection): UpstreamPolicyFile {
  const version = sel.versions[key];
  const file = upstreamPolicy(key, version);
  // Config rules reject unknown versions first; this guards other callers.
  if (!file) throw new IrsaError('CONFIG', `no ${key} policy for version ${version}; known: ${upstreamVersions(key).join(', ')}`);
  return file;
}

/**
 * An upstream document in template form: every `arn:aws:` ARN becomes an Fn::Sub of `${AWS::Partition}`, so one
 * template serves every partition (a literal `${` in such a string is escaped as Fn::Sub requires).
 */
export function partitionNeutral(value: unknown): unknown {
  if (typeof value === 'string') {
    return value.startsWith('arn:aws:') ? { 'Fn::Sub': `arn:\${AWS::Partition}:${value.slice(8).replaceAll('${', '${!')}` } : value;
  }
  if (Array.isArray(value)) return value.map(partitionNeutral);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, partitionNeutral(v)]));
  }
  return value;
}

const enabledKeys = (wk: WellKnownPolicies): WellKnownPolicyKey[] =>
  (Object.keys(EKSCTL_POLICIES.wellKnownPolicies) as WellKnownPolicyKey[]).filter((k) => wk[k]);

/** Well-known managed policy ARNs in eksctl's order (imageBuilder, then ebsCSIController). */
export function wellKnownManagedPolicyArns(wk: WellKnownPolicies, sel: WellKnownPolicySelection = DEFAULT_SELECTION): CfnSub[] {
  return enabledKeys(wk)
    .filter((k) => !usesUpstream(k, sel))
    .flatMap((k) => EKSCTL_POLICIES.wellKnownPolicies[k]?.managed ?? [])
    .map(managedArn);
}

/** Well-known inline policies in eksctl's resource order. */
export function wellKnownInlinePolicies(wk: WellKnownPolicies, sel: WellKnownPolicySelection = DEFAULT_SELECTION): InlinePolicy[] {
  return enabledKeys(wk).flatMap((k) => {
    if (usesUpstream(k, sel)) {
      const doc = upstreamFor(k, sel).document;
      return [inline(UPSTREAM_LOGICAL_IDS[k] ?? `Policy${k}`, partitionNeutral(doc.Statement) as PolicyStatement[])];
    }
    return (EKSCTL_POLICIES.wellKnownPolicies[k]?.inline ?? []).map((p) => inline(p.logicalId, p.statements as PolicyStatement[]));
  });
}
