import { isIP } from 'node:net';
import { usageError } from '../errors.js';

// HTTPS_PROXY / HTTP_PROXY / NO_PROXY, read the way kubectl and eksctl (Go's x/net/http/httpproxy) and the aws CLI
// read them: either case (the lower-case one wins when both are set, as with curl and the aws CLI); a proxy without a
// scheme is http://; NO_PROXY is a comma- or space-separated list of `*`, host names (which also match their
// subdomains; a leading `.` or `*.` matches subdomains only), IP addresses and CIDR blocks, each optionally with `:port`.
// Loopback addresses are never proxied: a proxy's own localhost is not ours. Pure: the environment is passed in.

export interface ProxySettings {
  https?: URL;
  http?: URL;
  noProxy: readonly NoProxyRule[];
}

type NoProxyRule =
  | { kind: 'all' }
  | { kind: 'domain'; suffix: string; subdomainsOnly: boolean; port?: number }
  | { kind: 'ip'; address: string; port?: number }
  | { kind: 'cidr'; family: 4 | 6; network: bigint; bits: number };

const envAny = (env: Record<string, string | undefined>, name: string): { name: string; value: string } | undefined => {
  for (const key of [name.toLowerCase(), name.toUpperCase()]) {
    const value = env[key]?.trim();
    if (value) return { name: key, value };
  }
  return undefined;
};

function proxyUrl(setting: { name: string; value: string } | undefined): URL | undefined {
  if (setting === undefined) return undefined;
  const text = /^[a-z][a-z0-9+.-]*:\/\//i.test(setting.value) ? setting.value : `http://${setting.value}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw usageError(`${setting.name}: "${redactProxy(setting.value)}" is not a URL`, `set it to the proxy's URL, e.g. http://proxy.example.com:3128`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw usageError(`${setting.name}: ${url.protocol.replace(/:$/, '')} proxies are not supported`, 'irsactl talks to http:// and https:// proxies (CONNECT for TLS)');
  }
  return url;
}

/** A proxy URL fit to print: any user name and password replaced. */
export function redactProxy(url: string | URL): string {
  try {
    const u = new URL(String(url));
    if (u.username || u.password) {
      u.username = '***';
      u.password = '';
    }
    return u.toString().replace(/\/$/, '');
  } catch {
    return String(url).replace(/\/\/[^@/]*@/, '//***@');
  }
}

function ipToBigInt(address: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(address);
  if (family === 4) return { family: 4, value: address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n) };
  if (family !== 6) return undefined;
  const [head, tail] = address.includes('::') ? address.split('::') : [address, undefined];
  const parse = (s: string | undefined) => (s ? s.split(':') : []);
  let groups = parse(head);
  let rest = parse(tail);
  // an embedded IPv4 tail (::ffff:10.0.0.1) is two groups
  const last = (tail !== undefined ? rest : groups).at(-1);
  if (last?.includes('.')) {
    const v4 = ipToBigInt(last)!.value;
    const extra = [(v4 >> 16n).toString(16), (v4 & 0xffffn).toString(16)];
    if (tail !== undefined) rest = [...rest.slice(0, -1), ...extra];
    else groups = [...groups.slice(0, -1), ...extra];
  }
  const all = tail !== undefined ? [...groups, ...Array<string>(8 - groups.length - rest.length).fill('0'), ...rest] : groups;
  return { family: 6, value: all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g || '0', 16)), 0n) };
}

function parseRule(entry: string): NoProxyRule | undefined {
  if (entry === '*') return { kind: 'all' };
  const cidr = /^([^/]+)\/(\d{1,3})$/.exec(entry);
  if (cidr) {
    const ip = ipToBigInt(cidr[1]!);
    const bits = Number(cidr[2]);
    if (ip === undefined || bits > (ip.family === 4 ? 32 : 128)) return undefined;
    return { kind: 'cidr', family: ip.family, network: ip.value >> BigInt((ip.family === 4 ? 32 : 128) - bits), bits };
  }
  // host, host:port, [v6], [v6]:port, bare v6
  let host = entry;
  let port: number | undefined;
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed) {
    host = bracketed[1]!;
    port = bracketed[2] !== undefined ? Number(bracketed[2]) : undefined;
  } else if (isIP(entry) !== 6) {
    const withPort = /^(.*):(\d+)$/.exec(entry);
    if (withPort) {
      host = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  if (isIP(host)) return { kind: 'ip', address: host, ...(port !== undefined ? { port } : {}) };
  const subdomainsOnly = host.startsWith('.') || host.startsWith('*.');
  const suffix = host.replace(/^\*?\./, '').toLowerCase();
  if (suffix === '') return undefined;
  return { kind: 'domain', suffix, subdomainsOnly, ...(port !== undefined ? { port } : {}) };
}

export function proxySettingsFrom(env: Record<string, string | undefined>): ProxySettings {
  const https = proxyUrl(envAny(env, 'https_proxy'));
  const http = proxyUrl(envAny(env, 'http_proxy'));
  const noProxy = (envAny(env, 'no_proxy')?.value ?? '')
    .split(/[\s,]+/)
    .map((e) => e.trim())
    .filter((e) => e !== '')
    .map(parseRule)
    .filter((r): r is NoProxyRule => r !== undefined);
  return { ...(https ? { https } : {}), ...(http ? { http } : {}), noProxy };
}

const isLoopback = (host: string): boolean => host === 'localhost' || host.endsWith('.localhost') || /^127\./.test(host) || host === '::1';

function bypasses(rule: NoProxyRule, host: string, port: number, ip: { family: 4 | 6; value: bigint } | undefined): boolean {
  switch (rule.kind) {
    case 'all':
      return true;
    case 'cidr':
      return ip !== undefined && ip.family === rule.family && ip.value >> BigInt((ip.family === 4 ? 32 : 128) - rule.bits) === rule.network;
    case 'ip':
      return (rule.port === undefined || rule.port === port) && ip !== undefined && ipToBigInt(rule.address)?.value === ip.value;
    case 'domain':
      if (rule.port !== undefined && rule.port !== port) return false;
      return host.endsWith(`.${rule.suffix}`) || (!rule.subdomainsOnly && host === rule.suffix);
  }
}

/** The proxy for a request to `target`, or undefined to connect directly. */
export function proxyFor(target: { protocol: string; hostname: string; port?: string | number }, settings: ProxySettings): URL | undefined {
  const proxy = target.protocol === 'https:' ? settings.https : target.protocol === 'http:' ? settings.http : undefined;
  if (proxy === undefined) return undefined;
  const host = target.hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  if (isLoopback(host)) return undefined;
  const port = Number(target.port) || (target.protocol === 'https:' ? 443 : 80);
  const ip = isIP(host) ? ipToBigInt(host) : undefined;
  return settings.noProxy.some((rule) => bypasses(rule, host, port, ip)) ? undefined : proxy;
}
