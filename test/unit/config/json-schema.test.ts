import { describe, expect, it } from 'vitest';
import { clusterConfigJsonSchema } from '../../../src/config/json-schema.js';
import { WELL_KNOWN_POLICY_KEYS } from '../../../src/model/service-account.js';
import { isRecord } from '../../../src/json.js';
import { runCli } from '../../support/run-cli.js';

// `irsactl utils schema`: the document's own properties. That it accepts eksctl's examples and rejects the bad-input
// table's shape rows is checked with a real validator in test/integration/config/json-schema.test.ts.

type Node = Record<string, unknown>;

/** Every property node with its dotted path (`[]` for list items), through zod's anyOf for nullable values. */
function properties(node: Node, path = ''): [string, Node][] {
  const out: [string, Node][] = [];
  const variants = [node, ...(Array.isArray(node.anyOf) ? node.anyOf.filter(isRecord) : [])];
  for (const v of variants) {
    if (isRecord(v.properties)) {
      for (const [k, child] of Object.entries(v.properties)) {
        if (!isRecord(child)) continue;
        const p = path === '' ? k : `${path}.${k}`;
        out.push([p, child], ...properties(child, p));
      }
    }
    if (isRecord(v.items)) out.push(...properties(v.items, `${path}[]`));
  }
  return out;
}

const at = (schema: Node, path: string): Node | undefined => properties(schema).find(([p]) => p === path)?.[1];

describe('clusterConfigJsonSchema', () => {
  const schema = clusterConfigJsonSchema();

  it('names its draft', () => {
    expect(schema.$schema).toBe('http://json-schema.org/draft-07/schema#');
    expect(clusterConfigJsonSchema('draft-2020-12').$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes every property, the sections irsactl ignores as such', () => {
    const undescribed = properties(schema).filter(([, n]) => typeof n.description !== 'string' || n.description === '');
    expect(undescribed.map(([p]) => p)).toEqual([]);
    expect(at(schema, 'nodeGroups')?.description).toMatch(/irsactl accepts any value here and ignores it/);
    expect(at(schema, 'iam.serviceAccounts[].attachRoleARN')?.description).toMatch(/existing role/);
  });

  it('lists the well-known policy names, each described, and nothing else there', () => {
    const wk = at(schema, 'iam.serviceAccounts[].wellKnownPolicies');
    const object = [wk, ...(Array.isArray(wk?.anyOf) ? wk.anyOf : [])].find((n): n is Node => isRecord(n) && isRecord(n.properties));
    expect(Object.keys(object?.properties as Node)).toEqual([...WELL_KNOWN_POLICY_KEYS]);
    expect(object?.additionalProperties).toBe(false);
    expect(wk?.description).toContain('awsLoadBalancerController');
    for (const key of WELL_KNOWN_POLICY_KEYS) expect(at(schema, `iam.serviceAccounts[].wellKnownPolicies.${key}`)?.description).toBeTruthy();
  });

  it('allows other keys at the top level and under iam (the loader warns), none where irsactl acts', () => {
    const objectOf = (n: Node | undefined) => [n, ...(Array.isArray(n?.anyOf) ? n.anyOf : [])].find((v): v is Node => isRecord(v) && isRecord(v.properties));
    expect(schema.additionalProperties).toEqual({});
    expect(objectOf(at(schema, 'iam'))?.additionalProperties).toEqual({});
    for (const path of ['metadata', 'iam.serviceAccounts[]', 'iam.serviceAccounts[].metadata']) {
      const list = at(schema, 'iam.serviceAccounts');
      const items = [list, ...(Array.isArray(list?.anyOf) ? list.anyOf : [])].find((v): v is Node => isRecord(v) && isRecord(v.items))?.items;
      const object = path.endsWith('[]') ? objectOf(isRecord(items) ? items : undefined) : objectOf(at(schema, path));
      expect(object?.additionalProperties, path).toBe(false);
    }
  });

  it("has iam.podIdentityAssociations with eksctl's keys and irsactl's profile keys, each described, strict like the loader", () => {
    const list = at(schema, 'iam.podIdentityAssociations');
    expect(list?.description).toMatch(/Pod Identity/);
    const items = [list, ...(Array.isArray(list?.anyOf) ? list.anyOf : [])].find((v): v is Node => isRecord(v) && isRecord(v.items))?.items;
    expect(isRecord(items) && items.additionalProperties).toBe(false);
    expect(Object.keys((isRecord(items) && isRecord(items.properties) ? items.properties : {}) as Node)).toEqual([
      'namespace', 'serviceAccountName', 'roleARN', 'createServiceAccount', 'roleName', 'permissionsBoundaryARN', 'permissionPolicyARNs',
      'permissionPolicyName', 'permissionPolicy', 'wellKnownPolicies', 'wellKnownPolicyProfile', 'wellKnownPolicyVersions', 'wellKnownPolicyInputs',
      'tags', 'targetRoleARN', 'disableSessionTags', 'policy',
    ]);
    expect(at(schema, 'iam.podIdentityAssociations[].policy')?.description).toMatch(/2,048 characters.*disableSessionTags: true/);
    expect(at(schema, 'iam.podIdentityAssociations[].wellKnownPolicies.autoScaler')?.description).toBeTruthy();
  });

  it('requires apiVersion and kind with their one value', () => {
    expect(schema.required).toEqual(['apiVersion', 'kind']);
    expect(at(schema, 'apiVersion')?.const).toBe('eksctl.io/v1alpha5');
    expect(at(schema, 'kind')?.const).toBe('ClusterConfig');
  });
});

describe('irsactl utils schema', () => {
  it('prints the document on stdout, nothing on stderr, exit 0', async () => {
    const r = await runCli(['utils', 'schema'], {});
    expect(r).toEqual({ code: 0, stdout: `${JSON.stringify(clusterConfigJsonSchema('draft-07'), null, 2)}\n`, stderr: '' });
  });

  it('--draft draft-2020-12; an unknown draft is a usage error', async () => {
    const r = await runCli(['utils', 'schema', '--draft', 'draft-2020-12'], {});
    expect(JSON.parse(r.stdout)).toEqual(clusterConfigJsonSchema('draft-2020-12'));
    const bad = await runCli(['utils', 'schema', '--draft', '4'], {});
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("Allowed choices are draft-07, draft-2020-12");
  });
});
