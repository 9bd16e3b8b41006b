import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startE2E, type E2E } from '../../support/cli.js';
import { motoUrl } from '../../support/aws.js';
import { escapeControls, singleLine } from '../../../src/output/terminal.js';
import { toJson, toYaml } from '../../../src/output/format.js';

/**
 * Issue 13 item 7: text from the cluster and from AWS cannot drive the terminal. A ServiceAccount annotated with
 * OSC 52 (write the clipboard), clear-screen and cursor-up sequences, a stack tagged with a CSI, and an AWS error
 * message with ESC in it go through get, doctor and a plan; no raw control character reaches stdout or stderr.
 */

const CLUSTER = 'term';
const REGION = 'us-west-2';
/** OSC 52 "set clipboard", BEL, clear screen, cursor up, carriage return, a fake check line, the one-byte CSI. */
const EVIL = '\x1b]52;c;ZXZpbA==\x07\x1b[2J\x1b[1A\r  ✔ trust policy fine\n  ✔ pods\x9b31m';
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
let e: E2E;
let accountId: string;

beforeAll(async () => {
  e = await startE2E(CLUSTER, REGION);
  await e.associate();
  accountId = e.account.accountId;
  const created = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'app', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--approve']);
  expect(created.code, created.stderr).toBe(0);
  // Someone with write access to the ServiceAccount replaces its annotation and adds labels and annotations.
  e.cluster.kube.putServiceAccount({
    apiVersion: 'v1',
    kind: 'ServiceAccount',
    metadata: { name: 'app', namespace: 'default', labels: { 'app.kubernetes.io/managed-by': 'irsactl' }, annotations: { 'eks.amazonaws.com/role-arn': `arn:aws:iam::${accountId}:role/x${EVIL}`, 'eks.amazonaws.com/audience': EVIL } },
  });
  // A stack someone else made, tagged as an iamserviceaccount whose name carries escapes (CloudFormation tag values have no pattern).
  const cfn = new CloudFormationClient({ region: REGION, endpoint: motoUrl(), credentials: { accessKeyId: e.account.accessKeyId, secretAccessKey: e.account.secretAccessKey } });
  await cfn.send(
    new CreateStackCommand({
      StackName: `eksctl-${CLUSTER}-addon-iamserviceaccount-default-evil`,
      TemplateBody: JSON.stringify({ Resources: { Role1: { Type: 'AWS::IAM::Role', Properties: { AssumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] } } } }, Outputs: { Role1: { Value: { 'Fn::GetAtt': ['Role1', 'Arn'] } } } }),
      Tags: [
        { Key: 'alpha.eksctl.io/cluster-name', Value: CLUSTER },
        { Key: 'alpha.eksctl.io/iamserviceaccount-name', Value: `default/evil${EVIL}` },
      ],
      Capabilities: ['CAPABILITY_IAM'],
    }),
  );
  cfn.destroy();
}, 60_000);
afterAll(async () => {
  e?.sandbox.proxy.setFaultInjector(undefined);
  await e?.stop();
});

function expectSafe(out: { stdout: string; stderr: string }): void {
  expect(out.stdout).not.toMatch(RAW_CONTROL);
  expect(out.stderr).not.toMatch(RAW_CONTROL);
}

describe('untrusted text is escaped at the output boundary', () => {
  it('get: table, json and yaml', async () => {
    const t = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION]);
    expect(t.code, t.stderr).toBe(0);
    expectSafe(t);
    // The table row stays one row: the line feed in the annotation is shown, not obeyed.
    expect(t.stdout.split('\n').filter((l) => l.startsWith('default'))).toHaveLength(1);

    for (const format of ['json', 'yaml']) {
      const out = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '-o', format]);
      expect(out.code, out.stderr).toBe(0);
      expectSafe(out);
    }
    const json = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '-o', 'json']);
    // Escaped as JSON escapes, so the value a script reads is the real one.
    const items = JSON.parse(json.stdout) as { metadata: { name: string }; status: { serviceAccount?: { roleARN?: string } } }[];
    expect(items.find((i) => i.metadata.name === 'app')?.status.serviceAccount?.roleARN).toBe(`arn:aws:iam::${accountId}:role/x${EVIL}`);
  });

  it("a stack tagged with escapes: the message naming its real owner shows them escaped", async () => {
    // The tag says another service account owns the stack with default/evil's name, so create refuses it and names that owner.
    const out = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'evil', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--approve']);
    expect(out.code).toBe(1);
    expectSafe(out);
    // One line: the owner's line feeds are shown, not obeyed (moto's XML answer turns the carriage return into one).
    expect(out.stderr).toMatch(/belongs to service account default\/evil\\x1b\]52;c;ZXZpbA==\\x07\\x1b\[2J\\x1b\[1A\\x0[ad] {2}✔ trust policy fine\\x0a {2}✔ pods\\x9b31m of this cluster/);
    expect(out.stderr.split('\n').filter((l) => /^\s+✔ (trust policy fine|pods)/.test(l))).toEqual([]);
  });

  it('doctor: the annotation shows escaped and every check stays on its own line', async () => {
    const out = await e.run(['doctor', '--cluster', CLUSTER, '--region', REGION, '--namespace', 'default', '--name', 'app']);
    expect(out.code).toBe(1);
    expectSafe(out);
    expect(out.stdout).toContain(`default/app → arn:aws:iam::${accountId}:role/x\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J`);
    // The only lines with a check mark are doctor's own (each starts with two spaces and the icon).
    const fake = out.stdout.split('\n').filter((l) => /^\s+✔ (trust policy fine|pods)$/.test(l));
    expect(fake).toEqual([]);
  });

  it('a plan that shows the old annotation', async () => {
    const out = await e.run(['create', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION, '--name', 'app', '--attach-policy-arn', 'arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', '--override-existing-serviceaccounts']);
    expect(out.code, out.stderr).toBe(0);
    expectSafe(out);
    expect(out.stdout).toContain('\\x1b]52;c;ZXZpbA==\\x07');
  });

  it('an AWS error message carrying ESC', async () => {
    e.sandbox.proxy.setFaultInjector(({ service }) =>
      service === 'eks'
        ? { status: 403, body: JSON.stringify({ message: `not allowed${EVIL}` }), headers: { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' } }
        : 'pass',
    );
    try {
      const out = await e.run(['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION]);
      expect(out.code).toBe(1);
      expectSafe(out);
      expect(out.stderr).toContain('not allowed\\x1b]52;c;ZXZpbA==\\x07\\x1b[2J');
    } finally {
      e.sandbox.proxy.setFaultInjector(undefined);
    }
  });
});

describe('the escaping functions', () => {
  it('keep line feeds and tabs in output, escape every other C0, DEL and C1 control', () => {
    expect(escapeControls('a\tb\nc\x1b[0m\x07\r\x7f\x9b\u0085')).toBe('a\tb\nc\\x1b[0m\\x07\\x0d\\x7f\\x9b\\x85');
    expect(singleLine('a\nb\tc')).toBe('a\\x0ab\tc');
    expect(escapeControls('ünïcode ✔ 日本')).toBe('ünïcode ✔ 日本');
  });

  it('JSON and YAML escape controls in their own syntax, so the values survive a parse', () => {
    const value = { v: `x${EVIL}\u2028` };
    const json = toJson(value);
    expect(json).not.toMatch(RAW_CONTROL);
    expect(JSON.parse(json)).toEqual(value);
    expect(toYaml(value)).not.toMatch(RAW_CONTROL);
  });
});
