import { isManagedFile } from '../cfn/policy-data.js';
import { controllerPolicyFile } from '../cfn/well-known-policies.js';
import {
  WELL_KNOWN_POLICY_KEYS,
  type ClusterModel,
  type ServiceAccountSpec,
  type WellKnownPolicies,
  type WellKnownPolicyProfile,
  type WellKnownPolicySelection,
} from '../model/service-account.js';
import type { Locator } from './problems.js';
import type { PodIdentityAssociationSpec } from '../model/pod-identity.js';
import type { RawClusterConfig, RawPodIdentityAssociation, RawServiceAccount } from './schema.js';

// The written document → the model the rules, plans and templates use: eksctl's defaults, and nothing said twice.

const emptyToUndefined = (s: string | null | undefined): string | undefined => (s ? s : undefined);

function normalizeWellKnown(raw: RawServiceAccount['wellKnownPolicies'] | RawPodIdentityAssociation['wellKnownPolicies']): WellKnownPolicies {
  const out = Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, raw?.[k] ?? false]));
  return out as WellKnownPolicies;
}

/** The SA's profile, else the cluster's; pinned versions or inputs alone mean the upstream profile. Unset: eksctl's, left out. */
function normalizeSelection(raw: Pick<RawServiceAccount | RawPodIdentityAssociation, 'wellKnownPolicyProfile' | 'wellKnownPolicyVersions' | 'wellKnownPolicyInputs'>, clusterProfile: WellKnownPolicyProfile | undefined): WellKnownPolicySelection | undefined {
  const versions = Object.fromEntries(Object.entries(raw.wellKnownPolicyVersions ?? {}).filter(([, v]) => v)) as WellKnownPolicySelection['versions'];
  const inputs = Object.fromEntries(Object.entries(raw.wellKnownPolicyInputs ?? {}).filter(([, v]) => v)) as NonNullable<WellKnownPolicySelection['inputs']>;
  const pinned = Object.keys(versions).length > 0 || Object.keys(inputs).length > 0;
  const profile = raw.wellKnownPolicyProfile ?? clusterProfile ?? (pinned ? 'upstream' : undefined);
  if (profile === undefined) return undefined;
  return Object.keys(inputs).length > 0 ? { profile, versions, inputs } : { profile, versions };
}

export function normalizeServiceAccount(raw: RawServiceAccount, clusterProfile?: WellKnownPolicyProfile): ServiceAccountSpec {
  const spec: ServiceAccountSpec = {
    name: raw.metadata?.name ?? '',
    // eksctl's defaulting: an unset or empty namespace is "default".
    namespace: raw.metadata?.namespace || 'default',
    labels: raw.metadata?.labels ?? {},
    annotations: raw.metadata?.annotations ?? {},
    attachPolicyARNs: raw.attachPolicyARNs ?? [],
    wellKnownPolicies: normalizeWellKnown(raw.wellKnownPolicies),
    roleOnly: raw.roleOnly ?? false,
    tags: raw.tags ?? {},
  };
  // eksctl treats "" like unset for these; leaving the keys out keeps the model minimal.
  if (raw.attachPolicy != null) spec.attachPolicy = raw.attachPolicy;
  const controllers = Object.entries(raw.controllerPolicies ?? {}).map(([name, c]) => ({
    name,
    ...(c?.version ? { version: c.version } : {}),
    inputs: c?.inputs ?? {},
  }));
  if (controllers.length > 0) spec.controllerPolicies = controllers;
  const selection = normalizeSelection(raw, clusterProfile);
  if (selection !== undefined) spec.wellKnownPolicySelection = selection;
  const optional = {
    attachRoleARN: emptyToUndefined(raw.attachRoleARN),
    permissionsBoundary: emptyToUndefined(raw.permissionsBoundary),
    roleName: emptyToUndefined(raw.roleName),
    subjectPattern: emptyToUndefined(raw.subjectPattern),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) spec[k as keyof typeof optional] = v;
  return spec;
}

