import { execFileSync } from 'node:child_process';

// Reads {schema, docs} on stdin; prints, for each doc, the validator's error messages (none when it is valid).
const VALIDATE = `
import json, sys
import jsonschema
data = json.load(sys.stdin)
cls = jsonschema.validators.validator_for(data["schema"])
cls.check_schema(data["schema"])
v = cls(data["schema"])
print(json.dumps({name: [e.message for e in v.iter_errors(doc)] for name, doc in data["docs"].items()}))
`;

/** A real JSON Schema validator (python's jsonschema, which moto brings): per document, its errors (none: valid). */
export function validateWithJsonSchema(schema: unknown, docs: Record<string, unknown>): Record<string, string[]> {
  return JSON.parse(execFileSync('python3', ['-c', VALIDATE], { input: JSON.stringify({ schema, docs }), encoding: 'utf8' })) as Record<string, string[]>;
}
