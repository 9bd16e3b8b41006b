import * as z from 'zod';

// The one machine-readable document of every command that plans and changes (create, update, delete, apply,
// associate-iam-oidc-provider): `-o json|yaml` of the plan (kind Plan) and of the --approve run (kind Result) carry
// the same items, the result each with its outcome added. Defined once here; the types below are derived from it.

export const RUN_DOCUMENT_API_VERSION = 'irsactl/v1';

export const RunCommandSchema = z.enum([
  'create iamserviceaccount',
  'update iamserviceaccount',
  'delete iamserviceaccount',
  'create podidentityassociation',
  'update podidentityassociation',
  'delete podidentityassociation',
  'apply',
  'utils associate-iam-oidc-provider',
]);

/** What the run does for one item, as a whole: summed up in `summary` (update counts update, replace and repair). */
export const ItemActionSchema = z
  .enum(['create', 'update', 'replace', 'repair', 'delete', 'noop', 'skip', 'cannot-act'])
  .describe('repair: the stack stays, and the role (changed outside CloudFormation) or the ServiceAccount is brought back to it');

export const StackActionSchema = z.enum(['none', 'create', 'exists', 'unchanged', 'update', 'replace', 'skip', 'blocked', 'foreign', 'delete']);

/** Converge (create/update/apply) and delete outcomes of a stack, after --approve. */
export const ConvergeStackOutcomeSchema = z.enum(['created', 'updated', 'replaced', 'repaired', 'exists', 'unchanged', 'none', 'skipped', 'failed', 'not-started', 'in-progress']);
export const DeleteStackOutcomeSchema = z.enum(['deleted', 'delete-requested', 'absent', 'failed', 'not-started']);
export const ConvergeSaOutcomeSchema = z.enum(['created', 'annotated', 'unchanged', 'skipped', 'failed', 'not-started']);
export const DeleteSaOutcomeSchema = z.enum(['deleted', 'annotation-removed', 'kept', 'absent', 'failed', 'not-started']);

export const OutcomeStatusSchema = z.enum(['done', 'failed', 'skipped', 'in-progress', 'not-started']);

const StringMap = z.record(z.string(), z.string());

export const StackMakerSchema = z.object({
  tool: z.enum(['irsactl', 'eksctl', 'unknown']),
  version: z.string().optional(),
  applySet: z.string().optional(),
});

export const TagDiffSchema = z.object({
  added: StringMap,
  removed: StringMap,
  changed: z.record(z.string(), z.object({ before: z.string(), after: z.string() })),
});

const BeforeAfter = z.object({ before: z.string().optional(), after: z.string().optional() });

/** update: the semantic diff of the live template against the desired one (src/cfn/diff.ts's TemplateDiff) */
export const TemplateDiffSchema = z.object({
  changed: z.boolean(),
  trustPolicy: z.object({ before: z.unknown(), after: z.unknown() }).optional(),
  managedPolicies: z.object({ added: z.array(z.string()), removed: z.array(z.string()) }),
  inlinePolicies: z.object({
    added: z.array(z.string()),
    removed: z.array(z.string()),
    changed: z.array(z.object({ name: z.string(), before: z.unknown(), after: z.unknown() })),
  }),
  permissionsBoundary: BeforeAfter.optional(),
  roleName: BeforeAfter.optional(),
  /** template paths that differ outside the fields above */
  other: z.array(z.string()).optional(),
});

/** One difference of the role in IAM from its stack (src/cfn/role-drift.ts's DriftItem) */
export const DriftItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('trust-policy') }),
  z.object({ kind: z.literal('permissions-boundary'), live: z.string().optional(), desired: z.string().optional() }),
  z.object({ kind: z.literal('managed-policy'), arn: z.string(), change: z.enum(['detached', 'attached']) }),
  z.object({ kind: z.literal('inline-policy'), name: z.string(), change: z.enum(['deleted', 'added', 'changed']) }),
  z.object({ kind: z.literal('tag'), key: z.string(), change: z.enum(['removed', 'added', 'changed']) }),
]);