/** A controller input the catalogue fills from the cluster (Karpenter's clusterName), when the file leaves it out. */
function withClusterInputs(spec: ServiceAccountSpec, clusterName: string): ServiceAccountSpec {
  if (!spec.controllerPolicies || clusterName === '') return spec;
  for (const cp of spec.controllerPolicies) {
    const file = controllerPolicyFile(cp.name, cp.version);
    const inputs = file && !isManagedFile(file) ? (file.inputs ?? {}) : {};
    for (const [name, input] of Object.entries(inputs)) if (input.fromCluster && cp.inputs[name] === undefined) cp.inputs[name] = clusterName;
  }
  return spec;
}

/** eksctl's defaults for one association: no namespace default (eksctl requires it), "" like unset. */
export function normalizePodIdentityAssociation(raw: RawPodIdentityAssociation, clusterProfile?: WellKnownPolicyProfile): PodIdentityAssociationSpec {
  const spec: PodIdentityAssociationSpec = {
    namespace: raw.namespace ?? '',
    serviceAccountName: raw.serviceAccountName ?? '',
    createServiceAccount: raw.createServiceAccount ?? false,
    permissionPolicyARNs: raw.permissionPolicyARNs ?? [],
    wellKnownPolicies: normalizeWellKnown(raw.wellKnownPolicies),
    tags: raw.tags ?? {},
  };
  if (raw.permissionPolicy != null) spec.permissionPolicy = raw.permissionPolicy;
  const selection = normalizeSelection(raw, clusterProfile);
  if (selection !== undefined) spec.wellKnownPolicySelection = selection;
  // disableSessionTags and policy keep "written or not": unset leaves a live association's value as it is
  if (raw.disableSessionTags != null) spec.disableSessionTags = raw.disableSessionTags;
  if (raw.policy != null) spec.policy = raw.policy;
  const optional = {
    roleARN: emptyToUndefined(raw.roleARN),
    roleName: emptyToUndefined(raw.roleName),
    permissionsBoundaryARN: emptyToUndefined(raw.permissionsBoundaryARN),
    permissionPolicyName: emptyToUndefined(raw.permissionPolicyName),
    targetRoleARN: emptyToUndefined(raw.targetRoleARN),
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) spec[k as keyof typeof optional] = v;
  return spec;
}

/** Defaults applied before any rule or include/exclude glob looks at the model (eksctl checks include globs before defaulting the namespace, so an SA without one is "/name" to them). */
export function normalizeCluster(raw: RawClusterConfig, defaultWithOIDC: boolean): ClusterModel {
  const model: ClusterModel = {
    name: raw.metadata?.name ?? '',
    tags: raw.metadata?.tags ?? {},
    withOIDC: raw.iam?.withOIDC ?? defaultWithOIDC,
    serviceAccounts: (raw.iam?.serviceAccounts ?? []).map((sa) =>
      withClusterInputs(normalizeServiceAccount(sa, raw.iam?.wellKnownPolicyProfile ?? undefined), raw.metadata?.name ?? ''),
    ),
  };
  const region = emptyToUndefined(raw.metadata?.region);
  if (region !== undefined) model.region = region;
  const associations = raw.iam?.podIdentityAssociations;
  if (associations != null) model.podIdentityAssociations = associations.map((p) => normalizePodIdentityAssociation(p, raw.iam?.wellKnownPolicyProfile ?? undefined));
  return model;
}

/**
 * Repeated attachPolicyARNs are one attachment in IAM: collapse them (keeping the first) and say so.
 * Pure: returns a new model.
 */
export function collapseDuplicatePolicyArns(model: ClusterModel, loc: Locator): { cluster: ClusterModel; warnings: string[] } {
  const warnings: string[] = [];
  const serviceAccounts = model.serviceAccounts.map((sa, i) => {
    const unique = [...new Set(sa.attachPolicyARNs)];
    if (unique.length === sa.attachPolicyARNs.length) return sa;
    const repeated = [...new Set(sa.attachPolicyARNs.filter((arn, k) => sa.attachPolicyARNs.indexOf(arn) !== k))];
    warnings.push(
      `${loc.where(['iam', 'serviceAccounts', i, 'attachPolicyARNs'])}: ${repeated.map((a) => `"${a}"`).join(', ')} ${repeated.length === 1 ? 'is' : 'are'} listed more than once; attached once`,
    );
    return { ...sa, attachPolicyARNs: unique };
  });
  return { cluster: { ...model, serviceAccounts }, warnings };
}
