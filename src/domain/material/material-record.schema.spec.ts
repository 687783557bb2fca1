import { aManifest, anInstrumentEvent, aPassage, aSurvey, aTicket, t } from './fixtures/material-records';
import { readMaterialRecord } from './material-message';

function reasonFor(payload: Record<string, unknown>): string {
  const result = readMaterialRecord(payload);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result)}`);
  return result.reason;
}

describe('material records: accepted', () => {
  it.each([
    ['weighing.ticket', aTicket()],
    ['weighing.instrument', anInstrumentEvent(t('01:00'), 42, 12, { workOrderId: 'WO-881' })],
    ['gate.passage', aPassage('in', t('01:00'))],
    [
      'dispatch.manifest',
      aManifest('DSP-1001', 30_360, t('01:00'), { receipt: { netKg: 30_300, at: '2026-12-01T10:00:00+02:00' } }),
    ],
    ['stockpile.survey', aSurvey(t('06:00'), 1_200.5)],
  ])('accepts a %s, its times in UTC', (type, payload) => {
    const result = readMaterialRecord(payload);
    expect(result).toMatchObject({ ok: true, record: { type, recordId: payload.recordId } });
    if (result.ok) expect(result.record.at).toBeInstanceOf(Date);
  });

  it('accepts a ticket on a stored tare with a single weighing', () => {
    const payload = aTicket({}, { tareSource: 'stored', storedTareKg: 15_000, storedTareAgeDays: 3, netKg: 30_380 });
    payload.first = payload.second;
    delete payload.second;
    expect(readMaterialRecord(payload).ok).toBe(true);
  });
});

describe('material records: refused, naming the field', () => {
  it('refuses an unknown type, listing the known ones', () => {
    expect(reasonFor({ type: 'weighing.slip', recordId: 'r-1' })).toBe(
      'type: must be one of weighing.ticket, weighing.instrument, gate.passage, dispatch.manifest, stockpile.survey (got "weighing.slip")',
    );
  });

  it('refuses a net that is not gross minus tare', () => {
    expect(reasonFor(aTicket({}, { netKg: 31_000 }))).toBe(
      'netKg: must be gross minus tare (45380 - 15020 = 30360) (got 31000)',
    );
  });

  it('refuses a mass in fractions of a kilogram', () => {
    const payload = aTicket();
    payload.first.kg = 15_020.5;
    expect(reasonFor(payload)).toBe('first.kg: must be an integer (got 15020.5)');
  });

  it('refuses a ticket naming no vehicle', () => {
    const payload = aTicket();
    delete payload.plate;
    expect(reasonFor(payload)).toBe('plate: required (a plate or an rfidTag names the vehicle)');
  });

  it('refuses a weighed tare without its weighing', () => {
    const payload = aTicket();
    delete payload.second;
    expect(reasonFor(payload)).toBe('second: required when tareSource is "weighed" (the tare is the other weighing)');
  });

  it('refuses a record id outside the identifier grammar, and returns no id to confirm with', () => {
    const result = readMaterialRecord(aPassage('in', t('01:00'), { recordId: 'Gate 1/7' }));
    expect(result).toEqual({
      ok: false,
      kind: 'schema',
      reason: 'recordId: "Gate 1/7" must match ^[a-z0-9][a-z0-9_-]{0,63}$',
    });
  });

  it('refuses an unknown field as such, with the record id for the confirmation', () => {
    const payload = aManifest('DSP-1', 30_000, t('01:00'), { price: 1 });
    expect(readMaterialRecord(payload)).toEqual({
      ok: false,
      kind: 'unknown_field',
      reason: 'price: unknown field "price"',
      recordId: payload.recordId,
    });
  });

  it('refuses a time without a zone offset', () => {
    expect(reasonFor({ ...aPassage('in', t('01:00')), at: '2026-11-29T01:00:00' })).toMatch(/^at: /);
  });

  it('refuses an accuracy class OIML R 76 does not define', () => {
    const payload = aTicket();
    payload.instrument.class = 'IV';
    expect(reasonFor(payload)).toBe('instrument.class: must be one of I, II, III, IIII (got "IV")');
  });

  it('refuses a negative volume', () => {
    expect(reasonFor(aSurvey(t('01:00'), -5))).toBe('volumeM3: must be at least 0 (got -5)');
  });
});