export const StackSchema = z.object({
  /** absent only when no stack is involved (a role given by ARN) */
  name: z.string().optional(),
  action: StackActionSchema,
  /** the live stack's status (exists, unchanged, replace, blocked, foreign, delete) */
  status: z.string().optional(),
  reason: z.string().optional(),
  nextStep: z.string().optional(),
  /** create: how the existing stack differs from what was asked (create leaves it as it is) */
  differs: z.array(z.string()).optional(),
  /** update: the semantic template diff */
  diff: TemplateDiffSchema.optional(),
  /** update: the stack tags added, removed and changed */
  tagChanges: TagDiffSchema.optional(),
  /** foreign: whom the stack's tags give it to, and what to do */
  owner: z.object({ cluster: z.string().optional(), serviceAccount: z.string().optional() }).optional(),
  message: z.string().optional(),
  hint: z.string().optional(),
  /** the stack as irsactl would make it: its tags, capabilities and template */
  tags: StringMap.optional(),
  capabilities: z.array(z.string()).optional(),
  template: z.record(z.string(), z.unknown()).optional(),
  /** delete: who made the stack, from its tags */
  madeBy: StackMakerSchema.optional(),
  outcome: z.union([ConvergeStackOutcomeSchema, DeleteStackOutcomeSchema]).optional(),
});

export const RoleSchema = z.object({
  /** known when given, when the stack exists, and (in a result) once the stack is made */
  arn: z.string().optional(),
  /** the role differs from its stack outside CloudFormation: restored through IAM */
  drift: z.object({ name: z.string(), changes: z.array(z.string()), items: z.array(DriftItemSchema) }).optional(),
});

export const ServiceAccountSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  /**
   * release (delete): deleted if irsactl or eksctl manages it and it points at the role, else its annotation removed;
   * none (Pod Identity): not there and not asked for (pods get the role once it exists)
   */
  action: z.enum(['create', 'annotate', 'unchanged', 'skip', 'release', 'none']),
  previousRoleArn: z.string().optional(),
  reason: z.string().optional(),
  note: z.string().optional(),
  outcome: z.union([ConvergeSaOutcomeSchema, DeleteSaOutcomeSchema, z.literal('none')]).optional(),
});

/** A field of an EKS Pod Identity association that changes; `after` absent removes it. */
export const AssociationChangeSchema = z.object({
  field: z.enum(['roleArn', 'targetRoleArn', 'disableSessionTags', 'policy']),
  before: z.union([z.string(), z.boolean()]).optional(),
  after: z.union([z.string(), z.boolean()]).optional(),
});

/** mechanism pod-identity: the EKS Pod Identity association of the ServiceAccount. */
export const AssociationSchema = z.object({
  /** foreign: an EKS add-on owns it; conflict: create found one that differs; absent: delete found none */
  action: z.enum(['create', 'update', 'unchanged', 'foreign', 'conflict', 'delete', 'absent']),
  associationId: z.string().optional(),
  targetRoleArn: z.string().optional(),
  disableSessionTags: z.boolean().optional(),
  policy: z.string().optional(),
  tags: StringMap.optional(),
  ownerArn: z.string().optional(),
  changes: z.array(AssociationChangeSchema).optional(),
  message: z.string().optional(),
  hint: z.string().optional(),
  outcome: z.enum(['created', 'updated', 'unchanged', 'deleted', 'absent', 'failed', 'not-started']).optional(),
});

export const ItemOutcomeSchema = z.object({
  status: OutcomeStatusSchema,
  /** whether this item changed anything (what --exit-code counts) */
  changed: z.boolean(),
  message: z.string().optional(),
  hint: z.string().optional(),
});

