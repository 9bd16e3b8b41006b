import { iamArnAccount, isAccountId } from '../model/arns.js';
import { z } from 'zod';
import { IrsaError } from '../errors.js';
import { WELL_KNOWN_POLICY_KEYS, saId, type ClusterModel, type ServiceAccountSpec, type WellKnownPolicies } from '../model/service-account.js';
import {
  CLUSTER_METADATA_KEYS,
  IAM_KEYS,
  OBJECT_META_IGNORED_KEYS,
  SERVICE_ACCOUNT_KEYS,
  TOP_LEVEL_KEYS,
  knownKeysAt,
  nearestKey,
} from './keys.js';
import { tagProblems } from './tags.js';
import { stackNameFor } from '../model/naming.js';
import { awsLimitProblems } from './limits.js';
import { checkStackNameCollisions } from './stack-collisions.js';

// ───────────────────────────── problems and where they are ─────────────────────────────

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

/** One thing wrong with the input, printed as `<where>: <what> — <fix>`. */
export interface Problem {
  code: 'USAGE' | 'CONFIG';
  where: string;
  what: string;
  fix: string;
}

/** `iam.serviceAccounts[3].metadata.name` */
export function formatPath(path: Path): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? seg : `.${seg}`;
  }
  return out;
}

/**
 * Maps a path in the raw document to what the user typed: a field in their file,
 * or the flag that produced it (flags build the same raw document as a file).
 */
export interface Locator {
  origin: 'file' | 'flags';
  /** USAGE for flags, CONFIG for file content. */
  code: 'USAGE' | 'CONFIG';
  /** Full location: `cluster.yaml: iam.serviceAccounts[0].roleName` or `--role-name`. */
  where(path: Path): string;
  /** Short name for use inside a sentence: `roleName` or `--role-name`. */
  label(path: Path): string;
}

export function fileLocator(filePath: string): Locator {
  const shown = filePath === '-' ? '<stdin>' : filePath;
  return {
    origin: 'file',
    code: 'CONFIG',
    where: (path) => (path.length === 0 ? shown : `${shown}: ${formatPath(path)}`),
    label: (path) => {
      const last = [...path].reverse().find((s): s is string => typeof s === 'string');
      return last ?? formatPath(path);
    },
  };
}

/** Field (relative to the one service account flags build) → flag. */
const FLAG_FOR_SA_FIELD: Record<string, string> = {
  'metadata.name': '--name',
  'metadata.namespace': '--namespace',
  attachPolicyARNs: '--attach-policy-arn',
  attachRoleARN: '--attach-role-arn',
  roleName: '--role-name',
  roleOnly: '--role-only',
  tags: '--tags',
  subjectPattern: '--subject-pattern',
  permissionsBoundary: '--permissions-boundary',
  wellKnownPolicies: 'wellKnownPolicies (config file only)',
  attachPolicy: 'attachPolicy (config file only)',
};

export function flagsLocator(names: { serviceAccountName: string; cluster: string }): Locator {
  const flagFor = (path: Path): string => {
    if (path[0] === 'metadata' && path[1] === 'name') return names.cluster;
    if (path[0] === 'metadata' && path[1] === 'region') return '--region';
    if (path[0] === 'iam' && path[1] === 'serviceAccounts' && typeof path[2] === 'number') {
      const rest = path.slice(3).filter((s): s is string => typeof s === 'string');
      if (rest[0] === 'metadata' && rest[1] === 'name') return names.serviceAccountName;
      return FLAG_FOR_SA_FIELD[rest.slice(0, rest[0] === 'metadata' ? 2 : 1).join('.')] ?? formatPath(path);
    }
    return formatPath(path);
  };
  return { origin: 'flags', code: 'USAGE', where: flagFor, label: flagFor };
}

export function formatProblem(p: Problem): string {
  return `${p.where}: ${p.what} — ${p.fix}`;
}

