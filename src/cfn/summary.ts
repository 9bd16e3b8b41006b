import { WELL_KNOWN_POLICY_KEYS, type WellKnownPolicies } from '../model/service-account.js';
import { isRecord } from '../json.js';

/**
 * What a live template says about a role, in the ClusterConfig's terms (for
 * `get -o json|yaml`): managed policies, well-known policies, inline policies,
 * boundary, role name. Pure; accepts any parsed template (ours or eksctl's).
 */
export interface PolicySummary {
  attachPolicyARNs: string[];
  wellKnownPolicies: WellKnownPolicies;
  inlinePolicies: string[];
  permissionsBoundary?: string;
  roleName?: string;
}

const INLINE_TO_WELL_KNOWN: [RegExp, keyof WellKnownPolicies][] = [
  [/^PolicyAutoScaling$/, 'autoScaler'],
  [/^PolicyAWSLoadBalancerController$/, 'awsLoadBalancerController'],
  [/^PolicyExternalDNS/, 'externalDNS'],
  [/^PolicyCertManager/, 'certManager'],
  [/^PolicyEFSCSIController$/, 'efsCSIController'],
  // The upstream profile's (eksctl's EBS policy is a managed one).
  [/^PolicyEBSCSIController$/, 'ebsCSIController'],
];
const MANAGED_TO_WELL_KNOWN: [RegExp, keyof WellKnownPolicies][] = [
  [/:policy\/AmazonEC2ContainerRegistryPowerUser$/, 'imageBuilder'],
  [/:policy\/service-role\/AmazonEBSCSIDriverPolicy$/, 'ebsCSIController'],
];

/** The well-known policy an inline policy's logical ID belongs to, in either profile. */
export const wellKnownKeyOfInlinePolicy = (logicalId: string): keyof WellKnownPolicies | undefined =>
  INLINE_TO_WELL_KNOWN.find(([re]) => re.test(logicalId))?.[1];

function plainString(v: unknown, partition: string): string | undefined {
  if (typeof v === 'string') return v;
  if (isRecord(v) && typeof v['Fn::Sub'] === 'string') return (v['Fn::Sub'] as string).replace('${AWS::Partition}', partition);
  return undefined;
}

export function summarizeTemplate(live: unknown, partition: string): PolicySummary {
  const wk = Object.fromEntries(WELL_KNOWN_POLICY_KEYS.map((k) => [k, false])) as WellKnownPolicies;
  const out: PolicySummary = { attachPolicyARNs: [], wellKnownPolicies: wk, inlinePolicies: [] };
  const resources = isRecord(live) && isRecord(live.Resources) ? live.Resources : {};
  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isRecord(res) || !isRecord(res.Properties)) continue;
    const props = res.Properties;
    if (res.Type === 'AWS::IAM::Role') {
      for (const arn of Array.isArray(props.ManagedPolicyArns) ? props.ManagedPolicyArns : []) {
        const s = plainString(arn, partition);
        if (!s) continue;
        const known = MANAGED_TO_WELL_KNOWN.find(([re]) => re.test(s));
        if (known && typeof arn !== 'string') wk[known[1]] = true;
        else out.attachPolicyARNs.push(s);
      }
      out.permissionsBoundary = plainString(props.PermissionsBoundary, partition);
      out.roleName = plainString(props.RoleName, partition);
    } else if (res.Type === 'AWS::IAM::Policy') {
      const known = INLINE_TO_WELL_KNOWN.find(([re]) => re.test(logicalId));
      if (known) wk[known[1]] = true;
      else out.inlinePolicies.push(logicalId);
    }
  }
  return out;
}
