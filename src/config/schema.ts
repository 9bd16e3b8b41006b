import * as z from 'zod';
import { WELL_KNOWN_POLICY_KEYS, WELL_KNOWN_POLICY_PROFILES } from '../model/service-account.js';
import {
  API_VERSION,
  CLUSTER_METADATA_KEYS,
  IAM_KEYS,
  IAM_READ_KEYS,
  KIND,
  LENIENT_LEVELS,
  OBJECT_META_IGNORED_KEYS,
  SERVICE_ACCOUNT_KEYS,
  TOP_LEVEL_KEYS,
  TOP_LEVEL_READ_KEYS,
  knownKeysAt,
  nearestKey,
} from './keys.js';
import { fileLocator, problemsToError, type Locator, type Path, type PathSegment, type Problem } from './problems.js';
import type { ConfigSource } from './types.js';
import { parseConfigYaml } from './yaml.js';

// The ClusterConfig as written, checked for shape only: zod's issues become Problems that name the key and the fix.

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

const rawWellKnownPolicyProfileSchema = z.enum(WELL_KNOWN_POLICY_PROFILES).nullish();
const rawWellKnownPolicyVersionsSchema = z.strictObject(
  Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, optString])) as Record<(typeof WELL_KNOWN_POLICY_KEYS)[number], typeof optString>,
);

const rawPolicyInputsSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
const rawWellKnownPolicyInputsSchema = z.strictObject(
  Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, rawPolicyInputsSchema.nullish()])) as Record<
    (typeof WELL_KNOWN_POLICY_KEYS)[number],
    z.ZodOptional<z.ZodNullable<typeof rawPolicyInputsSchema>>
  >,
);

const rawControllerPolicySchema = z.strictObject({
  version: optString,
  inputs: rawPolicyInputsSchema.nullish(),
});

const rawServiceAccountSchema = z.strictObject({
  ...ignoredKeys(SERVICE_ACCOUNT_KEYS, []),
  metadata: rawObjectMetaSchema.nullish(),
  attachPolicyARNs: z.array(z.string()).nullish(),
  wellKnownPolicies: rawWellKnownPoliciesSchema.nullish(),
  wellKnownPolicyProfile: rawWellKnownPolicyProfileSchema,
  wellKnownPolicyVersions: rawWellKnownPolicyVersionsSchema.nullish(),
  wellKnownPolicyInputs: rawWellKnownPolicyInputsSchema.nullish(),
  controllerPolicies: z.record(z.string(), rawControllerPolicySchema.nullish()).nullish(),
  attachPolicy: z.record(z.string(), z.unknown()).nullish(),
  attachRoleARN: optString,
  permissionsBoundary: optString,
  roleName: optString,
  roleOnly: optBool,
  tags: stringMap.nullish(),
  subjectPattern: optString,
});

// Every eksctl key (keys.ts POD_IDENTITY_ASSOCIATION_KEYS) is read: strict, so a typo is an error with the nearest key.
const rawPodIdentityAssociationSchema = z.strictObject({
  namespace: optString,
  serviceAccountName: optString,
  roleARN: optString,
  createServiceAccount: optBool,
  roleName: optString,
  permissionsBoundaryARN: optString,
  permissionPolicyARNs: z.array(z.string()).nullish(),
  permissionPolicyName: optString,
  permissionPolicy: z.record(z.string(), z.unknown()).nullish(),
  wellKnownPolicies: rawWellKnownPoliciesSchema.nullish(),
  wellKnownPolicyProfile: rawWellKnownPolicyProfileSchema,
  wellKnownPolicyVersions: rawWellKnownPolicyVersionsSchema.nullish(),
  wellKnownPolicyInputs: rawWellKnownPolicyInputsSchema.nullish(),
  tags: stringMap.nullish(),
  targetRoleARN: optString,
  disableSessionTags: optBool,
  policy: optString,
});

