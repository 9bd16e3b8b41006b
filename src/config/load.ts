import * as jsYaml from 'js-yaml';
import { JSON_SCHEMA, YAMLException, load as loadYaml, type Type as YamlType } from 'js-yaml';
import { IrsaError } from '../errors.js';
import type { ClusterModel, ServiceAccountSpec } from '../model/service-account.js';
import { matchesFilter, selectServiceAccounts, splitGlobList, type SaFilter } from './filter.js';
import { parseTagsCollecting } from './tags.js';
import { collapseDuplicatePolicyArns } from './limits.js';
import {
  API_VERSION,
  KIND,
  fileLocator,
  flagsLocator,
  normalizeCluster,
  parseRawDocument,
  problemsToError,
  validateModel,
  type Locator,
  type Problem,
  type RawClusterConfig,
  type RawServiceAccount,
} from './validate.js';

export type { CommandKind } from './validate.js';
import type { CommandKind } from './validate.js';

/** Raw option values as commander gives them. `undefined` = flag not given. */
export interface ConfigFlags {
  cluster?: string;
  name?: string;
  positional?: string;
  namespace?: string;
  /** Repeatable; each item may itself be comma-separated. */
  attachPolicyArn?: string[];
  attachRoleArn?: string;
  roleName?: string;
  roleOnly?: boolean;
  tags?: string;
  subjectPattern?: string;
  permissionsBoundary?: string;
  region?: string;
  configFile?: string;
  include?: string[];
  exclude?: string[];
  onlyMissing?: boolean;
  approve?: boolean;
  prune?: boolean;
  pruneAll?: boolean;
  /** apply: the apply set its stacks are tagged with (default: derived from metadata.name and the file's base name) */
  applySet?: string;
  /** Confirms a subjectPattern of only `*` (any service account in the namespace may assume the role). */
  allowWildcardSubject?: boolean;
}

/** path '-' for stdin */
export interface ConfigSource {
  path: string;
  text: string;
}

/** The commands that render stacks: only there are repeated policy ARNs worth a warning. */
const RENDERS_STACKS: ReadonlySet<CommandKind> = new Set(['create', 'update', 'apply']);

const NO_FILTER: SaFilter = { include: [], exclude: [] };

export interface ResolvedConfig {
  /** All service accounts (file) or the one built from flags. Empty for associate, and for get/doctor in flags mode. */
  cluster: ClusterModel;
  /** After include/exclude (== all when no globs). */
  selected: ServiceAccountSpec[];
  /** --include/--exclude as parsed (empty without -f): for what acts on stacks outside the file (--only-missing, --prune). */
  filter: SaFilter;
  source: { kind: 'flags' } | { kind: 'file'; path: string };
  /** --region, or metadata.region from the file. */
  region?: string;
  /** e.g. non-12-digit account ids. */
  warnings: string[];
  /**
   * get/doctor in flags mode only: exact-match filters over what exists in the
   * cluster (the service accounts live there, not in any file). A missing name
   * means every service account; a missing namespace means every namespace
   * (eksctl's get has no "default" namespace default). `selected` is empty then.
   */
  lookup?: { name?: string; namespace?: string };
  /** apply only: the apply set the stacks it creates or updates are tagged with (irsactl.io/apply-set) */
  applySet?: string;
}

export const MAX_CONFIG_BYTES = 5 * 1024 * 1024;
/** Shared nodes (YAML aliases of mappings/lists) allowed in one document. */
const MAX_ALIASES = 100;
/** Nodes after expanding aliases: bounds the work of everything that walks the document later. */
const MAX_EXPANDED_NODES = 1_000_000;

// JSON-compatible scalars (no timestamps, binaries, sets) plus `<<` merge keys, which eksctl's go-yaml honours.
// (@types/js-yaml does not declare the `types` export that js-yaml 4 has.)
const mergeType = (jsYaml as unknown as { types?: { merge?: YamlType } }).types?.merge;
const YAML_SCHEMA = mergeType ? JSON_SCHEMA.extend({ implicit: [mergeType] }) : JSON_SCHEMA;

const shownPath = (path: string): string => (path === '-' ? '<stdin>' : path);

