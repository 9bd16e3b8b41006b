import fc from 'fast-check';
import { dump } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { resolveConfig, type CommandKind, type ConfigFlags } from '../../../src/config/resolve.js';
import { IrsaError } from '../../../src/errors.js';
import type { RuntimeOverrides } from '../../../src/runtime/runtime.js';
import { runCli } from '../../support/run-cli.js';
import { startE2E } from '../../support/cli.js';

/**
 * Issue #5, hostile input: generated and mutated ClusterConfig documents and flag sets. Each one is accepted
 * or rejected with USAGE/CONFIG (exit 2), never another exception; through main() a rejected input makes no
 * AWS or Kubernetes call and prints no stack trace. Very large inputs are rejected or handled within bounds.
 */

const KINDS: readonly CommandKind[] = ['create', 'update', 'delete', 'get', 'associate', 'apply', 'doctor'];

// Values that sit near the validators' edges, mixed with anything at all.
const edgyString = fc.oneof(
  fc.constantFrom('', 'demo', 'default', 'kube-system', 'app', '*', 'a*', 'a?b', 'A', '-x', 'x-', 'a'.repeat(64), 'a'.repeat(300), 'ünïcode', 'a b', 'a/b', 'a:b', '{{x}}', '\u0000', 'true', '0'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
  fc.string({ maxLength: 30 }),
);
const arn = fc.oneof(
  fc.constantFrom('arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess', 'arn:aws:iam::123456789012:role/r', 'arn:aws-cn:iam::123456789012:policy/p', 'arn:aws:iam::12:role/x', 'not-an-arn', ''),
  edgyString,
);
const stringMap = fc.dictionary(edgyString, fc.oneof(edgyString, fc.integer(), fc.boolean()), { maxKeys: 3 });
const maybeAnything = <T>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 5, arbitrary: arb }, { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) });

const serviceAccount = fc.record(
  {
    metadata: maybeAnything(
      fc.record({ name: edgyString, namespace: edgyString, labels: stringMap, annotations: stringMap }, { requiredKeys: ['name'] }),
    ),
    attachPolicyARNs: maybeAnything(fc.array(arn, { maxLength: 3 })),
    attachPolicy: maybeAnything(fc.constant({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }] })),
    attachRoleARN: arn,
    wellKnownPolicies: maybeAnything(fc.dictionary(fc.constantFrom('autoScaler', 'certManager', 'externalDNS', 'ebsCSIController', 'bogus'), fc.boolean())),
    roleName: edgyString,
    roleOnly: maybeAnything(fc.boolean()),
    tags: stringMap,
    permissionsBoundary: arn,
    subjectPattern: edgyString,
    status: fc.anything({ maxDepth: 1 }),
    bogusKey: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: ['metadata'] },
);

const clusterConfig = fc.record(
  {
    apiVersion: fc.oneof(fc.constant('eksctl.io/v1alpha5'), edgyString),
    kind: fc.oneof(fc.constant('ClusterConfig'), edgyString),
    metadata: maybeAnything(fc.record({ name: edgyString, region: fc.oneof(fc.constantFrom('us-west-2', 'cn-north-1', 'xx'), edgyString), tags: stringMap }, { requiredKeys: [] })),
    iam: maybeAnything(fc.record({ withOIDC: maybeAnything(fc.boolean()), serviceAccounts: maybeAnything(fc.array(serviceAccount, { maxLength: 4 })) }, { requiredKeys: [] })),
    nodeGroups: fc.anything({ maxDepth: 2 }),
    unknownTop: fc.anything({ maxDepth: 1 }),
  },
  { requiredKeys: ['apiVersion', 'kind'] },
);

