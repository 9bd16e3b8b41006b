import type { ClusterModel, ServiceAccountSpec } from '../model/service-account.js';
import type { OidcInfo } from '../model/oidc.js';
import { saId } from '../model/service-account.js';
import { stackNameFor, stackTagsFor } from '../model/naming.js';
import { renderTemplate, type CfnTemplate } from '../cfn/template.js';
import { oidcInfoFrom } from '../model/oidc.js';
import { wellKnownManagedPolicyArns } from '../cfn/well-known-policies.js';
import { thousands, type Locator, type Path, type PathSegment, type Problem, type RuleResult } from './problems.js';

/**
 * AWS limits that moto does not enforce, checked before any request so that a plan never shows what AWS refuses.
 * Sources: the botocore models (cloudformation 2010-05-15 `Tags` max 50, `TagValue` min 1; iam 2010-05-08
 * `policyNameType` 1–128, `policyDocumentType` [\t\n\r\u0020-\u00FF]) and the IAM quotas page
 * (reference_iam-quotas: inline policies 10,240 per role, trust policy 2,048, managed policies 10 raisable to 20,
 * all sizes counted without whitespace; tag keys are case-insensitive).
 */
export const LIMITS = {
  stackTags: 50,
  managedPoliciesDefault: 10,
  managedPoliciesMax: 20,
  inlinePolicyChars: 10_240,
  policyNameChars: 128,
  trustPolicyDefault: 2_048,
  trustPolicyRaised: 4_096,
} as const;

const POLICY_DOCUMENT_CHAR = /[^\t\n\r\u0020-\u00FF]/u;

/** Partition and OIDC issuer DNS suffix by region prefix; the longest prefix wins. */
const PARTITIONS: readonly [prefix: string, partition: string, dnsSuffix: string][] = [
  ['us-isob-', 'aws-iso-b', 'sc2s.sgov.gov'],
  ['us-isof-', 'aws-iso-f', 'csp.hci.ic.gov'],
  ['eu-isoe-', 'aws-iso-e', 'cloud.adc-e.uk'],
  ['us-iso-', 'aws-iso', 'c2s.ic.gov'],
  ['us-gov-', 'aws-us-gov', 'amazonaws.com'],
  ['eusc-', 'aws-eusc', 'amazonaws.eu'],
  ['cn-', 'aws-cn', 'amazonaws.com.cn'],
];

/**
 * The OIDC issuer is known only after DescribeCluster, so sizes are computed with the longest issuer the region can
 * have (EKS issuers are https://oidc.eks.<region>.<dns suffix>/id/<32 hex>). Without a region (it comes from the
 * AWS profile then), the longest partition and suffix: the check may then be a few characters stricter than AWS.
 */
export function boundingOidc(given: string | undefined): OidcInfo {
  const region = regionOrUndefined(given);
  const known = region === undefined ? undefined : PARTITIONS.find(([prefix]) => region.startsWith(prefix));
  const [partition, suffix] = known
    ? [known[1], known[2]]
    : region !== undefined
      ? ['aws', 'amazonaws.com']
      : ['aws-us-gov', 'cloud.adc-e.uk'];
  const shownRegion = region ?? 'us-isof-south-1';
  return oidcInfoFrom(`https://oidc.eks.${shownRegion}.${suffix}/id/${'F'.repeat(32)}`, partition, '123456789012');
}

/** A region name as AWS spells them (e.g. us-gov-west-1); anything else bounds nothing, so the worst case is used. */
const REGION_NAME = /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/;
const regionOrUndefined = (region: string | undefined): string | undefined =>
  region !== undefined && region.length <= 25 && REGION_NAME.test(region) ? region : undefined;

/** IAM counts policy sizes without whitespace (JSON.stringify writes none of its own, so most documents have none). */
export function policySize(document: unknown): number {
  const json = JSON.stringify(document);
  return /\s/.test(json) ? json.replace(/\s/g, '').length : json.length;
}

/** What CloudFormation hands IAM: `Fn::Sub` resolved (pseudo parameters by their longest plausible values). */
function resolveSubs(value: unknown, oidc: OidcInfo, region: string): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveSubs(v, oidc, region));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && entries[0][0] === 'Fn::Sub' && typeof entries[0][1] === 'string') {
    return entries[0][1]
      .replaceAll('${AWS::Partition}', oidc.partition)
      .replaceAll('${AWS::AccountId}', oidc.accountId)
      .replaceAll('${AWS::Region}', region)
      .replaceAll('${AWS::URLSuffix}', 'amazonaws.com.cn');
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveSubs(v, oidc, region)]));
}