/** Pure: YAML text → plain data. Throws CONFIG with `<path>:<line>:<col>: <reason>` on syntax errors. */
export function parseConfigYaml(source: ConfigSource): unknown {
  const where = shownPath(source.path);
  if (Buffer.byteLength(source.text, 'utf8') > MAX_CONFIG_BYTES) {
    throw new IrsaError('CONFIG', `${where}: is larger than 5 MB — a ClusterConfig is a few kilobytes; check that this is the right file`);
  }
  let doc: unknown;
  try {
    doc = loadYaml(source.text.replace(/^\uFEFF/, ''), { schema: YAML_SCHEMA, filename: where });
  } catch (err) {
    if (err instanceof YAMLException) {
      if (/single document/.test(err.reason)) {
        throw new IrsaError('CONFIG', `${where}: holds more than one YAML document — keep exactly one ClusterConfig per file`, { cause: err });
      }
      const pos = err.mark ? `:${err.mark.line + 1}:${err.mark.column + 1}` : '';
      throw new IrsaError('CONFIG', `${where}${pos}: ${err.reason} — fix the YAML at that position (indentation, quotes, brackets)`, {
        cause: err,
      });
    }
    // js-yaml recurses per nesting level; absurd nesting ends as a RangeError.
    throw new IrsaError('CONFIG', `${where}: cannot be parsed (${String(err)}) — check that this is a ClusterConfig YAML file`, { cause: err });
  }
  if (doc === undefined || doc === null) {
    throw new IrsaError('CONFIG', `${where}: is empty — write a ClusterConfig (apiVersion: ${API_VERSION}, kind: ${KIND}, metadata, iam)`);
  }
  const aliasProblem = aliasExpansionProblem(doc);
  if (aliasProblem) throw new IrsaError('CONFIG', `${where}: ${aliasProblem} — write the repeated parts out, or use fewer anchors`);
  return doc;
}

/**
 * js-yaml returns an alias as a second reference to the same object, so a
 * "billion laughs" document is small in memory but explodes when walked or
 * serialised. Count shared references and the expanded size with memoisation,
 * so this check itself is linear in the distinct nodes.
 */
function aliasExpansionProblem(doc: unknown): string | undefined {
  const expanded = new Map<object, number>();
  const inProgress = new Set<object>();
  let shared = 0;
  const visit = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = expanded.get(v);
    if (known !== undefined) {
      shared++;
      return known;
    }
    if (inProgress.has(v)) throw new RangeError('an alias refers to its own anchor');
    inProgress.add(v);
    let n = 1;
    for (const child of Object.values(v)) {
      n += visit(child);
      if (n > MAX_EXPANDED_NODES) break;
    }
    inProgress.delete(v);
    expanded.set(v, n);
    return n;
  };
  let total: number;
  try {
    total = visit(doc);
  } catch (err) {
    return err instanceof RangeError ? err.message : String(err);
  }
  if (shared > MAX_ALIASES) return `uses ${shared} aliases, more than the ${MAX_ALIASES} allowed`;
  if (total > MAX_EXPANDED_NODES) return `expands to more than ${MAX_EXPANDED_NODES} nodes through aliases`;
  return undefined;
}

/** A flag counts as given when commander set it to something other than its "absent" value. */
const isGiven = (v: unknown): boolean =>
  v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0);

/** Flags that describe one service account or the cluster; a file describes those itself. */
const FILE_CONFLICTS: readonly [keyof ConfigFlags, string, string][] = [
  ['cluster', '--cluster', 'metadata.name'],
  ['name', '--name', 'iam.serviceAccounts[].metadata.name'],
  ['namespace', '--namespace', 'iam.serviceAccounts[].metadata.namespace'],
  ['attachPolicyArn', '--attach-policy-arn', 'iam.serviceAccounts[].attachPolicyARNs'],
  ['attachRoleArn', '--attach-role-arn', 'iam.serviceAccounts[].attachRoleARN'],
  ['roleName', '--role-name', 'iam.serviceAccounts[].roleName'],
  ['roleOnly', '--role-only', 'iam.serviceAccounts[].roleOnly'],
  ['tags', '--tags', 'iam.serviceAccounts[].tags'],
  ['subjectPattern', '--subject-pattern', 'iam.serviceAccounts[].subjectPattern'],
  ['permissionsBoundary', '--permissions-boundary', 'iam.serviceAccounts[].permissionsBoundary'],
];

