#!/usr/bin/env node
// Refreshes the policy data files from a local checkout (a git directory) of an upstream repository; no network.
//   node scripts/refresh-policies.mjs eksctl --git-dir <eksctl .git> [--ref v0.230.0]
//       policies/eksctl/<ref>.json (what eksctl renders for each wellKnownPolicies key) and the Go files it came from
//       under test/fixtures/upstream/eksctl/ (the unit test re-reads them, so the data cannot drift from the source).
//   node scripts/refresh-policies.mjs upstream --git-dir <repo .git> --repository <owner/name>
//       policies/upstream/<controller>/<version>.json for each entry of policies/sources.json from that repository.
// Then it rewrites src/cfn/upstream-policy-files.ts, the list of data files the CLI bundles.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkActionsIn, documentSha256, extractDocument, extractManagedPolicies, parseEksctlStatements, parseEksctlWellKnown, sha256 } from './lib/policy-sources.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const EKSCTL_FILES = ['pkg/cfn/builder/statement.go', 'pkg/cfn/builder/iam_helper.go', 'pkg/cfn/builder/iam.go'];

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { 'git-dir': { type: 'string' }, ref: { type: 'string' }, repository: { type: 'string' } },
});
const gitDir = values['git-dir'];
if (!gitDir || !['eksctl', 'upstream'].includes(positionals[0])) {
  console.error('usage: refresh-policies.mjs eksctl|upstream --git-dir <dir> [--ref R] [--repository owner/name]');
  process.exit(2);
}
const git = (...args) => execFileSync('git', [`--git-dir=${gitDir}`, ...args], { maxBuffer: 64 << 20 }).toString();
const commitOf = (ref) => git('rev-parse', `${ref}^{commit}`).trim();
const writeJson = (file, value) => {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
  console.error(`wrote ${file.slice(ROOT.length + 1)}`);
};

if (positionals[0] === 'eksctl') {
  const ref = values.ref ?? 'v0.230.0';
  const commit = commitOf(ref);
  const texts = Object.fromEntries(EKSCTL_FILES.map((p) => [p, git('show', `${commit}:${p}`)]));
  const statements = parseEksctlStatements(texts[EKSCTL_FILES[0]]);
  const layout = parseEksctlWellKnown(texts[EKSCTL_FILES[1]], texts[EKSCTL_FILES[2]]);
  const wellKnownPolicies = Object.fromEntries(
    Object.entries(layout).map(([key, { managed, inline }]) => [
      key,
      { managed, inline: inline.map((p) => ({ logicalId: p.logicalId, statements: statements[p.statements] })) },
    ]),
  );
  for (const p of EKSCTL_FILES) {
    const file = join(ROOT, 'test/fixtures/upstream/eksctl', p.split('/').pop());
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, texts[p]);
  }
  writeJson(join(ROOT, 'policies/eksctl', `${ref}.json`), {
    source: {
      repository: 'eksctl-io/eksctl',
      ref,
      commit,
      files: EKSCTL_FILES.map((path) => ({ path, sha256: sha256(texts[path]) })),
    },
    wellKnownPolicies,
    documentSha256: documentSha256(wellKnownPolicies),
  });
} else {
  const repository = values.repository;
  const { sources } = JSON.parse(readFileSync(join(ROOT, 'policies/sources.json'), 'utf8'));
  const mine = sources.filter((s) => s.repository === repository);
  if (mine.length === 0) {
    console.error(`policies/sources.json has no entry for repository ${repository}`);
    process.exit(2);
  }
  for (const s of mine) {
    const text = git('show', `${s.ref}:${s.path}`);
    // A managed-policy entry records the AWS-managed policy names its source attaches; the others, a document.
    const content =
      s.extract.kind === 'managed' ? { managedPolicies: extractManagedPolicies(text, s.extract) } : { document: extractDocument(text, s.extract) };
    // An input's added statement names the upstream file that describes it: its actions must be there, and its checksum is kept.
    const inputs = s.inputs && Object.fromEntries(
      Object.entries(s.inputs).map(([name, input]) => {
        if (!input.adds?.from) return [name, input];
        const from = git('show', `${s.ref}:${input.adds.from}`);
        checkActionsIn(from, input.adds.statement, `${s.controller} input ${name}: ${input.adds.from}`);
        return [name, { ...input, adds: { ...input.adds, sha256: sha256(from) } }];
      }),
    );
    writeJson(join(ROOT, 'policies/upstream', s.controller, `${s.version}.json`), {
      controller: s.controller,
      version: s.version,
      source: { repository: s.repository, path: s.path, ref: s.ref, commit: commitOf(s.ref), sha256: sha256(text), extract: s.extract },
      ...(s.note ? { note: s.note } : {}),
      ...(inputs ? { inputs } : {}),
      ...content,
      documentSha256: documentSha256(content.document ?? content.managedPolicies),
    });
  }
}

// The bundled list: one static import per data file (esbuild inlines them; the built CLI reads no file at run time).
const files = [];
for (const kind of ['eksctl', 'upstream']) {
  const walk = (dir) =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.json') ? [join(dir, e.name)] : [],
    );
  try {
    files.push(...walk(join(ROOT, 'policies', kind)).map((f) => ({ kind, rel: f.slice(ROOT.length + 1) })));
  } catch {
    // No data of this kind yet.
  }
}
files.sort((a, b) => a.rel.localeCompare(b.rel));
const ident = (rel) => rel.replace(/^policies\//, '').replace(/\.json$/, '').replace(/[^A-Za-z0-9]+/g, '_');
const lines = [
  '// Generated by scripts/refresh-policies.mjs: every policy data file the CLI bundles. Do not edit.',
  ...files.map((f) => `import ${ident(f.rel)} from '../../${f.rel}' with { type: 'json' };`),
  '',
  `export const EKSCTL_POLICY_FILES: readonly unknown[] = [${files.filter((f) => f.kind === 'eksctl').map((f) => ident(f.rel)).join(', ')}];`,
  `export const UPSTREAM_POLICY_FILES: readonly unknown[] = [${files.filter((f) => f.kind === 'upstream').map((f) => ident(f.rel)).join(', ')}];`,
  '',
];
writeFileSync(join(ROOT, 'src/cfn/upstream-policy-files.ts'), lines.join('\n'));
