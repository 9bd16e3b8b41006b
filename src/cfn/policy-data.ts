import * as z from 'zod';
import { WELL_KNOWN_POLICY_KEYS, type WellKnownPolicyKey } from '../model/service-account.js';
import { EKSCTL_POLICY_FILES, UPSTREAM_POLICY_FILES } from './upstream-policy-files.js';

// The policy data files (policies/, written by scripts/refresh-policies.mjs), checked once at load: a malformed file
// is a build mistake, so it throws rather than reporting a user error.

const statementSchema = z.looseObject({ Effect: z.string() });
const documentSchema = z.looseObject({ Version: z.string(), Statement: z.array(statementSchema) });

const eksctlFileSchema = z.object({
  source: z.object({
    repository: z.string(),
    ref: z.string(),
    commit: z.string(),
    files: z.array(z.object({ path: z.string(), sha256: z.string() })),
  }),
  wellKnownPolicies: z.record(
    z.enum(WELL_KNOWN_POLICY_KEYS),
    z.object({
      managed: z.array(z.string()),
      inline: z.array(z.object({ logicalId: z.string(), statements: z.array(statementSchema) })),
    }),
  ),
  documentSha256: z.string(),
});
export type EksctlPolicyFile = z.infer<typeof eksctlFileSchema>;

export const upstreamSourceSchema = z.object({
  repository: z.string(),
  path: z.string(),
  ref: z.string(),
  commit: z.string(),
  sha256: z.string(),
  extract: z.object({
    kind: z.string(),
    after: z.string().optional(),
    index: z.number().optional(),
    lang: z.string().optional(),
    resourceType: z.string().optional(),
    names: z.array(z.string()).optional(),
  }),
});
/** A value the document leaves to the user (a bucket, a secret ARN): the placeholder string the upstream text uses. */
const policyInputSchema = z.object({
  placeholder: z.string(),
  description: z.string(),
  required: z.boolean().optional(),
  /** Several values: each array element equal to the placeholder becomes one element per value. */
  list: z.boolean().optional(),
  /** Unset in the file: the cluster's name (metadata.name) is used. */
  fromCluster: z.boolean().optional(),
  /**
   * Given, it changes the document as its source describes (an optional statement, a scoped-down block): these
   * actions leave the statements they are in, and this statement (with the placeholder) is added.
   */
  adds: z
    .object({
      removeActions: z.array(z.string()).optional(),
      statement: z.looseObject({ Effect: z.string() }),
      /** the upstream file (at the source's ref) that describes the statement, and its sha256 */
      from: z.string().optional(),
      sha256: z.string().optional(),
    })
    .optional(),
});
export type PolicyInput = z.infer<typeof policyInputSchema>;

const upstreamFileSchema = z.object({
  controller: z.string(),
  version: z.string(),
  source: upstreamSourceSchema,
  note: z.string().optional(),
  inputs: z.record(z.string(), policyInputSchema).optional(),
  document: documentSchema,
  documentSha256: z.string(),
});
export type UpstreamPolicyFile = z.infer<typeof upstreamFileSchema>;
export type UpstreamSource = z.infer<typeof upstreamSourceSchema>;

/** A controller whose source attaches AWS-managed policies (by name) rather than publishing a document. */
const managedFileSchema = upstreamFileSchema.omit({ document: true, inputs: true }).extend({ managedPolicies: z.array(z.string()).min(1) });
export type ManagedPolicyFile = z.infer<typeof managedFileSchema>;
export type CataloguedPolicyFile = UpstreamPolicyFile | ManagedPolicyFile;
export const isManagedFile = (f: CataloguedPolicyFile): f is ManagedPolicyFile => 'managedPolicies' in f;

/**
 * Checked against the schema, but the data itself kept as written: zod would put the keys it declares first, and the
 * statements must keep their source's key order (goldens compare text, checksums cover it).
 */
function checked<T>(schema: z.ZodType<T>, raw: unknown): T {
  schema.parse(raw);
  return raw as T;
}

/** eksctl's statements (one file: the eksctl release they were read from). */
export const EKSCTL_POLICIES: EksctlPolicyFile = checked(eksctlFileSchema, EKSCTL_POLICY_FILES[0]);

function byController<T extends CataloguedPolicyFile>(files: readonly T[]): ReadonlyMap<string, readonly T[]> {
  const out = new Map<string, T[]>();
  for (const file of files) out.set(file.controller, [...(out.get(file.controller) ?? []), file]);
  for (const list of out.values()) list.sort((a, b) => compareVersions(a.version, b.version));
  return out;
}

const isManagedRaw = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && 'managedPolicies' in raw;

/** Every catalogued upstream document, by controller, versions oldest first. */
export const UPSTREAM_POLICIES: ReadonlyMap<string, readonly UpstreamPolicyFile[]> = byController(
  UPSTREAM_POLICY_FILES.filter((raw) => !isManagedRaw(raw)).map((raw) => checked(upstreamFileSchema, raw)),
);

/** Every catalogued managed-policy entry (CloudWatch Observability, Amazon Managed Prometheus …), by controller. */
export const MANAGED_POLICIES: ReadonlyMap<string, readonly ManagedPolicyFile[]> = byController(
  UPSTREAM_POLICY_FILES.filter(isManagedRaw).map((raw) => checked(managedFileSchema, raw)),
);

/** Orders v1.9.0 before v1.10.0: numeric runs compare as numbers. */
export function compareVersions(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true });
}

export const isWellKnownKey = (name: string): name is WellKnownPolicyKey => (WELL_KNOWN_POLICY_KEYS as readonly string[]).includes(name);