const FILE_ONLY_FLAGS: readonly [keyof ConfigFlags, string][] = [
  ['include', '--include'],
  ['exclude', '--exclude'],
  ['onlyMissing', '--only-missing'],
  ['prune', '--prune'],
  ['pruneAll', '--prune-all'],
  ['applySet', '--apply-set'],
];

const usage = (where: string, what: string, fix: string): Problem => ({ code: 'USAGE', where, what, fix });

/** Pure: throws IrsaError('USAGE'|'CONFIG', message) listing every problem. */
export function resolveConfig(kind: CommandKind, flags: ConfigFlags, file?: ConfigSource): ResolvedConfig {
  if (flags.configFile !== undefined || file !== undefined) {
    if (file === undefined) {
      throw new IrsaError('INTERNAL', `--config-file ${flags.configFile} was given but not read; call readConfigSource first`);
    }
    return resolveFromFile(kind, flags, file);
  }
  if (kind === 'apply') {
    // apply converges a whole ClusterConfig; by flags there is nothing to converge to
    throw new IrsaError('USAGE', 'apply needs a ClusterConfig file — pass -f cluster.yaml (or -f - for stdin)', {
      hint: 'for one service account by flags, use `irsactl create iamserviceaccount` or `irsactl update iamserviceaccount`',
    });
  }
  return resolveFromFlags(kind, flags);
}

function resolveFromFile(kind: CommandKind, flags: ConfigFlags, file: ConfigSource): ResolvedConfig {
  const problems: Problem[] = [];
  for (const [key, flag, field] of FILE_CONFLICTS) {
    if (isGiven(flags[key])) {
      problems.push(usage(flag, 'cannot be used with --config-file/-f', `set ${field} in the file instead, or drop -f`));
    }
  }
  if (flags.positional !== undefined) {
    const what = kind === 'associate' ? 'the CLUSTER argument' : 'the NAME argument';
    problems.push(usage(what, `"${flags.positional}" cannot be used with --config-file/-f`, 'the file names the cluster and service accounts; drop the argument or drop -f'));
  }

  const doc = parseConfigYaml(file); // syntax errors stop here: nothing after them is meaningful
  const loc = fileLocator(file.path);
  problems.push(...apiVersionAndKindProblems(doc, loc));
  const parsed = parseRawDocument(doc, loc);
  if (!parsed.ok) throw problemsToError([...problems, ...parsed.problems]);

  const raw = parsed.config;
  const { cluster, warnings: collapsed } = collapseDuplicatePolicyArns(normalizeCluster(raw, false), loc);
  const rules = validateModel(cluster, {
    kind,
    loc,
    sourceName: shownPath(file.path),
    writtenWithOIDC: raw.iam?.withOIDC ?? undefined,
    serviceAccountsDefined: raw.iam?.serviceAccounts != null,
    allowWildcardSubject: flags.allowWildcardSubject === true,
  });
  problems.push(...rules.problems);
  if (flags.region !== undefined && cluster.region !== undefined && flags.region !== cluster.region) {
    problems.push(
      usage(
        '--region',
        `"${flags.region}" differs from metadata.region "${cluster.region}" in ${shownPath(file.path)}`,
        'drop --region (the file decides the region) or change metadata.region',
      ),
    );
  }
  if (flags.applySet !== undefined) {
    const bad = applySetProblem(flags.applySet);
    if (bad) problems.push(usage('--apply-set', `${JSON.stringify(flags.applySet)} ${bad}`, 'use 1 to 256 letters, digits, spaces and _ . : / = + - @ (it becomes a stack and role tag value)'));
  }
  if (problems.length > 0) throw problemsToError(problems);

  const filter: SaFilter = { include: splitGlobList(flags.include), exclude: splitGlobList(flags.exclude) };
  // --only-missing and --prune act on stacks the file does not name, so an --include naming one of those
  // (e.g. kube-system/aws-node, which must be named exactly) rightly matches nothing in the file.
  const selected =
    flags.onlyMissing || flags.prune || flags.pruneAll
      ? cluster.serviceAccounts.filter((sa) => matchesFilter(`${sa.namespace}/${sa.name}`, filter))
      : selectServiceAccounts(cluster.serviceAccounts, filter);
  const resolved: ResolvedConfig = {
    cluster,
    selected,
    filter,
    source: { kind: 'file', path: file.path },
    warnings: [...(RENDERS_STACKS.has(kind) ? collapsed : []), ...rules.warnings],
  };
  if (cluster.region !== undefined) resolved.region = cluster.region;
  if (kind === 'apply') resolved.applySet = flags.applySet ?? defaultApplySet(cluster.name, file.path);
  return resolved;
}

