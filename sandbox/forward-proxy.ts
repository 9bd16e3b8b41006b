import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import { connect, createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { listenOnLoopback } from './listen.js';

// A test-only forward proxy, as a corporate egress proxy is: plain-HTTP forwarding (absolute-form requests) and
// CONNECT tunnelling. It resolves host names from its own table only, so the sandbox can hand irsactl endpoints such
// as http://aws.sandbox.test that DNS cannot resolve: a request that reaches its target went through this proxy.
// Every request is logged. With `credentials`, it answers 407 to any request without that Basic proxy login.

export interface ForwardProxyEntry {
  method: string;
  /** host:port as the client asked for it */
  target: string;
  /** false when the proxy could not resolve or reach the target */
  routed: boolean;
}

export interface ForwardProxy {
  url: string;
  log: ForwardProxyEntry[];
  /** Resolve `hostname` (on any port) to this loopback port. */
  map(hostname: string, port: number): void;
  /** Log entries whose target host is `hostname`. */
  count(hostname: string, method?: string): number;
  resetLog(): void;
  stop(): Promise<void>;
}

export async function startForwardProxy(opts: { hosts?: Record<string, number>; credentials?: string } = {}): Promise<ForwardProxy> {
  const hosts = new Map<string, number>(Object.entries(opts.hosts ?? {}));
  const log: ForwardProxyEntry[] = [];
  const upstreams = new Set<Socket>();
  const expectedAuth = opts.credentials !== undefined ? `Basic ${Buffer.from(opts.credentials).toString('base64')}` : undefined;
  const authorized = (req: IncomingMessage) => expectedAuth === undefined || req.headers['proxy-authorization'] === expectedAuth;
  const resolve = (hostname: string) => hosts.get(hostname.toLowerCase());

  const server = createServer((req, res) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('forward-proxy: only absolute-form requests');
      return;
    }
    const target = `${url.hostname}:${url.port || '80'}`;
    const port = resolve(url.hostname);
    log.push({ method: req.method ?? 'GET', target, routed: port !== undefined && authorized(req) });
    if (!authorized(req)) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="sandbox"' }).end();
      return;
    }
    if (port === undefined || url.protocol !== 'http:') {
      res.writeHead(502, { 'content-type': 'text/plain' }).end(`forward-proxy: cannot resolve ${url.hostname}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: `${url.pathname}${url.search}`, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', (err) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`forward-proxy: ${err.message}`);
    });
    req.pipe(upstream);
  });

  server.on('connect', (req: IncomingMessage, client: Socket, head: Buffer) => {
    const target = req.url ?? '';
    const hostname = target.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const port = resolve(hostname);
    log.push({ method: 'CONNECT', target, routed: port !== undefined && authorized(req) });
    client.on('error', () => client.destroy());
    if (!authorized(req)) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="sandbox"\r\n\r\n');
      return;
    }
    if (port === undefined) {
      client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n');
      return;
    }
    const upstream = connect(port, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstreams.add(upstream);
    upstream.on('close', () => {
      upstreams.delete(upstream);
      client.destroy();
    });
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    client.on('close', () => upstream.destroy());
  });

  const { port, close } = await listenOnLoopback(server);
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    map(hostname, target) {
      hosts.set(hostname.toLowerCase(), target);
    },
    count(hostname, method) {
      return log.filter((e) => e.target.replace(/:\d+$/, '') === hostname && (method === undefined || e.method === method)).length;
    },
    resetLog() {
      log.length = 0;
    },
    async stop() {
      for (const s of upstreams) s.destroy();
      await close();
    },
  };
}

/** A TCP server that accepts every connection and never answers: a stalled peer. Counts the connections. */
export async function startStalledServer(): Promise<{ port: number; connections(): number; stop(): Promise<void> }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    socket.resume();
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    connections: () => connections,
    stop: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
}
