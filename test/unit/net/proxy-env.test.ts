import { describe, expect, it } from 'vitest';
import { IrsaError } from '../../../src/errors.js';
import { proxyFor, proxySettingsFrom, redactProxy } from '../../../src/net/proxy-env.js';
import { formatDuration } from '../../../src/net/run-control.js';

/** The proxy environment as kubectl/eksctl (Go's httpproxy) and the aws CLI read it. Pure: no network. */

const via = (url: string, env: Record<string, string>) => proxyFor(new URL(url), proxySettingsFrom(env))?.href;

describe('HTTPS_PROXY / HTTP_PROXY', () => {
  it('picks the variable by the target scheme, either case, lower case winning', () => {
    expect(via('https://eks.us-west-2.amazonaws.com', { HTTPS_PROXY: 'http://a:1' })).toBe('http://a:1/');
    expect(via('https://eks.us-west-2.amazonaws.com', { https_proxy: 'http://b:2', HTTPS_PROXY: 'http://a:1' })).toBe('http://b:2/');
    expect(via('http://example.com', { HTTPS_PROXY: 'http://a:1' })).toBeUndefined();
    expect(via('http://example.com', { HTTP_PROXY: 'http://a:1' })).toBe('http://a:1/');
  });

  it('a proxy without a scheme is http://; a socks or unparsable one is a usage error', () => {
    expect(via('https://x.example', { HTTPS_PROXY: 'proxy.corp:3128' })).toBe('http://proxy.corp:3128/');
    expect(() => proxySettingsFrom({ HTTPS_PROXY: 'socks5://p:1080' })).toThrow(IrsaError);
    expect(() => proxySettingsFrom({ HTTPS_PROXY: 'http://[bad' })).toThrow(/HTTPS_PROXY: "http:\/\/\[bad" is not a URL/);
  });

  it('loopback is never proxied', () => {
    for (const url of ['http://127.0.0.1:4566', 'https://localhost:8443', 'http://[::1]:80']) expect(via(url, { HTTPS_PROXY: 'http://a:1', HTTP_PROXY: 'http://a:1' })).toBeUndefined();
  });

  it('redacts a login from a proxy URL', () => {
    expect(redactProxy('http://alice:s3cret@proxy:3128')).toBe('http://***@proxy:3128');
    expect(redactProxy('http://proxy:3128')).toBe('http://proxy:3128');
  });
});

describe('NO_PROXY', () => {
  const env = (no: string) => ({ HTTPS_PROXY: 'http://p:1', NO_PROXY: no });
  it.each([
    ['*', 'https://anything.example', true],
    ['example.com', 'https://example.com', true],
    ['example.com', 'https://api.example.com', true],
    ['example.com', 'https://notexample.com', false],
    ['.example.com', 'https://example.com', false],
    ['.example.com', 'https://api.example.com', true],
    ['*.example.com', 'https://api.example.com', true],
    ['example.com:8443', 'https://example.com:8443', true],
    ['example.com:8443', 'https://example.com', false],
    ['10.0.0.0/8', 'https://10.1.2.3', true],
    ['10.0.0.0/8', 'https://11.1.2.3', false],
    ['10.1.2.3', 'https://10.1.2.3', true],
    ['fd00::/8', 'https://[fd12::1]', true],
    ['fd00::/8', 'https://[fe80::1]', false],
    ['a.com, eks.amazonaws.com b.com', 'https://abc.gr7.us-west-2.eks.amazonaws.com', true],
    ['EXAMPLE.com', 'https://Api.Example.COM', true],
  ])('NO_PROXY=%s, %s: bypassed %s', (no, url, bypassed) => {
    expect(via(url, env(no)) === undefined).toBe(bypassed);
  });

  it('no_proxy in lower case counts too', () => {
    expect(via('https://api.example.com', { HTTPS_PROXY: 'http://p:1', no_proxy: 'example.com' })).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it('writes durations as --timeout takes them', () => {
    expect([5000, 25 * 60_000, 90 * 60_000, 1500, 250].map(formatDuration)).toEqual(['5s', '25m', '1h30m', '1.5s', '250ms']);
  });
});