// The top level and iam are loose: a newer eksctl adds keys there (unknownKeyFindings reports them).
const rawIamSchema = z.looseObject({
  ...ignoredKeys(IAM_KEYS, IAM_READ_KEYS),
  withOIDC: optBool,
  wellKnownPolicyProfile: rawWellKnownPolicyProfileSchema,
  serviceAccounts: z.array(rawServiceAccountSchema).nullish(),
  podIdentityAssociations: z.array(rawPodIdentityAssociationSchema).nullish(),
});

const rawClusterMetadataSchema = z.strictObject({
  ...ignoredKeys(CLUSTER_METADATA_KEYS, ['name', 'region', 'tags']),
  name: optString,
  region: optString,
  tags: stringMap.nullish(),
});

export const rawClusterConfigSchema = z.looseObject({
  ...ignoredKeys(TOP_LEVEL_KEYS, TOP_LEVEL_READ_KEYS),
  apiVersion: optString,
  kind: optString,
  metadata: rawClusterMetadataSchema.nullish(),
  iam: rawIamSchema.nullish(),
});

/** A ClusterConfig as written (file) or as built from flags, before defaults. */
export type RawClusterConfig = z.infer<typeof rawClusterConfigSchema>;
export type RawServiceAccount = z.infer<typeof rawServiceAccountSchema>;
export type RawPodIdentityAssociation = z.infer<typeof rawPodIdentityAssociationSchema>;

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
        where: loc.keyWhere([...path, key]),
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

const isMapping = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Unknown keys at the loose levels: a key whose nearest known key is one irsactl reads is a typo (an error with the
 * suggestion); any other is a newer eksctl's or another tool's, a warning that irsactl ignores it.
 */
function unknownKeyFindings(doc: unknown, loc: Locator): { problems: Problem[]; warnings: string[] } {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  for (const level of LENIENT_LEVELS) {
    const node = valueAt(doc, level.path);
    if (!isMapping(node)) continue;
    for (const key of Object.keys(node)) {
      if (level.known.includes(key)) continue;
      const path = [...level.path, key];
      const suggestion = nearestKey(key, level.known);
      if (suggestion !== undefined && level.read.includes(suggestion)) {
        problems.push({ code: loc.code, where: loc.keyWhere(path), what: 'unknown key', fix: `did you mean "${suggestion}"?` });
      } else {
        const near = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
        warnings.push(`${loc.keyWhere(path)}: unknown key, ignored — irsactl does not read this section${near}`);
      }
    }
  }
  return { problems, warnings };
}

/** Shape check of the raw document: all problems, or the typed document and the warnings about ignored keys. */
export function parseRawDocument(
  doc: unknown,
  loc: Locator,
): { ok: true; config: RawClusterConfig; warnings: string[] } | { ok: false; problems: Problem[] } {
  const result = rawClusterConfigSchema.safeParse(doc);
  const unknown = unknownKeyFindings(doc, loc);
  const problems = [...unknown.problems, ...(result.success ? [] : result.error.issues.flatMap((i) => issueToProblems(i, doc, loc)))];
  if (result.success && problems.length === 0) return { ok: true, config: result.data, warnings: unknown.warnings };
  return { ok: false, problems };
}

/** apiVersion and kind: checked before the shape, so a file of another kind says so first. */
export function apiVersionAndKindProblems(doc: unknown, loc: Locator): Problem[] {
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

/**
 * A file's text → its typed document, its locator and the warnings about ignored keys. Syntax errors throw at once;
 * apiVersion and kind problems join `problems` (what the caller found wrong already); shape problems throw with them.
 */
export function parseConfigSource(file: ConfigSource, problems: Problem[]): { raw: RawClusterConfig; loc: Locator; warnings: string[] } {
  const doc = parseConfigYaml(file); // syntax errors stop here: nothing after them is meaningful
  const loc = fileLocator(file.path, { text: file.text, doc });
  problems.push(...apiVersionAndKindProblems(doc, loc));
  const parsed = parseRawDocument(doc, loc);
  if (!parsed.ok) throw problemsToError([...problems, ...parsed.problems]);
  return { raw: parsed.config, loc, warnings: parsed.warnings };
}
