// Answers that are not AWS's (a proxy's HTML error page, a truncated XML body, an HTML page with 200) reach the user
// as one sentence naming the service, the operation, the HTTP status and the body's first line, escaped.
import { afterEach, describe, expect, it } from 'vitest';
import type { FaultDecision } from '../../../sandbox/aws-proxy.js';
import { useE2E } from '../../support/cli.js';

const CLUSTER = 'raw-answers';
const REGION = 'us-west-2';
const e = useE2E(CLUSTER, { region: REGION });
const RAW_CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/;
const GET = ['get', 'iamserviceaccount', '--cluster', CLUSTER, '--region', REGION];

/** Answers `action` of `service` with `decision`, and passes everything else. */
function answer(service: string, action: string, decision: FaultDecision): void {
  e.sandbox.proxy.setFaultInjector((req) => (req.service === service && req.action === action ? decision : 'pass'));
}

afterEach(() => e.sandbox.proxy.setFaultInjector(undefined));

describe('answers that are not AWS responses', () => {
  it("a proxy's 502 HTML page for CloudFormation (query protocol): its title, not the SDK's \"Unknown\"", async () => {
    answer('cloudformation', 'ListStacks', { status: 502, body: '<html>\r\n<head><title>502 Bad Gateway\x1b[2J</title></head>\r\n<body>nginx</body></html>', headers: { 'content-type': 'text/html' } });
    const r = await e.run(GET);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ListStacks failed: CloudFormation answered HTTP 502 with an HTML page, not an AWS response: 502 Bad Gateway\\x1b[2J');
    expect(r.stderr).not.toContain('Unknown');
    expect(r.stderr).toContain('a proxy, a captive portal');
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });

  it('an HTML page for EKS (JSON): not "Unexpected token <"', async () => {
    answer('eks', 'DescribeCluster', { status: 403, body: '<!DOCTYPE html>\n<html><body>Access blocked by policy</body></html>', headers: { 'content-type': 'text/html; charset=utf-8' } });
    const r = await e.run(GET);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('DescribeCluster failed: EKS answered HTTP 403 with an HTML page, not an AWS response: <!DOCTYPE html>');
    expect(r.stderr).not.toMatch(/Unexpected token|Deserialization error/);
  });

  it('malformed XML with 200: the parse error and the first line of the body', async () => {
    answer('cloudformation', 'ListStacks', { status: 200, body: '<ListStacksResponse><ListStacksResult><StackSummaries><member>', headers: { 'content-type': 'text/xml' } });
    const r = await e.run(GET);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'ListStacks failed: CloudFormation answered HTTP 200 with a body irsactl could not read as XML (missing closing tag </member>.): <ListStacksResponse><ListStacksResult><StackSummaries><member>',
    );
  });

  it('an HTML page with 200 is refused, not read as an empty answer', async () => {
    answer('cloudformation', 'ListStacks', { status: 200, body: '<html><head><title>Sign in to the Wi-Fi</title></head></html>', headers: { 'content-type': 'text/html' } });
    const r = await e.run(GET);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ListStacks failed: CloudFormation answered HTTP 200 with an HTML page, not an AWS response: Sign in to the Wi-Fi');
  });

  it('XML labelled text/html is still read as XML', async () => {
    answer('cloudformation', 'ListStacks', {
      status: 200,
      body: '<ListStacksResponse xmlns="http://cloudformation.amazonaws.com/doc/2010-05-15/"><ListStacksResult><StackSummaries/></ListStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></ListStacksResponse>',
      headers: { 'content-type': 'text/html; charset=utf-8' },
    });
    const r = await e.run(GET);
    expect(r.code, r.stderr).toBe(0);
  });

  it("AWS's own errors keep their message", async () => {
    answer('cloudformation', 'ListStacks', {
      status: 400,
      body: '<ErrorResponse><Error><Type>Sender</Type><Code>ValidationError</Code><Message>bad input</Message></Error><RequestId>r</RequestId></ErrorResponse>',
      headers: { 'content-type': 'text/xml' },
    });
    const r = await e.run(GET);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ListStacks failed: bad input');
  });
});
