// TokenRequest (POST …/serviceaccounts/<name>/token): projected ServiceAccount tokens, signed with a key of
// this server's (HS256: only tests read them), with the claims of a real projected token (aud, iss, sub, kubernetes.io).
import { createHmac, randomBytes } from 'node:crypto';
import { isObject, type JsonObject } from './json.js';
import { metaOf, rfc3339 } from './resources.js';
import { HttpError } from './status.js';

export interface TokenIssuer {
  /** The TokenRequest answer for the ServiceAccount `sa` (`ns`/`name`), given the request body. */
  tokenRequest(ns: string, name: string, sa: JsonObject, body: JsonObject): JsonObject;
  /** The `iss` claim from now on. */
  setIssuer(url: string): void;
}

export function createTokenIssuer(): TokenIssuer {
  const signingKey = randomBytes(32);
  let issuer = 'https://kubernetes.default.svc';

  function signJwt(claims: JsonObject): string {
    const enc = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const head = `${enc({ alg: 'HS256', typ: 'JWT', kid: 'irsactl-fake' })}.${enc(claims)}`;
    return `${head}.${createHmac('sha256', signingKey).update(head).digest('base64url')}`;
  }

  return {
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
