import * as z from 'zod';
import { podIdentityAssociationSpecSchema } from './pod-identity.js';
import { policyInputValuesSchema, wellKnownPoliciesSchema, wellKnownPolicySelectionSchema } from './well-known.js';

// The resolved model: what flags or a ClusterConfig file turn into, after
// defaults and validation. Everything after parsing works on these types only.

export {
  WELL_KNOWN_POLICY_KEYS,
  WELL_KNOWN_POLICY_PROFILES,
  wellKnownPoliciesSchema,
  wellKnownPolicySelectionSchema,
  type PolicyInputValues,
  type WellKnownPolicyKey,
  type WellKnownPolicies,
  type WellKnownPolicySelection,
  type WellKnownPolicyProfile,
} from './well-known.js';

const stringMap = z.record(z.string(), z.string());

/** irsactl-only: a catalogued controller's own policy that eksctl has no wellKnownPolicies key for (velero, …). */
export const controllerPolicySchema = z.object({
  name: z.string(),
  /** unset: the newest catalogued */
  version: z.string().optional(),
  /** the document's scoping inputs (bucket, secret ARNs …), by name */
  inputs: policyInputValuesSchema,
});
export type ControllerPolicy = z.infer<typeof controllerPolicySchema>;

export const serviceAccountSpecSchema = z.object({
  name: z.string(),
  namespace: z.string(),
  labels: stringMap,
  annotations: stringMap,
  attachPolicyARNs: z.array(z.string()),
  /** Inline policy document, copied verbatim into Policy1. */
  attachPolicy: z.record(z.string(), z.unknown()).optional(),
  attachRoleARN: z.string().optional(),
  wellKnownPolicies: wellKnownPoliciesSchema,
  /** irsactl-only (eksctl has no such field); unset: eksctl's statements. */
  wellKnownPolicySelection: wellKnownPolicySelectionSchema.optional(),
  controllerPolicies: z.array(controllerPolicySchema).optional(),
  permissionsBoundary: z.string().optional(),
  roleName: z.string().optional(),
  roleOnly: z.boolean(),
  tags: stringMap,
  subjectPattern: z.string().optional(),
});
export type ServiceAccountSpec = z.infer<typeof serviceAccountSpecSchema>;

export const clusterModelSchema = z.object({
  name: z.string(),
  region: z.string().optional(),
  tags: stringMap,
  withOIDC: z.boolean(),
  serviceAccounts: z.array(serviceAccountSpecSchema),
  /** iam.podIdentityAssociations (src/model/pod-identity.ts); absent: none */
  podIdentityAssociations: z.array(podIdentityAssociationSpecSchema).optional(),
});
export type ClusterModel = z.infer<typeof clusterModelSchema>;

/** `<namespace>/<name>`: the identity eksctl uses everywhere (NameString()). */
export const saId = (sa: { namespace: string; name: string }): string => `${sa.namespace}/${sa.name}`;
