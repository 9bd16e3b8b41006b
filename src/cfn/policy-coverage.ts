import { isRecord } from '../json.js';
import type { WellKnownPolicyKey } from '../model/service-account.js';
import type { PolicyDocument } from './policy.js';
import { wellKnownKeyOfInlinePolicy } from './summary.js';

// What a role's well-known policies grant against what the controller's published policy needs, by action
// (conditions and resources are not compared). Pure: works on any parsed template, irsactl's or eksctl's.

/** The actions each well-known policy of a template allows (wildcards kept), by key, in template order. */
export function wellKnownGrants(template: unknown): Map<WellKnownPolicyKey, string[]> {
  const grants = new Map<WellKnownPolicyKey, string[]>();
  const resources = isRecord(template) && isRecord(template.Resources) ? template.Resources : {};
  for (const [logicalId, res] of Object.entries(resources)) {
    if (!isRecord(res) || res.Type !== 'AWS::IAM::Policy' || !isRecord(res.Properties)) continue;
    const key = wellKnownKeyOfInlinePolicy(logicalId);
    if (key === undefined) continue;
    grants.set(key, [...(grants.get(key) ?? []), ...allowedActions(res.Properties.PolicyDocument)]);
  }
  return grants;
}

/** Every action an Allow statement names (NotAction statements grant what they do not name, so they are skipped). */
export function allowedActions(document: unknown): string[] {
  const statements = isRecord(document) ? [document.Statement].flat() : [];
  return statements.flatMap((s) => (isRecord(s) && s.Effect === 'Allow' ? [s.Action].flat().filter((a): a is string => typeof a === 'string') : []));
}

/** IAM's action matching: case-insensitive, `*` any run of characters, `?` one character. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return re.test(action);
}

export interface Coverage {
  /** Actions the controller's document names that no granted action covers: the controller fails on these. */
  missing: string[];
  /** Granted actions the controller's document does not name (and no pattern of it covers): no longer used. */
  unused: string[];
}

export function coverage(granted: readonly string[], needed: PolicyDocument): Coverage {
  const need = [...new Set(allowedActions(needed))];
  const have = [...new Set(granted)];
  return {
    missing: need.filter((a) => !have.some((g) => actionMatches(g, a))),
    unused: have.filter((g) => !need.some((a) => actionMatches(a, g))),
  };
}
