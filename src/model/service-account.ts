import { z } from 'zod';

// The resolved model: what flags or a ClusterConfig file turn into, after
// defaults and validation. Everything after parsing works on these types only.

export const WELL_KNOWN_POLICY_KEYS = [
  'imageBuilder',
  'autoScaler',
  'awsLoadBalancerController',
  'externalDNS',
  'certManager',
  'ebsCSIController',
  'efsCSIController',
] as const;
export type WellKnownPolicyKey = (typeof WELL_KNOWN_POLICY_KEYS)[number];

const stringMap = z.record(z.string(), z.string());

export const wellKnownPoliciesSchema = z.object({
  imageBuilder: z.boolean().default(false),
  autoScaler: z.boolean().default(false),
  awsLoadBalancerController: z.boolean().default(false),
  externalDNS: z.boolean().default(false),
  certManager: z.boolean().default(false),
  ebsCSIController: z.boolean().default(false),
  efsCSIController: z.boolean().default(false),
});
export type WellKnownPolicies = z.infer<typeof wellKnownPoliciesSchema>;

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
});
export type ClusterModel = z.infer<typeof clusterModelSchema>;

/** `<namespace>/<name>`: the identity eksctl uses everywhere (NameString()). */
export const saId = (sa: { namespace: string; name: string }): string => `${sa.namespace}/${sa.name}`;