/** IAM's rule for tag values (the role carries the stack's tags). */
const TAG_VALUE_CHARS = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;
const MAX_TAG_VALUE = 256;

function applySetProblem(value: string): string | undefined {
  if (value.length === 0) return 'is empty';
  if (value.length > MAX_TAG_VALUE) return `is ${value.length} characters long, more than ${MAX_TAG_VALUE}`;
  if (!TAG_VALUE_CHARS.test(value)) return 'holds characters a tag value may not hold';
  return undefined;
}

/**
 * `<metadata.name>/<the file's base name>`: the same for one file on every machine and in CI, whatever directory
 * it is run from, and unchanged when service accounts are added or removed. Two files with the same base name for
 * one cluster share a set (give one `--apply-set`); stdin is `stdin`. Characters a tag may not hold become `_`.
 */
export function defaultApplySet(cluster: string, path: string): string {
  const base = path === '-' ? 'stdin' : (path.split(/[\\/]/).pop() ?? path);
  return `${cluster}/${base}`.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_').slice(0, MAX_TAG_VALUE);
}

function apiVersionAndKindProblems(doc: unknown, loc: Locator): Problem[] {
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return []; // the schema reports the shape
  const record = doc as Record<string, unknown>;
  const out: Problem[] = [];
  const expect = (key: 'apiVersion' | 'kind', want: string) => {
    const got = record[key];
    if (got === undefined || got === null || got === '') {
      out.push({ code: 'CONFIG', where: loc.where([key]), what: 'must be set', fix: `add "${key}: ${want}" at the top of the file` });
    } else if (got !== want) {
      out.push({
        code: 'CONFIG',
        where: loc.where([key]),
        what: `${JSON.stringify(got)} is not supported`,
        fix: `use "${key}: ${want}" (irsactl reads eksctl ClusterConfig files)`,
      });
    }
  };
  expect('apiVersion', API_VERSION);
  expect('kind', KIND);
  return out;
}

/** "--name=a and argument b" — eksctl's wording for two spellings of one value. */
function pickOne(
  flagName: string,
  flagValue: string | undefined,
  argLabel: string,
  argValue: string | undefined,
  problems: Problem[],
): string | undefined {
  if (flagValue !== undefined && argValue !== undefined && flagValue !== argValue) {
    problems.push(
      usage(flagName, `${flagName}=${flagValue} and argument ${argValue} cannot be used at the same time`, `give the ${argLabel} once, either as ${flagName} or as the argument`),
    );
  }
  return flagValue ?? argValue;
}