// Mostly-valid documents, so mutations land next to the accept/reject boundary rather than far from it.
const dnsName = fc.stringMatching(/^[a-z][a-z0-9-]{0,14}[a-z0-9]$/);
const validServiceAccount = fc.record(
  {
    metadata: fc.record({ name: dnsName, namespace: fc.constantFrom('default', 'backend', 'kube-system', 'team-a') }, { requiredKeys: ['name'] }),
    attachPolicyARNs: fc.constantFrom(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess'], ['arn:aws:iam::123456789012:policy/p']),
    tags: fc.dictionary(dnsName, dnsName, { maxKeys: 2 }),
    roleOnly: fc.boolean(),
    subjectPattern: fc.constantFrom('app-*', 'x?y', '*'),
  },
  { requiredKeys: ['metadata', 'attachPolicyARNs'] },
);
const validConfig = fc.record({
  apiVersion: fc.constant('eksctl.io/v1alpha5'),
  kind: fc.constant('ClusterConfig'),
  metadata: fc.record({ name: dnsName, region: fc.constantFrom('us-west-2', 'eu-west-1') }),
  iam: fc.record({ withOIDC: fc.constant(true), serviceAccounts: fc.uniqueArray(validServiceAccount, { minLength: 1, maxLength: 4, selector: (sa) => sa.metadata.name }) }),
});

/** YAML text: dumped as is, with a subtree replaced, or with bytes spliced in or cut out of the text. */
const documentText = fc
  .tuple(fc.oneof({ weight: 1, arbitrary: validConfig as fc.Arbitrary<Record<string, unknown>> }, { weight: 1, arbitrary: clusterConfig as fc.Arbitrary<Record<string, unknown>> }), fc.nat({ max: 7 }), fc.nat(), fc.nat(), fc.string({ maxLength: 8 }), fc.anything({ maxDepth: 1 }))
  .map(([doc, how, at, len, insert, replacement]) => {
    // how: 0, 5, 6, 7 leave the document as generated
    let text: string;
    try {
      text = dump(doc, { skipInvalid: true });
    } catch {
      text = JSON.stringify(doc) ?? '';
    }
    if (how === 1) {
      const keys = Object.keys(doc);
      const k = keys[at % Math.max(1, keys.length)];
      if (k !== undefined) text = dump({ ...doc, [k]: replacement }, { skipInvalid: true });
    } else if (how === 2 && text.length > 0) {
      const p = at % text.length;
      text = text.slice(0, p) + insert + text.slice(p);
    } else if (how === 3 && text.length > 0) {
      const p = at % text.length;
      text = text.slice(0, p) + text.slice(p + (len % 20));
    } else if (how === 4) {
      text = JSON.stringify(doc) ?? '';
    }
    return text;
  });

const flagSet = fc.record(
  {
    cluster: edgyString,
    name: edgyString,
    positional: edgyString,
    namespace: edgyString,
    attachPolicyArn: fc.array(fc.oneof(arn, fc.constant('arn:aws:iam::aws:policy/A,arn:aws:iam::aws:policy/B')), { maxLength: 3 }),
    attachRoleArn: arn,
    roleName: edgyString,
    roleOnly: fc.boolean(),
    tags: fc.oneof(fc.constantFrom('a=b', 'a=b,c=d', '=', 'a', 'a=b,a=c', ''), edgyString),
    subjectPattern: edgyString,
    permissionsBoundary: arn,
    region: edgyString,
    include: fc.array(edgyString, { maxLength: 2 }),
    exclude: fc.array(edgyString, { maxLength: 2 }),
    onlyMissing: fc.boolean(),
    approve: fc.boolean(),
    prune: fc.boolean(),
    allowWildcardSubject: fc.boolean(),
  },
  { requiredKeys: [] },
);

const validFlagSet = fc.record(
  {
    cluster: dnsName,
    name: dnsName,
    namespace: fc.constantFrom('default', 'backend'),
    attachPolicyArn: fc.constant<string[]>(['arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess']),
    region: fc.constantFrom('us-west-2', 'eu-west-1'),
    tags: fc.constantFrom('a=b', 'team=x,env=prod'),
    roleOnly: fc.boolean(),
    approve: fc.boolean(),
    subjectPattern: fc.constantFrom('app-*', '*'),
    allowWildcardSubject: fc.boolean(),
  },
  { requiredKeys: ['cluster', 'name', 'attachPolicyArn'] },
);
/** A valid flag set with some fields swapped for hostile ones. */
const anyFlagSet: fc.Arbitrary<ConfigFlags> = fc.oneof<fc.Arbitrary<ConfigFlags>[]>(validFlagSet, flagSet, fc.tuple(validFlagSet, flagSet).map(([a, b]) => ({ ...a, ...Object.fromEntries(Object.entries(b).slice(0, 2)) })));
/** The flags that go with -f. */
const fileFlagSet = fc.record(
  { include: fc.array(fc.constantFrom('*/app-*', 'default/*', '[', ''), { maxLength: 2 }), exclude: fc.array(edgyString, { maxLength: 1 }), approve: fc.boolean(), region: fc.constantFrom('us-west-2', ''), name: edgyString, prune: fc.boolean(), onlyMissing: fc.boolean() },
  { requiredKeys: [] },
);

function acceptedOrValidationError(fn: () => unknown): 'accepted' | 'rejected' {
  try {
    fn();
    return 'accepted';
  } catch (err) {
    if (!(err instanceof IrsaError)) throw new Error(`not an IrsaError: ${err instanceof Error ? err.stack : String(err)}`);
    if (err.code !== 'USAGE' && err.code !== 'CONFIG') throw new Error(`code ${err.code}: ${err.message}`);
    return 'rejected';
  }
}

// Shared with the README figures.
const FILE_RUNS = 6_500;
const FLAG_RUNS = 3_500;

describe('resolveConfig over generated input', () => {
  it(`${FILE_RUNS} generated and mutated ClusterConfig documents (with flags): accepted, or USAGE/CONFIG`, () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), documentText, fc.option(fileFlagSet, { freq: 2 }), (kind, text, flags) => {
        const f: ConfigFlags = { ...(flags ?? {}), configFile: 'fuzz.yaml' };
        seen[acceptedOrValidationError(() => resolveConfig(kind, f, { path: 'fuzz.yaml', text }))]++;
      }),
      { numRuns: FILE_RUNS, seed: 20261128 },
    );
    // The generator reaches both sides of the validator.
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    console.info(`[fuzz] documents: ${seen.accepted} accepted, ${seen.rejected} rejected`);
  }, 60_000);

  it(`${FLAG_RUNS} generated flag sets: accepted, or USAGE/CONFIG`, () => {
    const seen = { accepted: 0, rejected: 0 };
    fc.assert(
      fc.property(fc.constantFrom(...KINDS), anyFlagSet, (kind, flags) => {
        seen[acceptedOrValidationError(() => resolveConfig(kind, flags))]++;
      }),
      { numRuns: FLAG_RUNS, seed: 5 },
    );
    expect(seen.accepted).toBeGreaterThan(0);
    expect(seen.rejected).toBeGreaterThan(0);
    console.info(`[fuzz] flag sets: ${seen.accepted} accepted, ${seen.rejected} rejected`);
  }, 60_000);
});

