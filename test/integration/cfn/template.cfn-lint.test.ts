import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { renderTemplate, templateBody } from '../../../src/cfn/template.js';
import { MANAGED_POLICIES, UPSTREAM_POLICIES, isWellKnownKey } from '../../../src/cfn/policy-data.js';
import { GOLDEN_CASES, OIDC, spec } from '../../fixtures/cfn/specs.js';

/** A plausible value for each catalogued input, by name (ARNs where the input is an ARN). */
const SAMPLE_INPUTS: Record<string, string | string[]> = {
  bucket: 'my-bucket',
  buckets: ['my-bucket', 'my-other-bucket'],
  secretArns: ['arn:aws:secretsmanager:us-west-2:123456789012:secret:app-*'],
  clusterName: 'demo',
  nodeRoleArn: 'arn:aws:iam::123456789012:role/KarpenterNodeRole-demo',
  interruptionQueueArn: 'arn:aws:sqs:us-west-2:123456789012:demo',
  hostedZoneArns: ['arn:aws:route53:::hostedzone/Z0123456789ABCDEFGHIJ'],
  kmsKeyArns: ['arn:aws:kms:us-west-2:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'],
  queueArns: ['arn:aws:sqs:us-west-2:123456789012:nth'],
};
const sampleInputs = (f: object) => Object.fromEntries(Object.keys(('inputs' in f && typeof f.inputs === 'object' ? f.inputs : null) ?? {}).map((k) => [k, SAMPLE_INPUTS[k] ?? 'x']));

/** Every catalogued upstream document and managed-policy entry, each in a template of its own (pinned to it). */
const UPSTREAM_CASES = [...UPSTREAM_POLICIES.values(), ...MANAGED_POLICIES.values()].flat().map((f) => ({
  name: `upstream-${f.controller}-${f.version}`,
  sa: isWellKnownKey(f.controller)
    ? spec({
        wellKnownPolicies: { [f.controller]: true },
        // Each with its inputs given, so the statements they add are linted too.
        wellKnownPolicySelection: { profile: 'upstream', versions: { [f.controller]: f.version }, inputs: { [f.controller]: sampleInputs(f) } },
      })
    : spec({
        // Controllers eksctl has no key for, each input given a plausible value.
        controllerPolicies: [
          {
            name: f.controller,
            version: f.version,
            inputs: sampleInputs(f),
          },
        ],
      }),
  oidc: OIDC,
}));

// The golden templates through AWS's own linter, the one check here that needs a tool besides Node (cfn-lint);
// the rendering itself is checked without it in template.test.ts.
describe('cfn-lint', () => {
  it('accepts every golden template and every upstream document', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'irsactl-cfn-lint-'));
    try {
      expect(UPSTREAM_CASES.length).toBeGreaterThanOrEqual(17);
      const files = [...GOLDEN_CASES, ...UPSTREAM_CASES].map((c) => {
        const file = join(dir, `${c.name}.json`);
        writeFileSync(file, templateBody(renderTemplate(c.sa, c.oidc)));
        return file;
      });
      let exitCode = 0;
      let output = '';
      try {
        const result = await promisify(execFile)('cfn-lint', ['--format', 'parseable', '--', ...files]);
        output = result.stdout + result.stderr;
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        if (typeof e.code !== 'number') throw err;
        exitCode = e.code;
        output = `${e.stdout ?? ''}${e.stderr ?? ''}`;
      }
      // cfn-lint's exit code is a bit mask: 2 = errors, 4 = warnings, 8 = informational.
      const errors = output.split('\n').filter((line) => /:E\d{4}:/.test(line));
      expect({ errorBit: exitCode & 2, errors, output }).toEqual({ errorBit: 0, errors: [], output });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
