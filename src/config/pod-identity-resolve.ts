import { IrsaError } from '../errors.js';
import { podIdentityId } from '../model/pod-identity.js';
import { WELL_KNOWN_POLICY_KEYS, type WellKnownPolicyKey } from '../model/service-account.js';
import { cfnRoleArnProblems, regionMismatchProblems } from './file-checks.js';
import { selectMatching, splitGlobList, type SaFilter } from './filter.js';
import { NO_FILTER, arnListFromFlag, fileOnlyFlagProblems, tagsFromFlag } from './from-flags.js';
import { intentFor } from './intent.js';
import { API_VERSION, KIND, nearestKey } from './keys.js';
import { isNamespace, isServiceAccountName } from './names.js';
import { normalizeCluster } from './normalize.js';
import { podIdentityFlagsFor, podIdentityFlagsLocator } from './pod-identity-flags.js';
import { validatePodIdentityModel } from './pod-identity-rules.js';
import { problemsToError, shownPath, usage, type Locator, type Problem } from './problems.js';
import { parseConfigSource, parseRawDocument, type RawClusterConfig, type RawPodIdentityAssociation } from './schema.js';
import type { ConfigFlags, ConfigSource, PodIdentityCommandKind, ResolvedConfig } from './types.js';

// `create|update|delete|get podidentityassociation`: flags build the iam.podIdentityAssociations[] entry a file
// would hold, and the same schema and rules check both (pod-identity-rules.ts), every problem at once.

/**
 * Flags or a file → one ResolvedConfig whose selectedPodIdentity is what the command acts on (get by flags: none,
 * and `lookup` says what to list). Pure; throws IrsaError('USAGE'|'CONFIG') listing every problem.
 */
export function resolvePodIdentityConfig(kind: PodIdentityCommandKind, flags: ConfigFlags, file?: ConfigSource): ResolvedConfig {
  if (flags.configFile !== undefined || file !== undefined) {
    if (file === undefined) {
      throw new IrsaError('INTERNAL', `--config-file ${flags.configFile} was given but not read; call readConfigSource first`);
    }
    return fromFile(kind, flags, file);
  }
  return fromFlags(kind, flags);
}

/** A flag counts as given when commander set it: false too (--no-disable-session-tags), an empty list not. */
const given = (v: unknown): boolean => v !== undefined && !(Array.isArray(v) && v.length === 0);

function fromFile(kind: PodIdentityCommandKind, flags: ConfigFlags, file: ConfigSource): ResolvedConfig {
  // eksctl's podIdentityAssociationFlagsIncompatibleWithConfigFile: the file says all of these itself
  const problems: Problem[] = [];
  if (given(flags.cluster)) problems.push(usage('--cluster', 'cannot be used with --config-file/-f', 'set metadata.name in the file instead, or drop -f'));
  for (const f of podIdentityFlagsFor(kind)) {
    if (given(flags[f.key]) && (f.type !== 'negation' || flags[f.key] === false) && (f.type !== 'boolean' || flags[f.key] === true)) {
      problems.push(usage(f.flag, 'cannot be used with --config-file/-f', `set iam.podIdentityAssociations[].${f.fileField} in the file instead, or drop -f`));
    }
  }
  problems.push(...cfnRoleArnProblems(flags));
  const { raw, loc, warnings } = parseConfigSource(file, problems);
  const cluster = normalizeCluster(raw, false);
  const rules = validatePodIdentityModel(cluster, ruleContext(kind, loc, shownPath(file.path), flags));
  problems.push(...rules.problems, ...regionMismatchProblems(flags, cluster.region, file.path));
  if (problems.length > 0) throw problemsToError(problems);

  const filter: SaFilter = { include: splitGlobList(flags.include), exclude: splitGlobList(flags.exclude) };
  const source = { kind: 'file', path: file.path } as const;
  const resolved: ResolvedConfig = {
    cluster,
    selected: [],
    selectedPodIdentity: selectMatching(cluster.podIdentityAssociations ?? [], podIdentityId, filter, 'pod identity association'),
    filter,
    source,
    warnings: [...warnings, ...rules.warnings],
    ...podIdentityIntent(kind, source, cluster),
  };
  if (cluster.region !== undefined) resolved.region = cluster.region;
  return resolved;
}

