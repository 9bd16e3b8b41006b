import * as z from 'zod';
import { wellKnownPoliciesSchema, wellKnownPolicySelectionSchema } from './well-known.js';

// EKS Pod Identity associations, as eksctl's `iam.podIdentityAssociations[]` describes them (pkg/apis/eksctl.io/
// v1alpha5/iam.go, PodIdentityAssociation), after defaults and validation.

/** The service principal a Pod Identity role trusts (eksctl's api.EKSServicePrincipal). */
export const POD_IDENTITY_SERVICE_PRINCIPAL = 'pods.eks.amazonaws.com';
/** The actions that principal needs: AssumeRole, and TagSession for the session tags EKS adds. */
export const POD_IDENTITY_TRUST_ACTIONS = ['sts:AssumeRole', 'sts:TagSession'] as const;
/** The add-on that runs the agent on each node; built in on EKS Auto Mode clusters. */
export const POD_IDENTITY_AGENT_ADDON = 'eks-pod-identity-agent';
/** EKS's limit on an association's session policy (the API model's `policy`: at most 2,048 characters). */
export const MAX_SESSION_POLICY_LENGTH = 2048;

const stringMap = z.record(z.string(), z.string());

export const podIdentityAssociationSpecSchema = z.object({
  namespace: z.string(),
  serviceAccountName: z.string(),
  /** an existing role; without it irsactl makes one in the stack eksctl would (podIdentityStackNameFor) */
  roleARN: z.string().optional(),
  /** make the ServiceAccount (without any annotation) if it does not exist */
  createServiceAccount: z.boolean(),
  roleName: z.string().optional(),
  permissionsBoundaryARN: z.string().optional(),
  permissionPolicyARNs: z.array(z.string()),
  /** inline policy document, attached under permissionPolicyName (eksctl's default: Policy1) */
  permissionPolicy: z.record(z.string(), z.unknown()).optional(),
  permissionPolicyName: z.string().optional(),
  wellKnownPolicies: wellKnownPoliciesSchema,
  /** eksctl's statements (unset) or each controller's own, as for an iamserviceaccount (irsactl-only) */
  wellKnownPolicySelection: wellKnownPolicySelectionSchema.optional(),
  /** on the association and, when irsactl makes the role, on its stack (as eksctl does) */
  tags: stringMap,
  /** cross-account role chaining: EKS assumes roleARN, then this role */
  targetRoleARN: z.string().optional(),
  /** undefined: not written, EKS's default (session tags on) and left as it is on update */
  disableSessionTags: z.boolean().optional(),
  /** a session policy (JSON text): needs disableSessionTags */
  policy: z.string().optional(),
});
export type PodIdentityAssociationSpec = z.infer<typeof podIdentityAssociationSpecSchema>;

/** `<namespace>/<serviceAccountName>`: eksctl's Identifier.IDString() and NameString(). */
export const podIdentityId = (p: { namespace: string; serviceAccountName: string }): string => `${p.namespace}/${p.serviceAccountName}`;

/** Whether irsactl (or eksctl) makes the role: no roleARN given. */
export const makesRole = (p: PodIdentityAssociationSpec): boolean => p.roleARN === undefined;
