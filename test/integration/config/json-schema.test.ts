/**
 * `irsactl utils schema` against a real JSON Schema validator (python's jsonschema, which moto brings): every eksctl
 * example file validates, under both drafts, and the bad-input table's shape rows (an unknown key where irsactl checks
 * strictly, a wrong type, a wrong apiVersion, a document that is not a mapping) fail it, as they fail the loader. A
 * newer eksctl's keys at the top level and under iam pass it, as they pass the loader with a warning.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clusterConfigJsonSchema, type JsonSchemaDraft } from '../../../src/config/json-schema.js';
import { parseConfigYaml } from '../../../src/config/yaml.js';
import { rows } from '../../fixtures/config/bad-input-rows.js';
import { validateWithJsonSchema } from '../../support/json-schema.js';

const EXAMPLES_DIR = '/work/shared/eksctl-examples';
const SHAPE_ROWS = ['unknown well-known policy key', 'unknown SA key (casing)', 'unknown SA metadata key', 'wrong type', 'wrong apiVersion', 'missing kind', 'document is a list'];

function validate(draft: JsonSchemaDraft, docs: Record<string, unknown>): Record<string, string[]> {
  return validateWithJsonSchema(clusterConfigJsonSchema(draft), docs);
}

const examples = Object.fromEntries(
  readdirSync(EXAMPLES_DIR)
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .map((f) => [f, parseConfigYaml({ path: f, text: readFileSync(join(EXAMPLES_DIR, f), 'utf8') })]),
);

const shapeRows = rows.filter((r) => SHAPE_ROWS.includes(r.name));
const badDocs = Object.fromEntries(shapeRows.map((r) => [r.name, parseConfigYaml({ path: 'cluster.yaml', text: r.file as string })]));

describe.each(['draft-07', 'draft-2020-12'] as const)('the %s schema, with a real validator', (draft) => {
  it("accepts every one of eksctl's example files", () => {
    expect(Object.keys(examples)).toHaveLength(49);
    const errors = validate(draft, examples);
    expect(Object.entries(errors).filter(([, e]) => e.length > 0)).toEqual([]);
    expect(Object.keys(errors)).toHaveLength(49);
  });

  it("rejects the bad-input table's shape rows", () => {
    expect(shapeRows.map((r) => r.name).sort()).toEqual([...SHAPE_ROWS].sort());
    const errors = validate(draft, badDocs);
    for (const name of SHAPE_ROWS) expect(errors[name], name).not.toEqual([]);
    expect(errors['unknown SA key (casing)']?.join('\n')).toMatch(/attachPolicyArns/);
    expect(errors['wrong type']?.join('\n')).toMatch(/'yes'/);
  });

  it("accepts a newer eksctl's keys at the top level and under iam", () => {
    const doc = { ...(examples['01-simple-cluster.yaml'] as object), futureSection: { a: 1 }, iam: { withOIDC: true, futureIamKey: true } };
    expect(validate(draft, { doc })).toEqual({ doc: [] });
  });
});
