import { createHash, X509Certificate } from 'node:crypto';
import { connectTls } from '../net/agents.js';
import { proxySettingsFrom } from '../net/proxy-env.js';

/**
 * eksctl's thumbprint: lower-case hex SHA-1 of the DER of the LAST certificate
 * the issuer presents (the top of the sent chain). TLS is verified, through the
 * HTTPS_PROXY the environment names (NO_PROXY honoured). Unlike eksctl this has
 * a timeout; undefined when the issuer cannot be reached.
 */
export async function issuerThumbprint(
  issuerUrl: string,
  env: Record<string, string | undefined>,
  timeoutMs = 5000,
): Promise<{ thumbprint?: string; error?: string }> {
  const url = new URL(issuerUrl);
  const host = url.hostname;
  let socket;
  try {
    socket = await connectTls({ proxies: proxySettingsFrom(env), connectTimeoutMs: timeoutMs }, host, Number(url.port || 443));
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  }
  try {
    let cert = socket.getPeerCertificate(true);
    if (!cert || !cert.raw) return { error: 'the issuer presented no certificate' };
    // Walk to the end of the presented chain; a self-issued root points at itself.
    const seen = new Set<string>();
    while (cert.issuerCertificate && cert.issuerCertificate !== cert && !seen.has(cert.fingerprint256)) {
      seen.add(cert.fingerprint256);
      cert = cert.issuerCertificate;
    }
    new X509Certificate(cert.raw); // throws on garbage rather than hashing it
    return { thumbprint: createHash('sha1').update(cert.raw).digest('hex') };
  } catch (err) {
    return { error: err instanceof Error ? err.message : String(err) };
  } finally {
    socket.destroy();
  }
}
