import { Parser, DiagnosticSeverity } from '@asyncapi/parser';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

/** The document as the built OreGuard (dist/, which `npm test` builds first) serves it. */
function builtMessagingDocument(prefix: string): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const documents = require(join(root, 'dist', 'src', 'api-documents.js')) as {
    messagingDocument: (prefix: string) => Record<string, unknown>;
  };
  return documents.messagingDocument(prefix);
}

describe('the AsyncAPI document', () => {
  const document = builtMessagingDocument('oreguard/v1');

  it('parses with the AsyncAPI parser with no error and no warning', async () => {
    const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
    const problems = diagnostics
      .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
      .map((d) => `${d.code} ${d.path.join('/')}: ${d.message}`);
    expect(problems).toEqual([]);
    expect(parsed).toBeDefined();
    expect(parsed!.version()).toBe('3.0.0');
  }, 60_000);

  it('names every MQTT topic of the contract under the prefix, and the /live events', async () => {
    const { document: parsed } = await new Parser().parse(JSON.stringify(document));
    const addresses = parsed!
      .channels()
      .all()
      .map((c) => c.address());
    expect(addresses).toEqual([
      'oreguard/v1/sites/{siteId}/gateways/{gatewayId}/events',
      'oreguard/v1/sites/{siteId}/gateways/{gatewayId}/suricata/{sensorId}',
      'oreguard/v1/sites/{siteId}/gateways/{gatewayId}/remoteid/{sensorId}',
      'oreguard/v1/sites/{siteId}/gateways/{gatewayId}/material',
      'oreguard/v1/sites/{siteId}/gateways/{gatewayId}/status',
      'oreguard/v1/sites/{siteId}/gateways/{gatewayId}/acks',
      'incident',
      'resume',
      'error',
      'gap',
      'snapshot',
      'posture',
    ]);
    const actions = Object.fromEntries(
      parsed!
        .operations()
        .all()
        .map((o) => [o.id(), o.action()]),
    );
    expect(actions).toMatchObject({
      receiveCanonicalEvent: 'receive',
      sendConfirmation: 'send',
      sendIncidentMessage: 'send',
      receiveResume: 'receive',
    });
    expect(
      parsed!
        .channels()
        .get('remoteIdMessages')!
        .parameters()
        .all()
        .map((p) => p.id()),
    ).toEqual(['siteId', 'gatewayId', 'sensorId']);
  }, 60_000);

  it('follows the configured topic prefix', () => {
    const channels = builtMessagingDocument('acme/og').channels as Record<string, { address: string }>;
    expect(channels.gatewayEvents.address).toBe('acme/og/sites/{siteId}/gateways/{gatewayId}/events');
  });
});
