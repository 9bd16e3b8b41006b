// Reads IAM policy documents out of upstream source files: eksctl's Go statement literals, and the JSON documents
// that controllers publish (a .json file, or a ```json block of a Markdown page). Pure functions of the file text, so
// the refresh script and the tests (on vendored copies) run the same code.
import { createHash } from 'node:crypto';
import yaml from 'js-yaml';

export const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** sha256 of a JSON value's canonical text (2-space indent, keys in their order): guards the data files. */
export const documentSha256 = (value) => sha256(JSON.stringify(value, null, 2));

// ---- eksctl's Go literals --------------------------------------------------------------------------------------

const GO_TOKEN = /\s+|\/\/[^\n]*|"((?:[^"\\]|\\.)*)"|([A-Za-z_][\w.]*)|(\[\]|\*|[{}()[\],:])/gy;

function tokenize(src) {
  const tokens = [];
  GO_TOKEN.lastIndex = 0;
  while (GO_TOKEN.lastIndex < src.length) {
    const at = GO_TOKEN.lastIndex;
    const m = GO_TOKEN.exec(src);
    if (!m) throw new Error(`unexpected Go text at offset ${at}: ${JSON.stringify(src.slice(at, at + 20))}`);
    if (m[1] !== undefined) tokens.push({ kind: 'string', value: JSON.parse(`"${m[1]}"`) });
    else if (m[2] !== undefined) tokens.push({ kind: 'ident', value: m[2] });
    else if (m[3] !== undefined) tokens.push({ kind: 'punct', value: m[3] });
  }
  return tokens;
}

/**
 * The statements each `func name() []cft.MapOfInterfaces { return ... }` of eksctl's statement.go returns, as JSON
 * with eksctl's key order. Understands what that file uses: string literals, the constants it declares,
 * addARNPartitionPrefix("x") (an Fn::Sub of arn:${AWS::Partition}:x), and typed or untyped composite literals.
 */
export function parseEksctlStatements(src) {
  const constants = {};
  for (const m of src.matchAll(/^\s*(\w+)\s*=\s*"((?:[^"\\]|\\.)*)"\s*$/gm)) constants[m[1]] = JSON.parse(`"${m[2]}"`);
  const out = {};
  for (const m of src.matchAll(/^func (\w+)\(\) \[\]cft\.MapOfInterfaces \{\n\treturn ([\s\S]*?)\n\}$/gm)) {
    const tokens = tokenize(m[2]);
    let i = 0;
    const peek = () => tokens[i];
    const take = (value) => {
      const t = tokens[i++];
      if (!t || (value !== undefined && t.value !== value)) throw new Error(`${m[1]}: expected ${value}, got ${t?.value}`);
      return t;
    };
    const composite = () => {
      take('{');
      const items = [];
      let isMap = false;
      while (peek().value !== '}') {
        const first = value();
        if (peek()?.value === ':') {
          take(':');
          isMap = true;
          items.push([first, value()]);
        } else items.push(first);
        if (peek().value === ',') take(',');
      }
      take('}');
      return isMap ? Object.fromEntries(items) : items;
    };
    const value = () => {
      const t = peek();
      if (t.kind === 'string') return take().value;
      if (t.value === '{') return composite();
      if (t.value === '[]' || t.value === 'map' || t.value === '*') {
        // A type (`[]string`, `map[string]interface{}`, `[]*gfnt.Value` …): skip to its literal's brace.
        while (!(peek().value === '{' && !['interface', '{'].includes(tokens[i - 1]?.value))) i++;
        return composite();
      }
      if (t.kind === 'ident') {
        take();
        if (t.value === 'addARNPartitionPrefix') {
          take('(');
          const s = take().value;
          take(')');
          return { 'Fn::Sub': `arn:\${AWS::Partition}:${s}` };
        }
        if (t.value in constants) return constants[t.value];
      }
      throw new Error(`${m[1]}: cannot read ${t.value}`);
    };
    out[m[1]] = value();
  }
  return out;
}

/** Go field of api.WellKnownPolicies → the ClusterConfig key. */
const EKSCTL_FIELDS = {
  ImageBuilder: 'imageBuilder',
  AutoScaler: 'autoScaler',
  AWSLoadBalancerController: 'awsLoadBalancerController',
  ExternalDNS: 'externalDNS',
  CertManager: 'certManager',
  EBSCSIController: 'ebsCSIController',
  EFSCSIController: 'efsCSIController',
};

/**
 * eksctl's createWellKnownPolicies (iam_helper.go), with the policy-name constants of iam.go: for each well-known key
 * in eksctl's order, its managed policy names and its inline policies (logical ID and statement function).
 */