/** The first character IAM refuses in a policy document, with where it is. */
function badPolicyCharacter(value: unknown, path: string): { path: string; char: string } | undefined {
  const check = (s: string, at: string) => {
    const m = POLICY_DOCUMENT_CHAR.exec(s);
    return m ? { path: at, char: m[0] } : undefined;
  };
  if (typeof value === 'string') return check(value, path);
  if (value === null || typeof value !== 'object') return undefined;
  for (const [k, v] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${k}]` : path === '' ? k : `${path}.${k}`;
    const found = check(k, at) ?? badPolicyCharacter(v, at);
    if (found) return found;
  }
  return undefined;
}

const codePoint = (c: string): string => `U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * The limits of one service account's stack and role. `indices` are the service accounts whose names the other
 * rules accepted and that get a stack (no attachRoleARN): only those can be rendered.
 */
export function awsLimitProblems(model: ClusterModel, indices: readonly number[], loc: Locator, opts: { applySetTag?: boolean } = {}): RuleResult {
  const problems: Problem[] = [];
  const warnings: string[] = [];
  const oidc = boundingOidc(model.region);
  const region = regionOrUndefined(model.region) ?? 'us-isof-south-1';
  for (const i of indices) {
    const sa = model.serviceAccounts[i];
    if (sa === undefined) continue;
    const at = (...rest: PathSegment[]): Path => ['iam', 'serviceAccounts', i, ...rest];
    const add = (path: Path, what: string, fix: string) => problems.push({ code: loc.code, where: loc.where(path), what, fix });
    const template = renderTemplate(sa, oidc);
    checkStackTags(model, sa, at, add, loc, opts.applySetTag === true);
    checkManagedPolicies(sa, at, add, warnings, loc);
    checkInlinePolicies(model, sa, template, oidc, region, at, add, loc);
    checkTrustPolicy(sa, template, regionOrUndefined(model.region) !== undefined, at, add, loc);
  }
  return { problems, warnings };
}

type Add = (path: Path, what: string, fix: string) => void;
type At = (...rest: PathSegment[]) => Path;

function checkStackTags(model: ClusterModel, sa: ServiceAccountSpec, at: At, add: Add, loc: Locator, applySetTag: boolean): void {
  // apply adds its apply-set tag; its value does not change the count
  const tags = stackTagsFor(model, sa, applySetTag ? 'apply-set' : undefined);
  const reserved = applySetTag ? '5 irsactl/eksctl tags' : '4 eksctl tags';
  const reservedCount = applySetTag ? 5 : 4;
  const keys = Object.keys(tags);
  // metadata.tags go on every stack; a service account's tag with the same key replaces one of them.
  const own = Object.keys(sa.tags).length;
  const shared = Object.keys(model.tags).filter((k) => !Object.hasOwn(sa.tags, k)).length;
  if (keys.length > LIMITS.stackTags) {
    const sources = [reserved, ...(shared > 0 ? [`${shared} from metadata.tags`] : []), ...(own > 0 ? [`${own} from ${loc.label(at('tags'))}`] : [])];
    add(
      at('tags'),
      `the stack of ${saId(sa)} would carry ${keys.length} tags (${sources.join(', ')}), more than CloudFormation's limit of ${LIMITS.stackTags}`,
      `remove at least ${keys.length - LIMITS.stackTags} tag(s); irsactl always adds the ${reserved}, so at most ${LIMITS.stackTags - reservedCount} of your own fit`,
    );
  }
  // The role gets the stack's tags, and IAM treats tag keys that differ only in case as the same key.
  const byLower = new Map<string, string>();
  for (const key of keys) {
    const other = byLower.get(key.toLowerCase());
    if (other === undefined) byLower.set(key.toLowerCase(), key);
    else {
      add(
        at('tags'),
        `tag keys "${other}" and "${key}" differ only in case, which IAM refuses on the role (its tag keys are case-insensitive)`,
        'keep one spelling of the key (metadata.tags and the service account tags are merged onto one stack)',
      );
    }
  }
}

function checkManagedPolicies(sa: ServiceAccountSpec, at: At, add: Add, warnings: string[], loc: Locator): void {
  const wellKnown = wellKnownManagedPolicyArns(sa.wellKnownPolicies, sa.wellKnownPolicySelection).length;
  const count = sa.attachPolicyARNs.length + wellKnown;
  if (count <= LIMITS.managedPoliciesDefault) return;
  const parts = `${sa.attachPolicyARNs.length} from ${loc.label(at('attachPolicyARNs'))}${wellKnown > 0 ? ` + ${wellKnown} from wellKnownPolicies` : ''}`;
  if (count > LIMITS.managedPoliciesMax) {
    add(
      at('attachPolicyARNs'),
      `the role of ${saId(sa)} would have ${count} managed policies (${parts}), more than IAM allows any role (${LIMITS.managedPoliciesMax}, the highest quota AWS grants)`,
      `attach at most ${LIMITS.managedPoliciesMax}: combine some into one customer managed policy, or move statements into attachPolicy`,
    );
    return;
  }
  warnings.push(
    `${loc.where(at('attachPolicyARNs'))}: the role of ${saId(sa)} would have ${count} managed policies (${parts}), more than IAM's default quota of ${LIMITS.managedPoliciesDefault}: ` +
      `unless this account's "Managed policies per role" quota was raised (Service Quotas, IAM, up to ${LIMITS.managedPoliciesMax}), the stack will fail with "Cannot exceed quota for PoliciesPerRole"`,
  );
}

function checkInlinePolicies(
  model: ClusterModel,
  sa: ServiceAccountSpec,
  template: CfnTemplate,
  oidc: OidcInfo,
  region: string,
  at: At,
  add: Add,
  loc: Locator,
): void {
  const stackName = stackNameFor(model.name, sa);
  let total = 0;
  const sizes: [logicalId: string, size: number][] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== 'AWS::IAM::Policy') continue;
    const fromUser = logicalId === 'Policy1';
    const where = fromUser ? at('attachPolicy') : at('wellKnownPolicies');
    const policyName = `${stackName}-${logicalId}`;
    if (policyName.length > LIMITS.policyNameChars) {
      const over = policyName.length - LIMITS.policyNameChars;
      add(
        at('metadata', 'name'),
        `the inline policy name "${policyName}" (CloudFormation names it <stack name>-${logicalId}) is ${policyName.length} characters, more than IAM's limit of ${LIMITS.policyNameChars}`,
        `shorten the cluster, namespace or service account name by at least ${over} character(s) in all`,
      );
    }
    const document = resolveSubs(resource.Properties.PolicyDocument, oidc, region);
    if (fromUser) {
      const bad = badPolicyCharacter(document, '');
      if (bad) {
        add(
          bad.path === '' ? where : [...where, ...bad.path.split('.')],
          `has the character ${codePoint(bad.char)}, which IAM does not accept in a policy document (only tab, line feed, carriage return and U+0020–U+00FF)`,
          'replace it with plain ASCII (or Latin-1) text',
        );
      }
    }
    const size = policySize(document);
    total += size;
    sizes.push([logicalId, size]);
  }
  if (total > LIMITS.inlinePolicyChars) {
    add(
      sa.attachPolicy !== undefined ? at('attachPolicy') : at('wellKnownPolicies'),
      `the inline policies of ${saId(sa)} come to ${thousands(total)} characters without whitespace (${sizes.map(([id, size]) => `${id} ${thousands(size)}`).join(', ')}), more than IAM's limit of ${thousands(LIMITS.inlinePolicyChars)} per role`,
      `remove ${thousands(total - LIMITS.inlinePolicyChars)} or more characters: move statements into a customer managed policy and list it in ${loc.label(at('attachPolicyARNs'))}, or drop a well-known policy`,
    );
  }
}

function checkTrustPolicy(sa: ServiceAccountSpec, template: CfnTemplate, regionKnown: boolean, at: At, add: Add, loc: Locator): void {
  const role = template.Resources.Role1;
  if (role?.Type !== 'AWS::IAM::Role') return;
  const size = policySize(role.Properties.AssumeRolePolicyDocument);
  if (size <= LIMITS.trustPolicyDefault) return;
  const over = size - LIMITS.trustPolicyDefault;
  const byPattern = sa.subjectPattern !== undefined;
  add(
    byPattern ? at('subjectPattern') : at('metadata', 'name'),
    `the trust policy of ${saId(sa)} would be ${regionKnown ? '' : 'up to '}${thousands(size)} characters without whitespace${regionKnown ? '' : ' (with the longest OIDC issuer of any region)'}, more than IAM's default quota of ${thousands(LIMITS.trustPolicyDefault)}`,
    `shorten ${byPattern ? loc.label(at('subjectPattern')) : 'the namespace or service account name'} by at least ${thousands(over)} character(s); the "Role trust policy length" quota can be raised to ${thousands(LIMITS.trustPolicyRaised)} through Service Quotas, but irsactl checks the default`,
  );
}