function fromFlags(kind: PodIdentityCommandKind, flags: ConfigFlags): ResolvedConfig {
  const problems: Problem[] = [...cfnRoleArnProblems(flags), ...fileOnlyFlagProblems(flags)];
  if (flags.cluster === undefined || flags.cluster === '') problems.push(usage('--cluster', 'must be set', 'pass --cluster <EKS cluster name>'));
  const boundary = boundaryFromFlags(flags, problems);
  const loc = podIdentityFlagsLocator(boundary.flag);
  const raw: RawClusterConfig = { apiVersion: API_VERSION, kind: KIND, metadata: { name: flags.cluster ?? '', region: flags.region }, iam: {} };
  if (kind === 'get') {
    lookupProblems(flags, problems);
  } else {
    const pia: RawPodIdentityAssociation = { namespace: flags.namespace ?? '', serviceAccountName: flags.serviceAccountName ?? '' };
    if (flags.roleArn !== undefined) pia.roleARN = flags.roleArn;
    if (flags.roleName !== undefined) pia.roleName = flags.roleName;
    if (boundary.value !== undefined) pia.permissionsBoundaryARN = boundary.value;
    if (flags.permissionPolicyArns !== undefined) pia.permissionPolicyARNs = arnListFromFlag(flags.permissionPolicyArns, '--permission-policy-arns', problems);
    if (flags.wellKnownPolicies !== undefined) pia.wellKnownPolicies = wellKnownFromFlag(flags.wellKnownPolicies, problems);
    if (flags.tags !== undefined) pia.tags = tagsFromFlag(flags.tags, problems);
    if (flags.createServiceAccount !== undefined) pia.createServiceAccount = flags.createServiceAccount;
    if (flags.targetRoleArn !== undefined) pia.targetRoleARN = flags.targetRoleArn;
    if (flags.disableSessionTags !== undefined) pia.disableSessionTags = flags.disableSessionTags;
    if (flags.policy !== undefined) pia.policy = flags.policy;
    raw.iam = { podIdentityAssociations: [pia] };
  }
  const parsed = parseRawDocument(raw, loc);
  if (!parsed.ok) throw problemsToError([...problems, ...parsed.problems]);
  const cluster = normalizeCluster(parsed.config, true);
  const rules = validatePodIdentityModel(cluster, ruleContext(kind, loc, 'flags', flags));
  problems.push(...rules.problems);
  if (problems.length > 0) throw problemsToError(problems);

  const source = { kind: 'flags' } as const;
  const resolved: ResolvedConfig = {
    cluster,
    selected: [],
    selectedPodIdentity: cluster.podIdentityAssociations ?? [],
    filter: NO_FILTER,
    source,
    warnings: rules.warnings,
    ...podIdentityIntent(kind, source, cluster),
  };
  if (kind === 'get') {
    resolved.lookup = {};
    if (flags.serviceAccountName) resolved.lookup.name = flags.serviceAccountName;
    if (flags.namespace) resolved.lookup.namespace = flags.namespace;
  }
  if (flags.region !== undefined) resolved.region = flags.region;
  return resolved;
}

function ruleContext(kind: PodIdentityCommandKind, loc: Locator, sourceName: string, flags: ConfigFlags) {
  return { kind, loc, sourceName, writtenWithOIDC: undefined, serviceAccountsDefined: true, allowWildcardSubject: flags.allowWildcardSubject === true };
}

/** Pod Identity needs no OIDC provider: nothing to associate. */
function podIdentityIntent(kind: PodIdentityCommandKind, source: ResolvedConfig['source'], cluster: ResolvedConfig['cluster']) {
  return { ...intentFor(kind, source, cluster), mayAssociateOidc: false, withOidcWouldAssociate: false };
}

/** --permission-boundary-arn (eksctl's code) and --permissions-boundary-arn (its docs): one field, either spelling. */
function boundaryFromFlags(flags: ConfigFlags, problems: Problem[]): { value?: string; flag: string } {
  const { permissionBoundaryArn: code, permissionsBoundaryArn: docs } = flags;
  if (code !== undefined && docs !== undefined && code !== docs) {
    problems.push(
      usage('--permissions-boundary-arn', `"${docs}" differs from --permission-boundary-arn "${code}"`, 'the two spellings set the same permissions boundary: give it once'),
    );
  }
  if (code !== undefined) return { value: code, flag: '--permission-boundary-arn' };
  if (docs !== undefined) return { value: docs, flag: '--permissions-boundary-arn' };
  return { flag: '--permission-boundary-arn' };
}

/** get: both optional, but a service account only within a namespace (eksctl's rule); valid Kubernetes names. */
function lookupProblems(flags: ConfigFlags, problems: Problem[]): void {
  const { namespace, serviceAccountName } = flags;
  if ((namespace === undefined || namespace === '') && serviceAccountName !== undefined && serviceAccountName !== '') {
    problems.push(usage('--service-account-name', '--namespace must be set in order to specify --service-account-name', 'add --namespace <namespace>'));
  }
  if (namespace && !isNamespace(namespace)) {
    problems.push(usage('--namespace', `"${namespace}" is not a valid Kubernetes namespace`, 'use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters'));
  }
  if (serviceAccountName && !isServiceAccountName(serviceAccountName)) {
    problems.push(
      usage('--service-account-name', `"${serviceAccountName}" is not a valid Kubernetes service account name`, 'use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters'),
    );
  }
}

/** `autoScaler,externalDNS` → eksctl's wellKnownPolicies; names compared case-insensitively, as eksctl's Set does. */
function wellKnownFromFlag(text: string, problems: Problem[]): Partial<Record<WellKnownPolicyKey, boolean>> {
  const out: Partial<Record<WellKnownPolicyKey, boolean>> = {};
  for (const item of text.split(',').map((s) => s.trim())) {
    const key = WELL_KNOWN_POLICY_KEYS.find((k) => k.toLowerCase() === item.toLowerCase());
    if (key !== undefined) {
      out[key] = true;
      continue;
    }
    const near = item === '' ? undefined : nearestKey(item, WELL_KNOWN_POLICY_KEYS);
    problems.push(
      usage(
        '--well-known-policies',
        item === '' ? 'has an empty name' : `"${item}" is not a well-known policy`,
        near !== undefined ? `did you mean "${near}"?` : `use a comma-separated list of ${WELL_KNOWN_POLICY_KEYS.join(', ')}`,
      ),
    );
  }
  return out;
}