/** One error for all problems; CONFIG if any problem is in a file, else USAGE. */
export function problemsToError(problems: readonly Problem[]): IrsaError {
  const code = problems.some((p) => p.code === 'CONFIG') ? 'CONFIG' : 'USAGE';
  const lines = problems.map(formatProblem);
  const message =
    lines.length === 1 ? lines[0] : `${lines.length} problems:\n${lines.map((l) => `  - ${l}`).join('\n')}`;
  return new IrsaError(code, message);
}

// ───────────────────────────── the raw (written) schema ─────────────────────────────

/** Keys eksctl knows but irsactl does not act on: accepted whatever their value. */
const ignoredKeys = <const K extends readonly string[]>(keys: K, used: readonly string[]) =>
  Object.fromEntries(keys.filter((k) => !used.includes(k)).map((k) => [k, z.unknown().optional()])) as Record<
    K[number],
    z.ZodOptional<z.ZodUnknown>
  >;

// null is accepted wherever a value is optional: `key:` with nothing after it is null in YAML, nil in eksctl.
const optString = z.string().nullish();
const optBool = z.boolean().nullish();
const stringMap = z.record(z.string(), z.string());

const rawObjectMetaSchema = z.strictObject({
  ...ignoredKeys(OBJECT_META_IGNORED_KEYS, []),
  name: optString,
  namespace: optString,
  labels: stringMap.nullish(),
  annotations: stringMap.nullish(),
});

const rawWellKnownPoliciesSchema = z.strictObject(
  Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, optBool])) as Record<
    (typeof WELL_KNOWN_POLICY_KEYS)[number],
    typeof optBool
  >,
);

const rawServiceAccountSchema = z.strictObject({
  ...ignoredKeys(SERVICE_ACCOUNT_KEYS, []),
  metadata: rawObjectMetaSchema.nullish(),
  attachPolicyARNs: z.array(z.string()).nullish(),
  wellKnownPolicies: rawWellKnownPoliciesSchema.nullish(),
  attachPolicy: z.record(z.string(), z.unknown()).nullish(),
  attachRoleARN: optString,
  permissionsBoundary: optString,
  roleName: optString,
  roleOnly: optBool,
  tags: stringMap.nullish(),
  subjectPattern: optString,
});

const rawIamSchema = z.strictObject({
  ...ignoredKeys(IAM_KEYS, ['withOIDC', 'serviceAccounts']),
  withOIDC: optBool,
  serviceAccounts: z.array(rawServiceAccountSchema).nullish(),
});

const rawClusterMetadataSchema = z.strictObject({
  ...ignoredKeys(CLUSTER_METADATA_KEYS, ['name', 'region', 'tags']),
  name: optString,
  region: optString,
  tags: stringMap.nullish(),
});

export const rawClusterConfigSchema = z.strictObject({
  ...ignoredKeys(TOP_LEVEL_KEYS, ['apiVersion', 'kind', 'metadata', 'iam']),
  apiVersion: optString,
  kind: optString,
  metadata: rawClusterMetadataSchema.nullish(),
  iam: rawIamSchema.nullish(),
});

/** A ClusterConfig as written (file) or as built from flags, before defaults. */
export type RawClusterConfig = z.infer<typeof rawClusterConfigSchema>;
export type RawServiceAccount = z.infer<typeof rawServiceAccountSchema>;

export const API_VERSION = 'eksctl.io/v1alpha5';
export const KIND = 'ClusterConfig';

function valueAt(doc: unknown, path: Path): unknown {
  let cur = doc;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[seg as string];
  }
  return cur;
}

