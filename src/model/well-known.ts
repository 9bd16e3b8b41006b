import * as z from 'zod';

// The names of eksctl's wellKnownPolicies, shared by iamserviceaccounts and pod identity associations.

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