export function parseEksctlWellKnown(iamHelperGo, iamGo) {
  const names = Object.fromEntries([...iamGo.matchAll(/^\s*(iamPolicy\w+)\s*=\s*"([^"]+)"/gm)].map((m) => [m[1], m[2]]));
  const body = /^func createWellKnownPolicies\([^)]*\)[^{]*\{\n([\s\S]*?)\n\}$/m.exec(iamHelperGo)?.[1];
  if (!body) throw new Error('createWellKnownPolicies not found in iam_helper.go');
  const out = {};
  for (const m of body.matchAll(/if wellKnownPolicies\.(\w+) \{([\s\S]*?)\n\t\}/g)) {
    const key = EKSCTL_FIELDS[m[1]];
    if (!key) throw new Error(`unknown eksctl well-known field ${m[1]}`);
    const managed = [...m[2].matchAll(/managedPolicyForRole\{name: (\w+)\}/g)].map((x) => {
      if (!(x[1] in names)) throw new Error(`unknown policy constant ${x[1]}`);
      return names[x[1]];
    });
    const inline = [...m[2].matchAll(/Name: "(\w+)", Statements: (\w+)\(\)/g)].map((x) => ({ logicalId: x[1], statements: x[2] }));
    out[key] = { managed, inline };
  }
  return out;
}

// ---- controllers' published documents --------------------------------------------------------------------------

/**
 * The policy document a source file holds. extract: {kind: 'json'} (the whole file); {kind: 'markdown', after?,
 * index?, lang?}: the index-th (0-based) fenced block of language lang (default json; '' for a bare fence) after the
 * first line containing `after` (or from the top); {kind: 'heredoc', after}: the here-document that the line
 * containing `after` (e.g. `cat > policy.json <<EOF`) opens, up to its EOF line; {kind: 'cloudformation', resourceType?}:
 * the statements of every resource of that type (default AWS::IAM::ManagedPolicy) of a CloudFormation YAML template, in
 * template order, as one document (a `!Sub` JSON string is read as its JSON; its ${...} stay as written).
 */
export function extractDocument(text, extract) {
  if (extract.kind === 'json') return JSON.parse(text);
  if (extract.kind === 'markdown') {
    const lines = text.split('\n');
    let from = 0;
    if (extract.after) {
      from = lines.findIndex((l) => l.includes(extract.after));
      if (from < 0) throw new Error(`no line containing ${JSON.stringify(extract.after)}`);
    }
    const blocks = [];
    const lang = extract.lang ?? 'json';
    for (let i = from; i < lines.length; i++) {
      const open = /^(\s*)```\s*([\w-]*)\s*$/.exec(lines[i]);
      if (!open) continue;
      const end = lines.findIndex((l, k) => k > i && /^\s*```\s*$/.test(l));
      if (end < 0) break;
      // Another language's block is skipped whole, so its closing fence is not read as a bare opening one.
      if (open[2] === lang) blocks.push(lines.slice(i + 1, end).map((l) => l.slice(open[1].length)).join('\n'));
      i = end;
    }
    const block = blocks[extract.index ?? 0];
    if (block === undefined) throw new Error(`no json block #${extract.index ?? 0}${extract.after ? ` after ${JSON.stringify(extract.after)}` : ''}`);
    return JSON.parse(block);
  }
  if (extract.kind === 'heredoc') {
    const lines = text.split('\n');
    const from = lines.findIndex((l) => l.includes(extract.after));
    const marker = /<<\s*'?(\w+)'?/.exec(lines[from] ?? '')?.[1];
    if (from < 0 || !marker) throw new Error(`no here-document opened by a line containing ${JSON.stringify(extract.after)}`);
    const end = lines.findIndex((l, k) => k > from && l.trim() === marker);
    if (end < 0) throw new Error(`the here-document after ${JSON.stringify(extract.after)} has no ${marker} line`);
    return JSON.parse(lines.slice(from + 1, end).join('\n'));
  }
  if (extract.kind === 'cloudformation') {
    const template = yaml.load(text, { schema: CFN_SCHEMA });
    const type = extract.resourceType ?? 'AWS::IAM::ManagedPolicy';
    const statements = Object.values(template?.Resources ?? {})
      .filter((r) => r?.Type === type)
      .flatMap((r) => {
        const doc = r.Properties?.PolicyDocument;
        const json = doc?.['Fn::Sub'] !== undefined ? JSON.parse(doc['Fn::Sub']) : doc;
        if (!Array.isArray(json?.Statement)) throw new Error(`a ${type} without a PolicyDocument.Statement list`);
        return json.Statement;
      });
    if (statements.length === 0) throw new Error(`no ${type} resource with statements`);
    return { Version: '2012-10-17', Statement: statements };
  }
  throw new Error(`unknown extract kind ${extract.kind}`);
}

/** Throws unless every action of the statement occurs in the text (a statement said to come from an upstream file). */
export function checkActionsIn(text, statement, where) {
  const missing = [statement.Action].flat().filter((a) => !text.includes(a));
  if (missing.length > 0) throw new Error(`${where} does not mention ${missing.join(', ')}`);
}

/**
 * The AWS-managed policies a source file names (extract {kind: 'managed', names}): each must appear in it as
 * `:iam::aws:policy/<name>` (any partition or interpolation before it), so a renamed or dropped policy fails here.
 */
export function extractManagedPolicies(text, extract) {
  if (extract.kind !== 'managed' || !Array.isArray(extract.names) || extract.names.length === 0) throw new Error('extract kind managed needs names');
  for (const name of extract.names) {
    if (!text.includes(`:iam::aws:policy/${name}`)) throw new Error(`the source does not name the managed policy ${name}`);
  }
  return [...extract.names];
}

// CloudFormation's short-form tags, each read as its long form (only what a policy template uses needs to be exact).
const cfnTag = (tag, kinds, long) =>
  kinds.map((kind) => new yaml.Type(`!${tag}`, { kind, construct: (data) => ({ [long]: data }) }));
const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(
  [
    ['Sub', 'Fn::Sub'],
    ['Ref', 'Ref'],
    ['GetAtt', 'Fn::GetAtt'],
    ['Join', 'Fn::Join'],
    ['If', 'Fn::If'],
    ['Equals', 'Fn::Equals'],
    ['Not', 'Fn::Not'],
    ['Select', 'Fn::Select'],
    ['Split', 'Fn::Split'],
  ].flatMap(([tag, long]) => cfnTag(tag, ['scalar', 'sequence', 'mapping'], long)),
);