function describeValue(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string "${v.length > 40 ? `${v.slice(0, 40)}…` : v}"`;
  return `the ${typeof v} ${String(v)}`;
}

const FIX_FOR_TYPE: Record<string, string> = {
  string: 'write a string (quote it if YAML reads it as a number or boolean, e.g. "123")',
  boolean: 'write true or false',
  array: 'write a YAML list ("- item" lines or [a, b])',
  object: 'write a mapping ("key: value" lines)',
  record: 'write a mapping ("key: value" lines)',
};

function issueToProblems(issue: z.core.$ZodIssue, doc: unknown, loc: Locator): Problem[] {
  const path = issue.path.filter((s): s is PathSegment => typeof s !== 'symbol');
  if (issue.code === 'unrecognized_keys') {
    const known = knownKeysAt(path) ?? [];
    return issue.keys.map((key) => {
      const suggestion = nearestKey(key, known);
      return {
        code: loc.code,
        where: loc.where([...path, key]),
        what: 'unknown key',
        fix: suggestion ? `did you mean "${suggestion}"?` : `valid keys here: ${known.join(', ')}`,
      };
    });
  }
  if (issue.code === 'invalid_type') {
    const got = describeValue(valueAt(doc, path));
    const expected = String(issue.expected);
    const what = path.length === 0 ? `the document is ${got}, not a ClusterConfig mapping` : `expected ${expected === 'record' ? 'object' : expected}, got ${got}`;
    const fix =
      path.length === 0
        ? `start the file with "apiVersion: ${API_VERSION}" and "kind: ${KIND}"`
        : (FIX_FOR_TYPE[expected] ?? `write a ${expected}`);
    return [{ code: loc.code, where: loc.where(path), what, fix }];
  }
  return [{ code: loc.code, where: loc.where(path), what: issue.message, fix: 'see the eksctl ClusterConfig schema' }];
}

/** Shape check of the raw document: all problems, or the typed document. */
export function parseRawDocument(
  doc: unknown,
  loc: Locator,
): { ok: true; config: RawClusterConfig } | { ok: false; problems: Problem[] } {
  const result = rawClusterConfigSchema.safeParse(doc);
  if (result.success) return { ok: true, config: result.data };
  return { ok: false, problems: result.error.issues.flatMap((i) => issueToProblems(i, doc, loc)) };
}

// ───────────────────────────── defaults ─────────────────────────────

const emptyToUndefined = (s: string | null | undefined): string | undefined => (s ? s : undefined);

function normalizeWellKnown(raw: RawServiceAccount['wellKnownPolicies']): WellKnownPolicies {
  const out = Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, raw?.[k] ?? false]));
  return out as WellKnownPolicies;
}

export function normalizeServiceAccount(raw: RawServiceAccount): ServiceAccountSpec {
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
  const optional = {
    attachRoleARN: emptyToUndefined(raw.attachRoleARN),
    permissionsBoundary: emptyToUndefined(raw.permissionsBoundary),
    roleName: emptyToUndefined(raw.roleName),
    subjectPattern: emptyToUndefined(raw.subjectPattern),
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
    serviceAccounts: (raw.iam?.serviceAccounts ?? []).map(normalizeServiceAccount),
  };
  const region = emptyToUndefined(raw.metadata?.region);
  if (region !== undefined) model.region = region;
  return model;
}

// ───────────────────────────── rules ─────────────────────────────

/** The command a configuration is resolved for: the rules differ by command. */
export type CommandKind = 'create' | 'update' | 'delete' | 'get' | 'associate' | 'apply' | 'doctor';

export interface RuleContext {
  kind: CommandKind;
  loc: Locator;
  /** Display name of the source, for eksctl's "… in %q" messages. */
  sourceName: string;
  /** The written iam.withOIDC (undefined when absent): eksctl treats unset and false differently for get. */
  writtenWithOIDC: boolean | undefined;
  /** Whether the file has `iam.serviceAccounts` at all (eksctl: create/update need it). */
  serviceAccountsDefined: boolean;
  allowWildcardSubject: boolean;
}

export interface RuleResult {
  problems: Problem[];
  warnings: string[];
}

export const CLUSTER_NAME_RE = /^[0-9A-Za-z][A-Za-z0-9\-_]*$/;
export const CLUSTER_NAME_MAX = 100;
/** RFC 1123 DNS subdomain: what Kubernetes allows for a ServiceAccount name. */
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** RFC 1123 label: what Kubernetes allows for a namespace. */
const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const ROLE_NAME_RE = /^[\w+=,.@-]+$/;
const ROLE_NAME_MAX = 64;
const STACK_NAME_RE = /^[A-Za-z][A-Za-z0-9-]*$/;
const STACK_NAME_MAX = 128;
/** The part after `system:serviceaccount:<ns>:`; `*` and `?` are StringLike wildcards. */
const SUBJECT_PATTERN_RE = /^[a-z0-9.*?-]+$/;

const NEEDS_POLICY: ReadonlySet<CommandKind> = new Set(['create', 'update', 'apply']);

export function validateModel(model: ClusterModel, ctx: RuleContext): RuleResult {
  const { loc } = ctx;
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const add = (path: Path, what: string, fix: string) => problems.push({ code: loc.code, where: loc.where(path), what, fix });
  const fromFile = loc.origin === 'file';

  // Cluster.
  let clusterOk = false;
  if (model.name === '') {
    if (fromFile) add(['metadata', 'name'], 'metadata.name must be set', 'add "name: <cluster name>" under metadata');
  } else if (model.name.length > CLUSTER_NAME_MAX || !CLUSTER_NAME_RE.test(model.name)) {
    add(
      ['metadata', 'name'],
      `"${model.name}" is not a valid EKS cluster name`,
      `use letters, digits, "-" and "_", starting with a letter or digit, at most ${CLUSTER_NAME_MAX} characters`,
    );
  } else clusterOk = true;
  if (fromFile && !model.region) {
    add(['metadata', 'region'], 'metadata.region must be set', 'add "region: <aws region>" under metadata, e.g. us-west-2');
  }
  checkTagMap(model.tags, ['metadata', 'tags'], add);

  // A file must enable withOIDC and, for the commands that act on them, list service accounts: eksctl's own checks
  // and messages, so a file eksctl refuses is refused here too.
  if (fromFile) {
    const sas = model.serviceAccounts.length;
    if (sas > 0 && !model.withOIDC) {
      add(
        ['iam', 'withOIDC'],
        'iam.withOIDC must be enabled explicitly for iam.serviceAccounts to be created',
        'set "withOIDC: true" under iam',
      );
    } else if (
      ((ctx.kind === 'associate' || ctx.kind === 'delete') && !model.withOIDC) ||
      ((ctx.kind === 'get' || ctx.kind === 'doctor') && ctx.writtenWithOIDC === false)
    ) {
      add(['iam', 'withOIDC'], `'iam.withOIDC' is not enabled in "${ctx.sourceName}"`, 'set "withOIDC: true" under iam');
    }
    if (NEEDS_POLICY.has(ctx.kind) && !ctx.serviceAccountsDefined) {
      add(
        ['iam', 'serviceAccounts'],
        `'iam.serviceAccounts' is not defined in "${ctx.sourceName}"`,
        'add an iam.serviceAccounts list with the service accounts to manage',
      );
    }
  }

  // Service accounts: one pass, Map for duplicates, so the cost is linear.
  const firstIndexById = new Map<string, number>();
  const requirePolicy = fromFile || NEEDS_POLICY.has(ctx.kind);
  /** Service accounts whose stack can be rendered: the AWS limits are checked on those. */
  const renderable: number[] = [];
  model.serviceAccounts.forEach((sa, i) => {
    const at = (...rest: PathSegment[]): Path => ['iam', 'serviceAccounts', i, ...rest];
    checkServiceAccount(sa, i, at);
  });
  if (NEEDS_POLICY.has(ctx.kind)) {
    const limits = awsLimitProblems(model, renderable, loc, { applySetTag: ctx.kind === 'apply' });
    problems.push(...limits.problems);
    warnings.push(...limits.warnings);
  }
  checkStackNameCollisions(model, add);

  function checkServiceAccount(sa: ServiceAccountSpec, i: number, at: (...rest: PathSegment[]) => Path): void {
    let nameOk = false;
    if (sa.name === '') {
      if (fromFile) add(at('metadata', 'name'), `iam.serviceAccounts[${i}].name must be set`, 'add "name: <service account>" under metadata');
    } else if (sa.name.length > 253 || !DNS_SUBDOMAIN_RE.test(sa.name)) {
      const wildcard = /[*?]/.test(sa.name) ? '; for a wildcard trust set subjectPattern instead' : '';
      add(
        at('metadata', 'name'),
        `"${sa.name}" is not a valid Kubernetes service account name`,
        `use lower-case letters, digits, "-" and ".", starting and ending with a letter or digit, at most 253 characters${wildcard}`,
      );
    } else nameOk = true;

    let namespaceOk = false;
    if (sa.namespace.length > 63 || !DNS_LABEL_RE.test(sa.namespace)) {
      add(
        at('metadata', 'namespace'),
        `"${sa.namespace}" is not a valid Kubernetes namespace`,
        'use lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters',
      );
    } else namespaceOk = true;

    if (sa.name !== '') {
      const id = saId(sa);
      const first = firstIndexById.get(id);
      if (first === undefined) firstIndexById.set(id, i);
      else {
        add(
          at('metadata', 'name'),
          `${id} of iam.serviceAccounts[${i}] "${id}" is not unique (iam.serviceAccounts[${first}] has it too)`,
          'remove one of the two entries or give it another name or namespace',
        );
      }
    }

    const usesRole = sa.attachRoleARN !== undefined;
    const anyWellKnown = WELL_KNOWN_POLICY_KEYS.some((k) => sa.wellKnownPolicies[k]);
    const hasPolicy = anyWellKnown || sa.attachPolicyARNs.length > 0 || sa.attachPolicy !== undefined;

    if (requirePolicy && !usesRole && !hasPolicy) {
      if (fromFile) {
        // eksctl's exact text, spacing quirks included (validation.go), so searches find it.
        const p = `iam.serviceAccounts[${i}]`;
        add(
          at(),
          `${p}.wellKnownPolicies, ${p}.attachPolicyARNs,${p}.attachRoleARN  or ${p}.attachPolicy must be set`,
          'give the role permissions with attachPolicyARNs, attachPolicy or wellKnownPolicies, or use an existing role with attachRoleARN',
        );
      } else {
        add(
          at('attachPolicyARNs'),
          '--attach-policy-arn or --attach-role-arn must be set',
          'pass --attach-policy-arn <policy ARN> (repeatable), or --attach-role-arn <role ARN> to use an existing role; wellKnownPolicies and attachPolicy need a config file (-f)',
        );
      }
    }

    if (usesRole) {
      // An existing role is used as is: no stack, so these would be silently ignored (eksctl does ignore them in files).
      const conflicts: [boolean, Path][] = [
        [sa.attachPolicyARNs.length > 0, at('attachPolicyARNs')],
        [sa.attachPolicy !== undefined, at('attachPolicy')],
        [anyWellKnown, at('wellKnownPolicies')],
        [sa.roleName !== undefined, at('roleName')],
        [sa.permissionsBoundary !== undefined, at('permissionsBoundary')],
        [sa.subjectPattern !== undefined, at('subjectPattern')],
        [!fromFile && sa.roleOnly, at('roleOnly')],
      ];
      for (const [present, path] of conflicts) {
        if (!present) continue;
        add(
          at('attachRoleARN'),
          `cannot be combined with ${loc.label(path)}`,
          `${loc.label(at('attachRoleARN'))} uses an existing role unchanged; drop ${loc.label(path)}, or drop ${loc.label(at('attachRoleARN'))} to have irsactl create the role`,
        );
      }
    }

    if (sa.roleName !== undefined && (sa.roleName.length > ROLE_NAME_MAX || !ROLE_NAME_RE.test(sa.roleName))) {
      add(
        at('roleName'),
        `"${sa.roleName}" is not a valid IAM role name`,
        `use at most ${ROLE_NAME_MAX} letters, digits and + = , . @ _ -`,
      );
    }

    // Only where a stack is made or changed: a name CloudFormation cannot carry (a "." in it) has no stack to find,
    // so get, delete and doctor accept it like any valid ServiceAccount name (e.g. one made with attachRoleARN).
    if (!usesRole && clusterOk && nameOk && namespaceOk && NEEDS_POLICY.has(ctx.kind)) {
      const stack = stackNameFor(model.name, sa);
      const tooLong = stack.length > STACK_NAME_MAX;
      if (!tooLong && STACK_NAME_RE.test(stack)) renderable.push(i);
      if (tooLong || !STACK_NAME_RE.test(stack)) {
        add(
          at('metadata', 'name'),
          `its CloudFormation stack name "${stack}" ${tooLong ? `is ${stack.length} characters, more than ${STACK_NAME_MAX}` : 'has characters CloudFormation does not allow (only letters, digits and "-")'}`,
          tooLong
            ? 'shorten the cluster, namespace or service account name'
            : 'rename the service account without "." (eksctl-compatible stack names are built from it verbatim)',
        );
      }
    }

    sa.attachPolicyARNs.forEach((arn, k) => checkArn(arn, 'policy', at('attachPolicyARNs', k)));
    if (sa.permissionsBoundary !== undefined) checkArn(sa.permissionsBoundary, 'policy', at('permissionsBoundary'));
    if (sa.attachRoleARN !== undefined) checkArn(sa.attachRoleARN, 'role', at('attachRoleARN'));

    if (sa.subjectPattern !== undefined) {
      if (!SUBJECT_PATTERN_RE.test(sa.subjectPattern)) {
        add(
          at('subjectPattern'),
          `"${sa.subjectPattern}" is not a service account name pattern`,
          'use lower-case letters, digits, "-", "." and the wildcards * and ?; it matches the name after system:serviceaccount:<namespace>:',
        );
      } else if (/^\*+$/.test(sa.subjectPattern) && !ctx.allowWildcardSubject) {
        add(
          at('subjectPattern'),
          `"${sa.subjectPattern}" lets every service account in namespace "${sa.namespace}" assume the role`,
          'narrow the pattern (e.g. "app-*"), or pass --allow-wildcard-subject if that is really intended',
        );
      }
    }

    checkTagMap(sa.tags, at('tags'), add);
    if (sa.attachPolicy !== undefined && Object.keys(sa.attachPolicy).length === 0) {
      warnings.push(`${loc.where(at('attachPolicy'))}: is empty, so it grants nothing (eksctl accepts it too)`);
    }
  }

  function checkArn(arn: string, type: 'policy' | 'role', path: Path): void {
    const account = iamArnAccount(arn, type);
    const example =
      type === 'policy'
        ? 'arn:aws:iam::<12-digit account id>:policy/<name>, or arn:aws:iam::aws:policy/<name> for an AWS-managed policy'
        : 'arn:aws:iam::<12-digit account id>:role/<name>';
    if (account === undefined || account === '') {
      add(path, `"${arn}" is not an IAM ${type} ARN`, `use ${example}`);
      return;
    }
    if (isAccountId(account) || (type === 'policy' && account === 'aws')) return;
    // A warning, not an error: eksctl's own examples and docs use placeholders like 123.
    warnings.push(`${loc.where(path)}: account id "${account}" in "${arn}" is not 12 digits; IAM will reject it unless you replace it`);
  }

  return { problems, warnings };
}

function checkTagMap(tags: Record<string, string>, path: Path, add: (path: Path, what: string, fix: string) => void): void {
  for (const [key, value] of Object.entries(tags)) {
    for (const p of tagProblems(key, value)) {
      const [what, fix] = p.split(' — ');
      add(path, what, fix ?? 'fix the tag');
    }
  }
}
