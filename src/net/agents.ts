import http from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';
import { proxyFor, redactProxy, type ProxySettings } from './proxy-env.js';

// The HTTP(S) agents every AWS and Kubernetes request goes through. Each connection is routed per target host:
// straight to it, or through the proxy HTTPS_PROXY/HTTP_PROXY/NO_PROXY (or a kubeconfig's proxy-url) name, by
// hpagent's CONNECT tunnel. Each has a connect timeout covering TCP, the proxy's CONNECT and the TLS handshake,
// which Node's agents do not have.

export interface AgentSettings {
  proxies: ProxySettings;
  /** a fixed proxy for every target (a kubeconfig cluster's proxy-url), instead of the environment's */
  proxyOverride?: URL;
  connectTimeoutMs: number;
  /** TLS: the CAs to trust instead of Node's (AWS_CA_BUNDLE, a cluster's CA), client certs, verification */
  tls?: Pick<https.AgentOptions, 'ca' | 'cert' | 'key' | 'pfx' | 'passphrase' | 'rejectUnauthorized' | 'servername'>;
}

type ConnectOptions = http.ClientRequestArgs & { host?: string; port?: number | string; timeout?: number; servername?: string };
type Callback = (err: Error | null, socket?: Duplex) => void;
type Connect = (options: ConnectOptions, callback: Callback) => Duplex | undefined | null;

/** Connect-timeout errors carry ETIMEDOUT: the AWS SDK and irsactl's Kubernetes client retry them as transient. */
function connectTimeoutError(target: string, via: URL | undefined, ms: number): Error {
  const through = via ? ` through the proxy ${redactProxy(via)}` : '';
  return Object.assign(new Error(`could not connect to ${target}${through} within ${ms / 1000} s (ETIMEDOUT: connect timeout)`), { code: 'ETIMEDOUT' });
}

/** hpagent says only "Bad response: 407"; name the proxy and the target, and keep the socket error's code. */
function proxyError(err: Error, target: string, via: URL): Error {
  const status = /Bad response: (\d+)/.exec(err.message)?.[1];
  const what =
    status === '407'
      ? 'asked for authentication (HTTP 407): put user:password in the proxy URL'
      : status !== undefined
        ? `refused the tunnel (HTTP ${status})`
        : err.message;
  return Object.assign(new Error(`the proxy ${redactProxy(via)} could not connect to ${target}: ${what}`), {
    ...((err as { code?: unknown }).code !== undefined ? { code: (err as { code?: unknown }).code } : {}),
    cause: err,
  });
}

/**
 * Wraps connect so that a connection not established within `ms` fails with ETIMEDOUT. Established means: the TLS
 * handshake done for a TLS socket, the TCP connect (or the proxy's tunnel) for a plain one.
 */
function withConnectTimeout(connect: Connect, ms: number, target: string, via: URL | undefined): Connect {
  return (options, callback) => {
    let settled = false;
    let socket: Duplex | undefined | null;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
    };
    const timer = setTimeout(() => {
      if (settled) return;
      settle();
      const err = connectTimeoutError(target, via, ms);
      if (socket) socket.destroy(err);
      else callback(err);
    }, ms);
    timer.unref();
    const watch = (s: Duplex) => {
      s.once('close', settle);
      if (s instanceof tls.TLSSocket) s.once('secureConnect', settle);
      else if ((s as { connecting?: boolean }).connecting) s.once('connect', settle);
      else settle();
    };
    socket = connect(options, (err, s) => {
      // A socket returned at once (a direct connection) may also call back, as its 'connect' listener: ignore that.
      if (socket) return;
      if (settled && s) {
        // the tunnel came up after the timeout fired: nobody waits for it
        s.destroy();
        return;
      }
      if (err || !s) {
        settle();
        return callback(err ?? new Error(`no connection to ${target}`));
      }
      watch(s);
      callback(null, s);
    });
    if (socket) watch(socket);
    return socket;
  };
}

function route(settings: AgentSettings, protocol: 'http:' | 'https:', options: ConnectOptions): URL | undefined {
  if (settings.proxyOverride) return settings.proxyOverride;
  return proxyFor({ protocol, hostname: String(options.host ?? 'localhost'), port: options.port ?? undefined }, settings.proxies);
}

/** One pool per agent (keep-alive); a tunnel agent per proxy, used only for its CONNECT. */
export function createAgents(settings: AgentSettings): { http: http.Agent; https: https.Agent } {
  const tunnels = new Map<string, http.Agent>();
  const tunnel = (protocol: 'http:' | 'https:', proxy: URL): http.Agent => {
    const key = `${protocol}${proxy.href}`;
    let agent = tunnels.get(key);
    if (!agent) {
      agent = protocol === 'https:' ? new HttpsProxyAgent({ proxy, keepAlive: true }) : new HttpProxyAgent({ proxy, keepAlive: true });
      tunnels.set(key, agent);
    }
    return agent;
  };
  // Node's Agent calls createConnection(options, callback) with the request's options merged with the agent's own
  // (so the TLS settings below reach tls.connect, directly or over the tunnel); the tunnel agent's createConnection
  // opens the CONNECT and, for https, runs TLS over it.
  const connectVia = (protocol: 'http:' | 'https:', direct: Connect): Connect => (options, callback) => {
    const target = `${String(options.host ?? 'localhost')}:${String(options.port ?? (protocol === 'https:' ? 443 : 80))}`;
    const via = route(settings, protocol, options);
    const open: Connect = via
      ? (o, cb) => {
          const agent = tunnel(protocol, via) as unknown as { createConnection: Connect };
          return agent.createConnection({ ...o, timeout: settings.connectTimeoutMs }, (err, s) => cb(err ? proxyError(err, target, via) : null, s));
        }
      : direct;
    return withConnectTimeout(open, settings.connectTimeoutMs, target, via)(options, callback);
  };

  class RoutingHttpAgent extends http.Agent {
    override createConnection(options: ConnectOptions, callback: Callback): Duplex {
      const direct = (super.createConnection as unknown as Connect).bind(this);
      return connectVia('http:', direct)(options, callback) as Duplex;
    }
  }
  class RoutingHttpsAgent extends https.Agent {
    override createConnection(options: ConnectOptions, callback: Callback): Duplex {
      const direct = (super.createConnection as unknown as Connect).bind(this);
      return connectVia('https:', direct)(options, callback) as Duplex;
    }
  }
  return {
    http: new RoutingHttpAgent({ keepAlive: true }),
    https: new RoutingHttpsAgent({ keepAlive: true, ...(settings.tls ?? {}) }),
  };
}

/**
 * A TLS connection to host:port through the same routing (proxy or direct) and connect timeout, for a caller that
 * wants the socket itself (the OIDC issuer's certificate chain). Resolves once the handshake is done.
 */
export function connectTls(settings: AgentSettings, host: string, port: number): Promise<tls.TLSSocket> {
  const agent = createAgents(settings).https as unknown as { createConnection: Connect };
  return new Promise((resolve, reject) => {
    let returned: Duplex | undefined | null;
    const ready = (s: Duplex) => {
      s.once('error', reject);
      s.once('secureConnect', () => resolve(s as tls.TLSSocket));
    };
    returned = agent.createConnection({ host, port, servername: host }, (err, s) => {
      if (returned) return;
      if (err || !s) return reject(err ?? new Error(`no connection to ${host}:${port}`));
      ready(s);
    });
    if (returned) ready(returned);
  });
}
