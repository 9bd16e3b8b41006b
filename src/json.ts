/** A plain JSON object (not null, not an array): the one narrowing every reader of parsed JSON needs. */
export const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
