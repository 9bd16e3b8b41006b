import * as z from 'zod';

// The names of eksctl's wellKnownPolicies, shared by iamserviceaccounts and pod identity associations.

/** A catalogued document's inputs as the user gives them: one value or a list, by input name. */
export const policyInputValuesSchema = z.record(z.string(), z.union([z.string(), z.array(z.string())]));
export type PolicyInputValues = z.infer<typeof policyInputValuesSchema>;

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

/** Which statements a well-known policy renders: eksctl's (the default) or the controller's own, at a version. */
export const WELL_KNOWN_POLICY_PROFILES = ['eksctl', 'upstream'] as const;
export const wellKnownPolicySelectionSchema = z.object({
  profile: z.enum(WELL_KNOWN_POLICY_PROFILES),
  /** Controller version per key (upstream profile); unset: the newest catalogued. */
  versions: z.partialRecord(z.enum(WELL_KNOWN_POLICY_KEYS), z.string()),
  /** Scoping inputs per key (upstream profile): hosted zone ARNs, KMS key ARNs …; unset: none. */
  inputs: z.partialRecord(z.enum(WELL_KNOWN_POLICY_KEYS), policyInputValuesSchema).optional(),
});
export type WellKnownPolicySelection = z.infer<typeof wellKnownPolicySelectionSchema>;
export type WellKnownPolicyProfile = WellKnownPolicySelection['profile'];
