// TokenRequest (POST …/serviceaccounts/<name>/token): projected ServiceAccount tokens, signed with a key of
// this server's (HS256: only tests read them), with the claims of a real projected token (aud, iss, sub, kubernetes.io).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { isObject, type JsonObject } from './json.js';
import { metaOf, rfc3339 } from './resources.js';
import { HttpError } from './status.js';

export interface TokenIssuer {
  /** The TokenRequest answer for the ServiceAccount `sa` (`ns`/`name`), given the request body. */
  tokenRequest(ns: string, name: string, sa: JsonObject, body: JsonObject): JsonObject;
  /** The `iss` claim from now on. */
  setIssuer(url: string): void;
  /** The claims of a token this issuer signed and that has not expired; undefined for any other. */
  verify(token: string, nowMs?: number): ServiceAccountTokenClaims | undefined;
}

/** What a projected ServiceAccount token says, as EKS Auth reads it. */
export interface ServiceAccountTokenClaims {
  audiences: string[];
  issuer: string;
  namespace: string;
  serviceAccount: string;
  exp: number;
}

export function createTokenIssuer(): TokenIssuer {
  const signingKey = randomBytes(32);
  let issuer = 'https://kubernetes.default.svc';

  function signJwt(claims: JsonObject): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'irsactl-fake' })}.${enc(claims)}`;
    return `${head}.${createHmac('sha256', signingKey).update(head).digest('base64url')}`;
  }

  function verify(token: string, nowMs = Date.now()): ServiceAccountTokenClaims | undefined {
    const [head, body, signature] = token.split('.');
    if (head === undefined || body === undefined || signature === undefined) return undefined;
    const expected = createHmac('sha256', signingKey).update(`${head}.${body}`).digest();
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let claims: unknown;
    try {
      claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (!isObject(claims) || typeof claims.exp !== 'number' || claims.exp * 1000 <= nowMs) return undefined;
    const k8s = isObject(claims['kubernetes.io']) ? claims['kubernetes.io'] : {};
    const sa = isObject(k8s.serviceaccount) ? k8s.serviceaccount : {};
    return {
      audiences: Array.isArray(claims.aud) ? claims.aud.map(String) : [String(claims.aud)],
      issuer: String(claims.iss),
      namespace: String(k8s.namespace),
      serviceAccount: String(sa.name),
      exp: claims.exp,
    };
  }

  return {
    verify,
    setIssuer: (url) => {
      issuer = url;
    },
    tokenRequest(ns, name, sa, body) {
      const spec = isObject(body.spec) ? body.spec : {};
      const audiences =
        Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences.map(String) : [issuer];
      const expirationSeconds = spec.expirationSeconds == null ? 3600 : Number(spec.expirationSeconds);
      if (!Number.isInteger(expirationSeconds) || expirationSeconds < 600) {
        throw new HttpError(422, 'Invalid', 'TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: may not specify a duration less than 10 minutes', {
          kind: 'TokenRequest',
          group: 'authentication.k8s.io',
        });
      }
      const iat = Math.floor(Date.now() / 1000);
      const exp = iat + expirationSeconds;
      const token = signJwt({
        aud: audiences,
        exp,
        iat,
        nbf: iat,
        iss: issuer,
        sub: `system:serviceaccount:${ns}:${name}`,
        'kubernetes.io': { namespace: ns, serviceaccount: { name, uid: metaOf(sa).uid } },
      });
      return {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace: ns, creationTimestamp: null },
        spec: { audiences, expirationSeconds, boundObjectRef: spec.boundObjectRef ?? null },
        status: { token, expirationTimestamp: rfc3339(new Date(exp * 1000)) },
      };
    },
  };
}