/** Ports that record being asked for and refuse to work: any call means input reached the network layer. */
function recordingOverrides(): { overrides: RuntimeOverrides; calls: string[] } {
  const calls: string[] = [];
  const refuse = (what: string) => {
    calls.push(what);
    return Promise.reject(new IrsaError('AWS', `test: ${what} must not be reached`));
  };
  return {
    calls,
    overrides: {
      awsPorts: () => refuse('awsPorts'),
      kubePort: () => refuse('kubePort'),
    },
  };
}

const COMMAND_ARGV: Record<CommandKind, string[]> = {
  create: ['create', 'iamserviceaccount'],
  update: ['update', 'iamserviceaccount'],
  delete: ['delete', 'iamserviceaccount'],
  get: ['get', 'iamserviceaccount'],
  associate: ['utils', 'associate-iam-oidc-provider'],
  apply: ['apply'],
  doctor: ['doctor'],
};

const STACK_FRAME = /^\s+at .+[:(].*\d+:\d+\)?$/m;
const ENV = { AWS_REGION: 'us-west-2', AWS_ACCESS_KEY_ID: 'AKIAFUZZ', AWS_SECRET_ACCESS_KEY: 'fuzz-secret-key-0000', AWS_EC2_METADATA_DISABLED: 'true' };

