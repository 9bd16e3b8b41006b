import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { listenOnLoopback } from './listen.js';
import { actionOf, serviceFromAuthorization } from './aws-proxy.js';

/**
 * A latency layer for the sandbox: an HTTP proxy in front of the AWS proxy that makes every stack take a while to
 * create, as CloudFormation does for an IAM role (moto completes it at once): `stackCreateMs` of wall time, or, for
 * tests that must not depend on the machine's speed, until `afterCreates` stacks exist and `polls` more status reads
 * (ListStacks or DescribeStacks) have been answered. It rewrites
 * DescribeStacks and ListStacks answers for stacks younger than that to CREATE_IN_PROGRESS and hides their
 * outputs, so the CLI's whole path (SDK, retries, the waiter) stays real. Everything else passes through.
 */
export interface StackLatencyProxy {
  url: string;
  /** stacks created through this proxy that are still "in progress" now */
  inProgress(): number;
  /** when each stack created through this proxy was created (ms since epoch, once moto answered), by name */
  createdAt: ReadonlyMap<string, number>;
  /** every DescribeStacks: the one stack asked for (none: all stacks), whether it was still in progress, and how many were */
  describeCalls: { stackName?: string; young?: boolean; inProgress: number }[];
  /** every ListStacks: its status filter, and how many stacks were in progress then */
  listCalls: { statuses: string[]; inProgress: number }[];
  stop(): Promise<void>;
}

export type StackLatency = { stackCreateMs: number } | { afterCreates: number; polls: number };

export async function startStackLatency(upstreamUrl: string, opts: StackLatency): Promise<StackLatencyProxy> {
  const upstream = new URL(upstreamUrl);
  const createdAt = new Map<string, number>();
  const describeCalls: StackLatencyProxy['describeCalls'] = [];
  const listCalls: StackLatencyProxy['listCalls'] = [];
  // Status reads answered since the `afterCreates`-th stack was created (counting mode only).
  let pollsSinceAllCreated = 0;
  const isYoung = (name: string): boolean => {
    const t = createdAt.get(name);
    if (t === undefined) return false;
    if ('stackCreateMs' in opts) return Date.now() - t < opts.stackCreateMs;
    return createdAt.size < opts.afterCreates || pollsSinceAllCreated < opts.polls;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const service = serviceFromAuthorization(req.headers.authorization);
      const action = service === 'cloudformation' ? actionOf(req.headers, req.method ?? 'GET', req.url ?? '/', body) : '';
      // moto filters ListStacks by its own (finished) statuses: ask it for every status, and filter after rewriting.
      const params = new URLSearchParams(body.toString('utf8'));
      const wantedStatuses = action === 'ListStacks' ? [...params.entries()].filter(([k]) => k.startsWith('StackStatusFilter.member.')).map(([, v]) => v) : [];
      let sent = body;
      if (wantedStatuses.length > 0) {
        for (const key of [...params.keys()]) if (key.startsWith('StackStatusFilter.member.')) params.delete(key);
        sent = Buffer.from(params.toString(), 'utf8');
      }
      const upstreamRes = await new Promise<IncomingMessage>((resolve, reject) => {
        const headers = { ...req.headers, 'content-length': String(sent.length) };
        const u = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, resolve);
        u.on('error', reject);
        u.end(sent);
      });
      const inProgress = [...createdAt.keys()].filter(isYoung).length;
      if (action === 'DescribeStacks') {
        const stackName = new URLSearchParams(body.toString('utf8')).get('StackName') ?? undefined;
        describeCalls.push({ ...(stackName ? { stackName, young: isYoung(stackName) } : {}), inProgress });
      }
      if (action === 'ListStacks') listCalls.push({ statuses: wantedStatuses, inProgress });
      if ((action === 'ListStacks' || action === 'DescribeStacks') && !('stackCreateMs' in opts) && createdAt.size >= opts.afterCreates) pollsSinceAllCreated++;
      if (action === 'CreateStack' && upstreamRes.statusCode === 200) {
        const name = new URLSearchParams(body.toString('utf8')).get('StackName');
        if (name) createdAt.set(name, Date.now());
      }
      if ((action !== 'DescribeStacks' && action !== 'ListStacks') || upstreamRes.statusCode !== 200) {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
        return;
      }
      const raw = (await readBody(upstreamRes)).toString('utf8');
      const listed = rewriteStackList(raw, action === 'DescribeStacks' ? 'Stacks' : 'StackSummaries', isYoung);
      const rewritten = Buffer.from(wantedStatuses.length > 0 ? filterStackList(listed, wantedStatuses) : listed, 'utf8');
      const headers = { ...upstreamRes.headers, 'content-length': String(rewritten.length) };
      delete headers['transfer-encoding'];
      res.writeHead(200, headers);
      res.end(rewritten);
    })().catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`latency-proxy: ${err instanceof Error ? err.message : String(err)}`);
    });
  });
  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    describeCalls,
    listCalls,
    createdAt,
    inProgress: () => [...createdAt.keys()].filter(isYoung).length,
    stop: close,
  };
}

/**
 * In an AWS Query XML answer, shows each stack of `container` (Stacks or StackSummaries) that `isYoung`
 * names and that moto already finished creating as CREATE_IN_PROGRESS, without outputs.
 * Stacks are the depth-one <member> elements of the container (outputs, tags and so on nest deeper).
 */
export function rewriteStackList(xml: string, container: 'Stacks' | 'StackSummaries', isYoung: (stackName: string) => boolean): string {
  return mapMembers(xml, container, (member) => rewriteStack(member, isYoung));
}

/** Keeps the StackSummaries members of a ListStacks answer whose status is one of `statuses`. */
export function filterStackList(xml: string, statuses: readonly string[]): string {
  return mapMembers(xml, 'StackSummaries', (member) => {
    const status = /<StackStatus>([^<]*)<\/StackStatus>/.exec(member)?.[1];
    return status !== undefined && statuses.includes(status) ? member : '';
  });
}

/** Replaces each depth-one <member> of `container` (outputs, tags and so on nest deeper) with `map`'s answer. */
function mapMembers(xml: string, container: 'Stacks' | 'StackSummaries', map: (member: string) => string): string {
  const open = xml.indexOf(`<${container}>`);
  const close = xml.indexOf(`</${container}>`, open);
  if (open < 0 || close < 0) return xml;
  const inner = xml.slice(open, close);
  const tag = /<(\/?)member>/g;
  let out = '';
  let depth = 0;
  let copiedTo = 0;
  let start = 0;
  for (let m = tag.exec(inner); m; m = tag.exec(inner)) {
    if (m[1] === '') {
      if (depth === 0) start = m.index;
      depth++;
      continue;
    }
    depth--;
    if (depth !== 0) continue;
    const end = m.index + m[0].length;
    out += inner.slice(copiedTo, start) + map(inner.slice(start, end));
    copiedTo = end;
  }
  return xml.slice(0, open) + out + inner.slice(copiedTo) + xml.slice(close);
}

function rewriteStack(member: string, isYoung: (stackName: string) => boolean): string {
  const name = /<StackName>([^<]*)<\/StackName>/.exec(member)?.[1];
  if (name === undefined || !isYoung(name) || !/<StackStatus>CREATE_COMPLETE<\/StackStatus>/.test(member)) return member;
  return member
    .replace('<StackStatus>CREATE_COMPLETE</StackStatus>', '<StackStatus>CREATE_IN_PROGRESS</StackStatus>')
    .replace(/<Outputs>[\s\S]*?<\/Outputs>|<Outputs\s*\/>/, '');
}

function readBody(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}
