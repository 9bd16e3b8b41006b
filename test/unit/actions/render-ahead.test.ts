/**
 * Templates rendered while AWS answers (src/actions/render-ahead.ts): the same templates the plan would render, in
 * slices that leave the event loop free between them, and used by the plan only for the spec as requested.
 */
import { describe, expect, it } from 'vitest';
import { renderAhead } from '../../../src/actions/render-ahead.js';
import { renderTemplate } from '../../../src/cfn/template.js';
import type { ServiceAccountSpec } from '../../../src/model/service-account.js';
import { OIDC, S3_READ_ONLY, spec } from '../../fixtures/cfn/specs.js';

const many = (n: number): ServiceAccountSpec[] =>
  Array.from({ length: n }, (_, i) => spec({ name: `sa-${i}`, namespace: `ns-${i % 3}`, attachPolicyARNs: [S3_READ_ONLY], ...(i % 4 === 0 ? { wellKnownPolicies: { autoScaler: true } } : {}) }));

describe('renderAhead', () => {
  it('renders what renderTemplate renders, by id, and nothing for attachRoleARN', async () => {
    const specs = [...many(7), spec({ name: 'attached', attachRoleARN: 'arn:aws:iam::456123987123:role/given' })];
    const rendered = await renderAhead(specs, OIDC);
    expect([...rendered.keys()]).toEqual(specs.slice(0, 7).map((s) => `${s.namespace}/${s.name}`));
    for (const s of specs.slice(0, 7)) expect(rendered.get(`${s.namespace}/${s.name}`)).toEqual(renderTemplate(s, OIDC));
  });

  it('yields to the event loop between slices: an immediate queued after it starts runs before it ends', async () => {
    const order: string[] = [];
    const rendering = renderAhead(many(500), OIDC).then((r) => {
      order.push(`rendered ${r.size}`);
    });
    setImmediate(() => order.push('immediate'));
    await rendering;
    expect(order).toEqual(['immediate', 'rendered 500']);
  });

  it('leaves out a spec that cannot be rendered; the plan renders it again and throws its error', async () => {
    const bad = spec({ name: 'bad*name' }); // wildcards are refused by the trust policy's last-line check
    const rendered = await renderAhead([bad, ...many(2)], OIDC);
    expect(rendered.size).toBe(2);
    expect(() => renderTemplate(bad, OIDC)).toThrow(/wildcard in service account name/);
  });
});