export const RunItemSchema = z.object({
  /** `<namespace>/<name>` */
  id: z.string(),
  /** how the pods get the role: IRSA (the role-arn annotation) or EKS Pod Identity (an `association`) */
  mechanism: z.enum(['irsa', 'pod-identity']),
  action: ItemActionSchema,
  stack: StackSchema,
  role: RoleSchema,
  serviceAccount: ServiceAccountSchema,
  /** pod-identity only */
  association: AssociationSchema.optional(),
  /** things asked for that irsactl will not do, or that matter at run time (e.g. an annotation Pod Identity overrides) */
  warnings: z.array(z.string()).optional(),
  /** the differences in words, one per line, as the text plan prints them */
  changes: z.array(z.string()),
  /** apply --prune, delete --only-missing: why this stack goes */
  reason: z.string().optional(),
  /** only in a Result */
  outcome: ItemOutcomeSchema.optional(),
});

export const OidcProviderSchema = z.object({
  arn: z.string(),
  exists: z.boolean(),
  action: z.enum(['create', 'none']),
  thumbprint: z.string().optional(),
  outcome: z.enum(['created', 'exists']).optional(),
});

/** A stack apply --prune (or delete --only-missing) leaves, and why. */
export const NotPrunedSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  stackName: z.string(),
  roleArn: z.string().optional(),
  madeBy: StackMakerSchema,
  reason: z.string(),
});

export const SummarySchema = z.object({
  create: z.number().int(),
  update: z.number().int(),
  delete: z.number().int(),
  unchanged: z.number().int(),
  /** blocked, or someone else's stack under this service account's name */
  cannotAct: z.number().int(),
  /** only in a Result: the items by outcome status */
  outcomes: z.record(OutcomeStatusSchema, z.number().int()).optional(),
});

export const RunDocumentSchema = z.object({
  apiVersion: z.literal(RUN_DOCUMENT_API_VERSION),
  kind: z.enum(['Plan', 'Result']),
  command: RunCommandSchema,
  cluster: z.string(),
  region: z.string(),
  /** create, update, apply and associate-iam-oidc-provider look at it; delete does not */
  oidcProvider: OidcProviderSchema.optional(),
  /** apply --prune/--prune-all, delete --only-missing */
  pruneScope: z.enum(['apply-set', 'all']).optional(),
  applySet: z.string().optional(),
  notPruned: z.array(NotPrunedSchema).optional(),
  /** where pod identity items get the EKS Pod Identity agent: built in (Auto Mode), the add-on, or nowhere */
  podIdentityAgent: z
    .union([z.object({ source: z.literal('auto-mode') }), z.object({ source: z.literal('addon'), status: z.string(), version: z.string().optional() }), z.object({ source: z.literal('missing') })])
    .optional(),
  items: z.array(RunItemSchema),
  summary: SummarySchema,
});

export type RunDocument = z.infer<typeof RunDocumentSchema>;
export type RunItem = z.infer<typeof RunItemSchema>;
export type RunCommand = z.infer<typeof RunCommandSchema>;
export type ItemAction = z.infer<typeof ItemActionSchema>;
export type OutcomeStatus = z.infer<typeof OutcomeStatusSchema>;
export type RunSummary = z.infer<typeof SummarySchema>;
export type OidcProviderEntry = z.infer<typeof OidcProviderSchema>;
export type NotPruned = z.infer<typeof NotPrunedSchema>;
export type PodIdentityAgentEntry = NonNullable<RunDocument['podIdentityAgent']>;
export type ConvergeStackOutcome = z.infer<typeof ConvergeStackOutcomeSchema>;
export type DeleteStackOutcome = z.infer<typeof DeleteStackOutcomeSchema>;
export type ConvergeSaOutcome = z.infer<typeof ConvergeSaOutcomeSchema>;
export type DeleteSaOutcome = z.infer<typeof DeleteSaOutcomeSchema>;

/** The JSON Schema of the document, for consumers that validate it (`irsactl utils schema --run-document`). */
export function runDocumentJsonSchema(draft: 'draft-07' | 'draft-2020-12' = 'draft-2020-12'): Record<string, unknown> {
  return {
    ...(z.toJSONSchema(RunDocumentSchema, { target: draft === 'draft-07' ? 'draft-7' : 'draft-2020-12', io: 'output' }) as Record<string, unknown>),
    title: `irsactl ${RUN_DOCUMENT_API_VERSION} run document (-o json|yaml of a plan or a result)`,
  };
}
