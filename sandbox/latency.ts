import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { listenOnLoopback } from './listen.js';
import { actionOf, serviceFromAuthorization } from './aws-proxy.js';

/**
 * A latency layer for the sandbox: an HTTP proxy in front of the AWS proxy that makes every stack take
 * `stackCreateMs` to create, as CloudFormation does for an IAM role (moto completes it at once). It rewrites
 * DescribeStacks and ListStacks answers for stacks younger than that to CREATE_IN_PROGRESS and hides their
 * outputs, so the CLI's whole path (SDK, retries, the waiter) stays real. Everything else passes through.
 */
export interface StackLatencyProxy {
  url: string;
  /** stacks created through this proxy that are still "in progress" now */
  inProgress(): number;
  /** every DescribeStacks: the one stack asked for (none: all stacks), and how many were in progress then */
  describeCalls: { stackName?: string; inProgress: number }[];
  stop(): Promise<void>;
}

export async function startStackLatency(upstreamUrl: string, opts: { stackCreateMs: number }): Promise<StackLatencyProxy> {
  const upstream = new URL(upstreamUrl);
  const createdAt = new Map<string, number>();
  const describeCalls: StackLatencyProxy['describeCalls'] = [];
  const isYoung = (name: string): boolean => {
    const t = createdAt.get(name);
    return t !== undefined && Date.now() - t < opts.stackCreateMs;
  };

  const server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const service = serviceFromAuthorization(req.headers.authorization);
      const action = service === 'cloudformation' ? actionOf(req.headers, req.method ?? 'GET', req.url ?? '/', body) : '';
      const upstreamRes = await new Promise<IncomingMessage>((resolve, reject) => {
        const u = httpRequest({ hostname: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, resolve);
        u.on('error', reject);
        u.end(body);
      });
      if (action === 'DescribeStacks') {
        const stackName = new URLSearchParams(body.toString('utf8')).get('StackName') ?? undefined;
        describeCalls.push({ ...(stackName ? { stackName } : {}), inProgress: [...createdAt.keys()].filter(isYoung).length });
      }
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
      const rewritten = Buffer.from(rewriteStackList(raw, action === 'DescribeStacks' ? 'Stacks' : 'StackSummaries', isYoung), 'utf8');
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
    out += inner.slice(copiedTo, start) + rewriteStack(inner.slice(start, end), isYoung);
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