describe('main() over generated input', () => {
  it('200 rejected documents and flag sets exit 2 with no AWS/Kubernetes call and no stack trace', async () => {
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...KINDS), fc.option(documentText, { freq: 2 }), fc.option(anyFlagSet, { nil: undefined }), async (kind, text, flags) => {
        const argv = [...COMMAND_ARGV[kind]];
        const f = flags ?? {};
        for (const [key, flag] of [
          ['cluster', '--cluster'], ['name', '--name'], ['namespace', '--namespace'], ['roleName', '--role-name'], ['tags', '--tags'],
          ['subjectPattern', '--subject-pattern'], ['region', '--region'], ['attachRoleArn', '--attach-role-arn'],
        ] as const) {
          const v = f[key];
          if (typeof v === 'string' && v !== '' && !v.startsWith('-')) argv.push(`${flag}=${v}`);
        }
        for (const a of f.attachPolicyArn ?? []) if (a !== '' && !a.startsWith('-')) argv.push(`--attach-policy-arn=${a}`);
        if (text !== null) argv.push('-f', '-');
        const { overrides, calls } = recordingOverrides();
        const out = await runCli(argv, ENV, { overrides, ...(text !== null ? { stdin: text } : {}) });
        expect(out.stderr).not.toMatch(STACK_FRAME);
        expect(out.stdout).not.toMatch(STACK_FRAME);
        expect(out.stderr).not.toMatch(/unexpected:/);
        if (out.code === 2) {
          rejected++;
          expect(calls, out.stderr).toEqual([]);
        }
      }),
      { numRuns: 200, seed: 11 },
    );
    expect(rejected).toBeGreaterThan(50);
  }, 60_000);
});

describe('very large and hostile YAML', () => {
  const head = 'apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: big, region: us-west-2}\n';

  it('a 10 MB config is rejected at once with a clear message', () => {
    const text = `${head}iam:\n  serviceAccounts:\n${'  - metadata: {name: padding-entry-xxxxxxxxxxxxxxxx, namespace: default}\n'.repeat(150_000)}`;
    expect(text.length).toBeGreaterThan(10_000_000);
    const err = (() => {
      try {
        resolveConfig('create', { configFile: 'big.yaml' }, { path: 'big.yaml', text });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(IrsaError);
    expect((err as IrsaError).code).toBe('CONFIG');
    expect((err as IrsaError).message).toMatch(/larger than 5 MB/);
  });

  it('a YAML alias bomb ("billion laughs") is rejected, not expanded', () => {
    const levels = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 10; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10).fill(`*${String.fromCharCode(96 + i)}`).join(',')}]`);
    const text = `${head}${levels.join('\n')}\n`;
    const before = process.memoryUsage().heapUsed;
    expect(() => resolveConfig('create', { configFile: 'bomb.yaml' }, { path: 'bomb.yaml', text })).toThrow(/aliases|expands/);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('deeply nested YAML is rejected with a CONFIG error', () => {
    const depth = 20_000;
    const text = `${head}iam: ${'['.repeat(depth)}${']'.repeat(depth)}\n`;
    expect(acceptedOrValidationError(() => resolveConfig('apply', { configFile: 'deep.yaml' }, { path: 'deep.yaml', text }))).toBe('rejected');
  });

  it('5,000 service accounts are planned (create -f … -o json) within bounded memory and time', async () => {
    const n = 5_000;
    const e = await startE2E('fuzz-many', 'us-east-2');
    try {
      const entries = Array.from({ length: n }, (_, i) => `  - metadata: {name: sa-${i}, namespace: ns-${i % 50}}\n    attachPolicyARNs: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]`);
      const text = `apiVersion: eksctl.io/v1alpha5\nkind: ClusterConfig\nmetadata: {name: fuzz-many, region: us-east-2}\niam:\n  withOIDC: true\n  serviceAccounts:\n${entries.join('\n')}\n`;
      const before = process.memoryUsage();
      const started = performance.now();
      const out = await e.run(['create', 'iamserviceaccount', '-f', '-', '-o', 'json'], { stdin: text });
      const ms = performance.now() - started;
      const after = process.memoryUsage();
      expect(out.code, out.stderr.slice(0, 2000)).toBe(0);
      const plan = JSON.parse(out.stdout) as unknown;
      expect(JSON.stringify(plan).match(/ns-\d+\/sa-\d+/g)?.length ?? 0).toBeGreaterThanOrEqual(n);
      // Nothing was created: a plan only reads.
      expect(e.sandbox.proxy.count('cloudformation', 'CreateStack')).toBe(0);
      // Loose bound: the plan holds 5,000 templates, not a multiple of the input per service account.
      const growth = after.rss - before.rss;
      expect(growth).toBeLessThan(768 * 1024 * 1024);
      console.info(`[fuzz] 5000-SA plan: ${Math.round(ms)} ms, rss +${Math.round(growth / 1048576)} MB, heap +${Math.round((after.heapUsed - before.heapUsed) / 1048576)} MB, ${out.stdout.length} bytes of JSON`);
    } finally {
      await e.stop();
    }
  }, 60_000);
});
