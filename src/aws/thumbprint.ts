import { createHash, X509Certificate } from 'node:crypto';
import tls from 'node:tls';

/**
 * eksctl's thumbprint: lower-case hex SHA-1 of the DER of the LAST certificate
 * the issuer presents (the top of the sent chain). TLS is verified. Unlike
 * eksctl this has a timeout; undefined when the issuer cannot be reached.
 */
export function issuerThumbprint(issuerUrl: string, timeoutMs = 5000): Promise<{ thumbprint?: string; error?: string }> {
  const url = new URL(issuerUrl);
  return new Promise((resolve) => {
    const socket = tls.connect({ host: url.hostname, port: Number(url.port || 443), servername: url.hostname, timeout: timeoutMs });
    const finish = (r: { thumbprint?: string; error?: string }) => {
      socket.destroy();
      resolve(r);
    };
    socket.once('secureConnect', () => {
      let cert = socket.getPeerCertificate(true);
      if (!cert || !cert.raw) return finish({ error: 'the issuer presented no certificate' });
      // Walk to the end of the presented chain; a self-issued root points at itself.
      const seen = new Set<string>();
      while (cert.issuerCertificate && cert.issuerCertificate !== cert && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        cert = cert.issuerCertificate;
      }
      new X509Certificate(cert.raw); // throws on garbage rather than hashing it
      finish({ thumbprint: createHash('sha1').update(cert.raw).digest('hex') });
    });
    socket.once('timeout', () => finish({ error: `no answer from ${url.host} within ${timeoutMs} ms` }));
    socket.once('error', (err) => finish({ error: err.message }));
  });
}