function resolveFromFlags(kind: CommandKind, flags: ConfigFlags): ResolvedConfig {
  const problems: Problem[] = [];
  for (const [key, flag] of FILE_ONLY_FLAGS) {
    if (isGiven(flags[key])) {
      problems.push(usage(flag, 'cannot be used unless a config file is specified via --config-file/-f', `pass -f <ClusterConfig file>, or drop ${flag}`));
    }
  }

  if (kind === 'associate') return resolveAssociateFromFlags(flags, problems);

  const cluster = flags.cluster;
  if (cluster === undefined || cluster === '') {
    problems.push(usage('--cluster', 'must be set', 'pass --cluster <EKS cluster name>'));
  }
  const name = pickOne('--name', flags.name, 'service account name', flags.positional, problems);
  const listing = kind === 'get' || kind === 'doctor';
  if (!listing && (name === undefined || name === '')) {
    problems.push(usage('--name', 'must be set', 'pass --name <service account name> or give it as the argument'));
  }

  const sa: RawServiceAccount = {
    // get lists every namespace unless --namespace is given; the others default like eksctl.
    metadata: { name: name ?? '', namespace: flags.namespace ?? (listing ? undefined : 'default') },
  };
  if (flags.attachPolicyArn !== undefined) {
    const arns = flags.attachPolicyArn.flatMap((item) => item.split(',')).map((s) => s.trim());
    if (arns.some((a) => a === '')) {
      problems.push(usage('--attach-policy-arn', 'has an empty ARN', 'pass full policy ARNs, separated by commas or by repeating the flag'));
    }
    sa.attachPolicyARNs = arns.filter((a) => a !== '');
  }
  if (flags.tags !== undefined) {
    const parsedTags = parseTagsCollecting(flags.tags);
    for (const p of parsedTags.problems) {
      const [what, fix] = p.split(' — ');
      problems.push(usage('--tags', what, fix ?? 'write the tags as k1=v1,k2=v2'));
    }
    sa.tags = parsedTags.tags;
  }
  if (flags.attachRoleArn !== undefined) sa.attachRoleARN = flags.attachRoleArn;
  if (flags.roleName !== undefined) sa.roleName = flags.roleName;
  if (flags.roleOnly !== undefined) sa.roleOnly = flags.roleOnly;
  if (flags.subjectPattern !== undefined) sa.subjectPattern = flags.subjectPattern;
  if (flags.permissionsBoundary !== undefined) sa.permissionsBoundary = flags.permissionsBoundary;

  const raw: RawClusterConfig = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: cluster ?? '', region: flags.region },
    iam: { withOIDC: true, serviceAccounts: [sa] },
  };
  const loc = flagsLocator({
    cluster: '--cluster',
    serviceAccountName: flags.name === undefined && flags.positional !== undefined ? 'the NAME argument' : '--name',
  });
  const model = validateFlagDocument(kind, raw, loc, flags, problems);

  const resolved: ResolvedConfig = {
    cluster: model.cluster,
    selected: model.cluster.serviceAccounts,
    filter: NO_FILTER,
    source: { kind: 'flags' },
    warnings: model.warnings,
  };
  if (listing) {
    // The service account was built only to validate --name/--namespace; what to list lives in the cluster.
    resolved.cluster = { ...model.cluster, serviceAccounts: [] };
    resolved.selected = [];
    resolved.lookup = {};
    if (name) resolved.lookup.name = name;
    if (flags.namespace) resolved.lookup.namespace = flags.namespace;
  }
  if (flags.region !== undefined) resolved.region = flags.region;
  return resolved;
}

function resolveAssociateFromFlags(flags: ConfigFlags, problems: Problem[]): ResolvedConfig {
  // eksctl keeps --name as a deprecated alias of --cluster here; the argument is the cluster too.
  const byFlag = pickOne('--cluster', flags.cluster, 'cluster name', flags.name, problems);
  const cluster = pickOne('--cluster', byFlag, 'cluster name', flags.positional, problems);
  if (cluster === undefined || cluster === '') {
    problems.push(usage('--cluster', 'must be set', 'pass --cluster <EKS cluster name> or give it as the argument'));
  }
  const raw: RawClusterConfig = {
    apiVersion: API_VERSION,
    kind: KIND,
    metadata: { name: cluster ?? '', region: flags.region },
    iam: { withOIDC: true, serviceAccounts: [] },
  };
  const loc = flagsLocator({
    cluster: flags.cluster === undefined && flags.positional !== undefined ? 'the CLUSTER argument' : '--cluster',
    serviceAccountName: '--name',
  });
  const model = validateFlagDocument('associate', raw, loc, flags, problems);
  const resolved: ResolvedConfig = { cluster: model.cluster, selected: [], filter: NO_FILTER, source: { kind: 'flags' }, warnings: model.warnings };
  if (flags.region !== undefined) resolved.region = flags.region;
  return resolved;
}

/** The same schema and rules as a file, with problems named after the flags. */
function validateFlagDocument(
  kind: CommandKind,
  raw: RawClusterConfig,
  loc: Locator,
  flags: ConfigFlags,
  problems: Problem[],
): { cluster: ClusterModel; warnings: string[] } {
  const parsed = parseRawDocument(raw, loc);
  if (!parsed.ok) throw problemsToError([...problems, ...parsed.problems]);
  const { cluster, warnings: collapsed } = collapseDuplicatePolicyArns(normalizeCluster(parsed.config, true), loc);
  const rules = validateModel(cluster, {
    kind,
    loc,
    sourceName: 'flags',
    writtenWithOIDC: true,
    serviceAccountsDefined: true,
    allowWildcardSubject: flags.allowWildcardSubject === true,
  });
  problems.push(...rules.problems);
  if (problems.length > 0) throw problemsToError(problems);
  return { cluster, warnings: [...(RENDERS_STACKS.has(kind) ? collapsed : []), ...rules.warnings] };
}
