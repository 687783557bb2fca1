import { randomBytes } from 'node:crypto';
import { signMessage } from '../../src/domain/events/event-signature';
import { aPassage, aTicket } from '../../src/domain/material/fixtures/material-records';
import { login } from '../support/live-client';
import type { TestGateway } from '../support/mqtt-gateway';
import { oreGuardForFile } from '../support/oreguard-for-file';
import { waitFor } from '../support/wait-for';

/**
 * The material topic end to end: a weighbridge gateway's records are stored once (a resend is
 * a duplicate), a bad one is kept as rejected with the field and the fault, and each is
 * confirmed on the gateway's acks topic with the same correlation data, by its recordId.
 */
describe('material records from a weighbridge gateway', () => {
  const og = oreGuardForFile('material-records', {
    env: {
      GATEWAY_SECRET_KEY: randomBytes(32).toString('base64'),
      EVENT_ALLOWED_LATENESS_MS: String(3650 * 86_400_000),
    },
  });
  let gateway: TestGateway;
  const answers = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    gateway = await og.gateway('kolwezi-1', 'gw-scale');
    gateway.client.on('message', (_topic, payload, packet) => {
      const id = packet.properties?.correlationData?.toString();
      if (id) answers.set(`${id}#${answers.size}`, JSON.parse(payload.toString()));
    });
    await gateway.client.subscribeAsync(gateway.topic('acks'), { qos: 1 });
  });

  /** Publishes with a response topic and waits for every answer to that correlation id so far plus one. */
  const send = async (
    payload: Record<string, unknown> | string,
    correlation: string,
    signature?: string,
    from = gateway,
  ) => {
    const before = [...answers.keys()].filter((k) => k.startsWith(`${correlation}#`)).length;
    await from.publish(payload, 'material', {
      properties: {
        responseTopic: from.topic('acks'),
        correlationData: Buffer.from(correlation),
        ...(signature !== undefined && { userProperties: { 'oreguard-sig': signature } }),
      },
    });
    return waitFor(
      () => {
        const mine = [...answers.entries()].filter(([k]) => k.startsWith(`${correlation}#`));
        return mine.length > before ? mine[mine.length - 1]![1] : undefined;
      },
      { what: `the answer to ${correlation}` },
    );
  };

  it('stores a ticket, answers stored, and a resend of it duplicate; the record is kept once with its parsed body', async () => {
    const ticket = aTicket({ recordId: 'tkt-1', plate: 'ABC123' });
    expect(await send(ticket, 'c-1')).toEqual({ status: 'stored', recordId: 'tkt-1' });
    expect(await send(ticket, 'c-1')).toEqual({ status: 'duplicate', recordId: 'tkt-1' });
    const rows = await og.ctx.db.query<{
      site_id: string;
      gateway_id: string;
      type: string;
      recorded_at: Date;
      body: Record<string, any>;
    }>(`SELECT site_id, gateway_id, type, recorded_at, body FROM material_records WHERE record_id = 'tkt-1'`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      site_id: 'kolwezi-1',
      gateway_id: 'gw-scale',
      type: 'weighing.ticket',
      recorded_at: new Date(ticket.at),
    });
    expect(rows[0]!.body).toMatchObject({ netKg: 30_360, instrument: { class: 'III', eKg: 20 } });
  });

  it('rejects a record whose net is not gross minus tare, naming the field, and keeps it as rejected', async () => {
    const bad = aTicket({ recordId: 'tkt-bad' }, { netKg: 31_000 });
    const reason = 'netKg: must be gross minus tare (45380 - 15020 = 30360) (got 31000)';
    expect(await send(bad, 'c-2')).toEqual({ status: 'rejected', recordId: 'tkt-bad', reason });
    expect(await og.ctx.db.query(`SELECT topic, reason FROM rejected_events WHERE payload LIKE '%tkt-bad%'`)).toEqual([
      { topic: gateway.topic('material'), reason },
    ]);
    expect(await og.ctx.db.query(`SELECT 1 FROM material_records WHERE record_id = 'tkt-bad'`)).toEqual([]);
  });

  it('rejects invalid JSON on the material topic, and stores the next good record', async () => {
    expect(await send('{"type": "gate.passage",', 'c-3')).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/^payload: invalid JSON/),
    });
    expect(await send(aPassage('in', new Date('2026-11-29T01:00:00Z'), { recordId: 'gate-1' }), 'c-4')).toEqual({
      status: 'stored',
      recordId: 'gate-1',
    });
  });

  it('holds a gateway that must sign to its signature: unsigned refused, signed stored, the same bytes again a duplicate, other bytes a replay', async () => {
    const admin = await login(og.oreguard.baseUrl);
    expect(
      (await og.rest(admin, 'POST', '/sites', { id: 'tarkwa-2', name: 'Tarkwa', timeZone: 'Africa/Accra' })).status,
    ).toBe(201);
    const created = await og.rest(admin, 'POST', '/sites/tarkwa-2/gateways', { id: 'gw-signed', requireSigned: true });
    expect(created.status).toBe(201);
    const signed = await og.gateway('tarkwa-2', 'gw-signed');
    signed.client.on('message', (_topic, payload, packet) => {
      const id = packet.properties?.correlationData?.toString();
      if (id) answers.set(`${id}#${answers.size}`, JSON.parse(payload.toString()));
    });
    await signed.client.subscribeAsync(signed.topic('acks'), { qos: 1 });
    const sign = (text: string) =>
      signMessage(signed.topic('material'), Buffer.from(text), created.body.secret as string);

    const text = JSON.stringify(aPassage('out', new Date('2026-11-29T03:00:00Z'), { recordId: 'gate-s1' }));
    expect(await send(text, 's-1', undefined, signed)).toMatchObject({
      status: 'rejected',
      recordId: 'gate-s1',
      reason: expect.stringMatching(/^oreguard-sig: /),
    });
    expect(await send(text, 's-2', sign(text), signed)).toEqual({ status: 'stored', recordId: 'gate-s1' });
    expect(await send(text, 's-3', sign(text), signed)).toEqual({ status: 'duplicate', recordId: 'gate-s1' });
    const other = JSON.stringify(aPassage('out', new Date('2026-11-29T03:30:00Z'), { recordId: 'gate-s1' }));
    expect(await send(other, 's-4', sign(other), signed)).toEqual({
      status: 'rejected',
      recordId: 'gate-s1',
      reason: 'recordId: already seen with other content (replay)',
    });
    expect(await og.ctx.db.query(`SELECT recorded_at FROM material_records WHERE record_id = 'gate-s1'`)).toEqual([
      { recorded_at: new Date('2026-11-29T03:00:00Z') },
    ]);
  });
});
