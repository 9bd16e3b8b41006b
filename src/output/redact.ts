/**
 * Secrets never reach output: every line irsactl writes passes through here.
 * Known secret values (from the environment) are replaced wherever they occur,
 * and secret-shaped strings (EKS tokens, SigV4 signatures, session tokens) by pattern.
 */
const PATTERNS: [RegExp, string][] = [
  [/k8s-aws-v1\.[A-Za-z0-9_-]+/g, 'k8s-aws-v1.<redacted>'],
  [/(X-Amz-Signature=)[0-9a-f]+/gi, '$1<redacted>'],
  [/(X-Amz-Security-Token=)[^&\s"']+/gi, '$1<redacted>'],
  [/(Bearer\s+)[A-Za-z0-9._~+/=-]+/g, '$1<redacted>'],
  [/("?(?:secretAccessKey|SecretAccessKey|sessionToken|SessionToken|aws_secret_access_key|aws_session_token)"?\s*[:=]\s*"?)[^"\s,}]+/g, '$1<redacted>'],
  // service-account tokens (JWTs) requested by doctor --live
  [/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/g, '<redacted-jwt>'],
];

export function secretValuesFrom(env: Record<string, string | undefined>): string[] {
  return ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_SECURITY_TOKEN']
    .map((k) => env[k])
    .filter((v): v is string => typeof v === 'string' && v.length >= 8);
}

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) out = out.split(s).join('<redacted>');
  for (const [re, replacement] of PATTERNS) out = out.replace(re, replacement);
  return out;
}
