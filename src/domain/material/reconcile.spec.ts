import { aManifest, anInstrumentEvent, aPassage, aSurvey, aTicket, SITE, stored, t } from './fixtures/material-records';
import { rootSumSquare } from './legal-error';
import type { MaterialFinding } from './material-finding';
import { reconcile } from './reconcile';
import type { ReconciliationSettings } from './reconciliation-settings';
import { DEFAULT_RECONCILIATION_SETTINGS } from './reconciliation-settings';

const NOW = t('23:00');

function findings(
  payloads: Record<string, any>[],
  now = NOW,
  settings: Partial<ReconciliationSettings> = {},
): MaterialFinding[] {
  return reconcile(SITE, stored(payloads), { now, settings: { ...DEFAULT_RECONCILIATION_SETTINGS, ...settings } });
}

const rules = (list: MaterialFinding[]) => list.map((f) => f.rule);

/** One ordinary outbound trip: gate in, tare, load, gross, gate out, against its manifest. */
function trip(
  plate: string,
  done: Date,
  shape: Parameters<typeof aTicket>[0] = {},
  extra: Record<string, unknown> = {},
) {
  const manifestId = shape.manifestId ?? `DSP-${plate}-${done.getTime()}`;
  const ticket = aTicket({ plate, at: done, manifestId, ...shape }, extra);
  return [
    aManifest(manifestId, ticket.netKg, new Date(done.getTime() - 60 * 60_000), { plate }),
    aPassage('in', new Date(done.getTime() - 50 * 60_000), { plate }),
    ticket,
    aPassage('out', new Date(done.getTime() + 5 * 60_000), { plate }),
  ];
}

describe('reconcile: an ordinary night', () => {
  it('raises nothing for trips weighed, manifested and through the gates', () => {
    expect(
      findings([...trip('ABC123', t('01:00')), ...trip('KLM456', t('02:00')), ...trip('ABC123', t('04:00'))]),
    ).toEqual([]);
  });
});

describe('exit without a ticket', () => {
  it('flags a loaded truck leaving with no outbound ticket, naming the truck and the window', () => {
    const [finding] = findings([...trip('ABC123', t('01:00')), aPassage('out', t('02:40'), { plate: 'XYZ999' })]);
    expect(finding).toMatchObject({
      rule: 'exit-without-ticket',
      plate: 'XYZ999',
      zone: 'main-gate',
      at: t('02:40'),
      tolerance: { kg: null },
    });
    expect(finding!.summary).toBe(
      'Loaded truck XYZ999 left through gate gate-1 at 2026-11-29T02:40:00.000Z with no outbound ticket in the 120 minutes before',
    );
  });

  it('near miss: a ticket completed 1 h 55 min before the exit covers it; 2 h 05 min before does not', () => {
    const ticket = (at: Date) => aTicket({ plate: 'XYZ999', at });
    expect(
      findings([
        aPassage('in', t('00:30'), { plate: 'XYZ999' }),
        ticket(t('01:05')),
        aPassage('out', t('03:00'), { plate: 'XYZ999' }),
      ]),
    ).toEqual([]);
    expect(
      rules(
        findings([
          aPassage('in', t('00:30'), { plate: 'XYZ999' }),
          ticket(t('00:55')),
          aPassage('out', t('03:00'), { plate: 'XYZ999' }),
        ]),
      ),
    ).toEqual(['exit-without-ticket']);
  });

  it('near miss: an empty truck leaving needs no ticket', () => {
    expect(findings([aPassage('out', t('02:40'), { plate: 'XYZ999', loaded: false })])).toEqual([]);
  });

  it('matches a truck by its tag when the plate reader missed it', () => {
    const tagged = { plate: undefined, rfidTag: 'E200-4411' };
    const records = [
      aPassage('in', t('00:10'), tagged),
      aTicket({ at: t('01:00') }, tagged),
      aPassage('out', t('01:05'), tagged),
    ].map((r) => JSON.parse(JSON.stringify(r)));
    expect(findings(records)).toEqual([]);
  });

  it('waits for a late ticket: not judged until the settle time has passed', () => {
    expect(findings([aPassage('out', t('22:50'), { plate: 'XYZ999' })], NOW)).toEqual([]);
  });
});

describe('ghost ticket (Eskom 2023: a ticket for a truck that had never entered)', () => {
  it('flags a ticket with no gate passage of its truck before or after it', () => {
    const ghost = aTicket({ plate: 'GHOST01', at: t('03:00') });
    const [finding] = findings([...trip('ABC123', t('01:00')), ghost], t('18:00', 1));
    expect(finding).toMatchObject({
      rule: 'ghost-ticket',
      plate: 'GHOST01',
      quantityKg: 30_360,
      recordIds: [ghost.recordId],
    });
  });

  it('near miss: a gate-out after the ticket is enough (the gate-in reader missed it)', () => {
    expect(
      findings(
        [aTicket({ plate: 'KLM456', at: t('03:00') }), aPassage('out', t('03:10'), { plate: 'KLM456' })],
        t('18:00', 1),
      ),
    ).toEqual([]);
  });

  it('does not judge a site whose gates reported nothing, nor a scale inside the fence', () => {
    expect(findings([aTicket({ plate: 'GHOST01', at: t('03:00') })], t('18:00', 1))).toEqual([]);
    const internal = aTicket({ plate: 'HAUL07', at: t('03:00') }, { scaleId: 'wb-plant' });
    expect(
      findings([...trip('ABC123', t('01:00')), internal], t('18:00', 1), { internalScales: ['wb-plant'] }),
    ).toEqual([]);
  });
});

describe('net against the manifest, beyond the scale legal error', () => {
  // Class III, e 20 kg, tare 15 020 kg (±40 in service), gross 45 380 kg (±60): ±100 kg.
  it('flags a net 101 kg off its manifest, with the numbers and how the tolerance was derived', () => {
    const ticket = aTicket({ manifestId: 'DSP-1001', at: t('02:00') });
    const [finding] = findings([
      aManifest('DSP-1001', 30_461, t('01:00')),
      aPassage('in', t('01:00')),
      ticket,
      aPassage('out', t('02:05')),
    ]);
    expect(finding).toMatchObject({
      rule: 'net-vs-manifest',
      numbers: { netKg: 30_360, expectedNetKg: 30_461, differenceKg: -101, legalErrorKg: 100 },
      tolerance: { kg: 100 },
      quantityKg: 101,
    });
    expect(finding!.summary).toBe(
      'Ticket ' +
        ticket.ticketId +
        ' (truck ABC123) net 30 360 kg vs manifest DSP-1001 30 461 kg: off by -101 kg, tolerance ±100 kg',
    );
  });

  it('near miss: 100 kg off is within the legal error', () => {
    expect(
      findings([
        aManifest('DSP-1001', 30_460, t('01:00')),
        aPassage('in', t('01:00')),
        aTicket({ manifestId: 'DSP-1001' }),
        aPassage('out', t('02:05')),
      ]),
    ).toEqual([]);
  });

  it('gives the contract franchise when it is wider than the legal error', () => {
    const records = [
      aManifest('DSP-1001', 30_800, t('01:00'), { franchiseKg: 500 }),
      aPassage('in', t('01:00')),
      aTicket({ manifestId: 'DSP-1001' }),
      aPassage('out', t('02:05')),
    ];
    expect(findings(records)).toEqual([]);
  });
});

describe('tare drift (tare manipulation: "one of the most common loss points")', () => {
  const history = () =>
    [15_000, 15_040, 15_020, 14_980, 15_020, 15_060].flatMap((tareKg, day) =>
      trip('ABC123', t('01:00', day - 10), { tareKg, grossKg: tareKg + 30_000 }),
    );

  it('flags a stored tare edited 420 kg down from the truck its own history', () => {
    const edited = aTicket(
      { at: t('03:00'), manifestId: 'DSP-9' },
      { tareSource: 'stored', storedTareKg: 14_600, storedTareAgeDays: 2, netKg: 45_380 - 14_600 },
    );
    edited.first = edited.second;
    delete edited.second;
    const found = findings([
      ...history(),
      aManifest('DSP-9', 30_780, t('01:00')),
      aPassage('in', t('02:00')),
      edited,
      aPassage('out', t('03:05')),
    ]);
    expect(found).toEqual([
      expect.objectContaining({
        rule: 'tare-drift',
        numbers: expect.objectContaining({ tareKg: 14_600, medianTareKg: 15_020, driftKg: -420 }),
        tolerance: expect.objectContaining({ kg: 180 }),
      }),
    ]);
  });

  it('near miss: 160 kg above the median is within twice the legal error plus the allowance (180 kg); 200 kg is not', () => {
    expect(findings([...history(), ...trip('ABC123', t('03:00'), { tareKg: 15_180, grossKg: 45_180 })])).toEqual([]);
    expect(rules(findings([...history(), ...trip('ABC123', t('03:00'), { tareKg: 15_220, grossKg: 45_220 })]))).toEqual(
      ['tare-drift'],
    );
  });

  it('cannot see a driver off the deck at one weighing (80 kg): below the band a legal fleet needs', () => {
    expect(findings([...history(), ...trip('ABC123', t('03:00'), { tareKg: 14_940, grossKg: 45_000 })])).toEqual([]);
  });

  it('does not judge a truck with fewer than five weighed tares', () => {
    const short = history().slice(0, 16);
    expect(findings([...short, ...trip('ABC123', t('03:00'), { tareKg: 14_000, grossKg: 44_000 })])).toEqual([]);
  });

  it('flags a stored tare past its expiry, not one on its last day', () => {
    const storedTicket = (days: number) => {
      const ticket = aTicket(
        { at: t('03:00') },
        { tareSource: 'stored', storedTareKg: 15_020, storedTareAgeDays: days },
      );
      ticket.first = ticket.second;
      delete ticket.second;
      return [aPassage('in', t('02:00')), ticket, aPassage('out', t('03:05'))];
    };
    expect(findings(storedTicket(30))).toEqual([]);
    expect(rules(findings(storedTicket(31)))).toEqual(['stored-tare-expired']);
  });
});

describe('a ticket reused (double weighing)', () => {
  it('flags one ticket number on two transactions', () => {
    const records = [
      ...trip('ABC123', t('01:00'), { ticketId: 'WB1-004211' }),
      ...trip('KLM456', t('03:00'), { ticketId: 'WB1-004211' }),
    ];
    expect(findings(records)).toEqual([expect.objectContaining({ rule: 'ticket-reused', plate: 'KLM456' })]);
  });

  it('near miss: the same transaction published twice is a resend, not a reuse', () => {
    const records = trip('ABC123', t('01:00'), { ticketId: 'WB1-004211' });
    expect(findings([...records, { ...records[2], recordId: 'rec-resent' }])).toEqual([]);
  });

  it('flags one manifest despatched on two tickets', () => {
    const records = [
      ...trip('ABC123', t('01:00'), { manifestId: 'DSP-7' }),
      ...trip('ABC123', t('03:00'), { manifestId: 'DSP-7' }),
    ];
    expect(rules(findings(records))).toEqual(['ticket-reused']);
  });
});

describe('instrument tamper', () => {
  it('flags a CAL counter change with no work order, once, however it is seen', () => {
    const records = [
      ...trip('ABC123', t('01:00')),
      anInstrumentEvent(t('01:30'), 42, 12),
      ...trip(
        'ABC123',
        t('03:00'),
        {},
        { instrument: { class: 'III', maxKg: 60_000, eKg: 20, calCounter: 42, cfgCounter: 12 } },
      ),
    ];
    expect(findings(records)).toEqual([
      expect.objectContaining({
        rule: 'counter-without-work-order',
        key: 'counter-without-work-order:wb1:42:12',
        summary: 'Scale wb1: counter change reported, CAL 42, CFG 12, with no work order',
      }),
    ]);
  });

  it('near miss: the same change under a work order', () => {
    const records = [
      ...trip('ABC123', t('01:00')),
      anInstrumentEvent(t('01:30'), 42, 12, { workOrderId: 'WO-881', event: 'span_adjustment' }),
      ...trip(
        'ABC123',
        t('03:00'),
        {},
        { instrument: { class: 'III', maxKg: 60_000, eKg: 20, calCounter: 42, cfgCounter: 12 } },
      ),
    ];
    expect(findings(records)).toEqual([]);
  });

  it('flags counters that moved silently between tickets, and counters that went back', () => {
    const at = (cal: number, cfg: number, time: string) =>
      trip(
        'ABC123',
        t(time),
        {},
        { instrument: { class: 'III', maxKg: 60_000, eKg: 20, calCounter: cal, cfgCounter: cfg } },
      );
    expect(findings([...at(41, 12, '01:00'), ...at(41, 13, '03:00')])).toEqual([
      expect.objectContaining({ numbers: expect.objectContaining({ previousCfgCounter: 12, cfgCounter: 13 }) }),
    ]);
    expect(findings([...at(41, 12, '01:00'), ...at(40, 12, '03:00')])[0]!.summary).toBe(
      'Scale wb1: counters went back between tickets, CAL 41 → 40, CFG 12 → 12, with no work order',
    );
  });

  it('flags a weight typed at the indicator, a weighing in motion and two trucks on the deck, each beside a clean ticket', () => {
    const motion = aTicket({ plate: 'MOV001', at: t('05:00') });
    motion.second.stable = false;
    const records = [
      ...trip('MAN001', t('01:00'), {}, { manualEntry: true }),
      ...trip('CLN001', t('02:00')),
      ...trip('MOV001', t('05:00')).map((r) =>
        r.type === 'weighing.ticket' ? { ...motion, manifestId: r.manifestId } : r,
      ),
      ...trip('TWO001', t('07:00'), {}, { vehiclesOnDeck: 2 }),
    ];
    expect(findings(records).map((f) => [f.rule, f.plate])).toEqual([
      ['manual-entry', 'MAN001'],
      ['weighing-in-motion', 'MOV001'],
      ['positioning-fault', 'TWO001'],
    ]);
  });
});

describe('overweight exit', () => {
  it('flags a gross 80 kg over the permitted mass (legal error 60 kg); 60 kg over is a near miss', () => {
    expect(rules(findings(trip('ABC123', t('01:00'), {}, { permittedGrossKg: 45_300 })))).toEqual(['overweight-exit']);
    expect(findings(trip('ABC123', t('01:00'), {}, { permittedGrossKg: 45_320 }))).toEqual([]);
  });
});

describe('transit loss against the destination weight', () => {
  const despatch = (receivedNetKg: number) => {
    const records = trip('ABC123', t('01:00'), { manifestId: 'DSP-1001' });
    return [
      ...records,
      aManifest('DSP-1001', 30_360, t('01:00'), { receipt: { netKg: receivedNetKg, at: '2026-11-30T14:00:00Z' } }),
    ];
  };

  it('near miss: 200 kg short is within the two scales legal error (100 + 100 kg)', () => {
    expect(findings(despatch(30_160), t('18:00', 1))).toEqual([]);
  });

  it('flags a load diverted in transit (Copperbelt 2018: concentrate lost between mine and buyer)', () => {
    const [finding] = findings(despatch(27_360), t('18:00', 1));
    expect(finding).toMatchObject({
      rule: 'transit-loss',
      numbers: { despatchedNetKg: 30_360, receivedNetKg: 27_360, lossKg: 3_000 },
      tolerance: { kg: 200 },
    });
  });

  it('cannot see concentrate swapped for sand of equal weight: only grade or seals reveal it', () => {
    expect(findings(despatch(30_360), t('18:00', 1))).toEqual([]);
  });
});

describe('period balance', () => {
  // Opening 1 000 m³ × 2 000 kg/m³ = 2 000 t, ten trucks despatched 303.6 t: 1 696.4 t should remain.
  const period = (closingVolumeM3: number) => [
    aSurvey(t('00:00'), 1_000),
    ...Array.from({ length: 10 }, (_, i) => trip(`T${i}`, t(`${String(i + 1).padStart(2, '0')}:00`))).flat(),
    aSurvey(t('12:00'), closingVolumeM3),
  ];
  const u = (massKg: number) => massKg * rootSumSquare([0.03, 0.03]);
  /** The tolerance for a closing survey of this mass: the opening's, the closing's and ten tickets' ±100 kg. */
  const combinedKg = (closingKg: number) => rootSumSquare([u(2_000_000), u(closingKg), ...Array(10).fill(100)]);

  it('flags 115 t missing beyond the combined uncertainty √Σu² (about 108 t), with every term of the balance', () => {
    const closingKg = 1_696_400 - 115_000;
    const [finding] = findings(period(closingKg / 2_000));
    expect(finding).toMatchObject({
      rule: 'period-balance',
      materialCode: 'CU-CONC',
      numbers: { openingKg: 2_000_000, productionKg: 0, despatchKg: 303_600, closingKg, gapKg: 115_000, tickets: 10 },
    });
    expect(finding!.tolerance.kg).toBeCloseTo(combinedKg(closingKg), 6);
    expect(finding!.tolerance.kg).toBeLessThan(115_000);
  });

  it('near miss: 105 t missing is inside the combined uncertainty (about 108 t)', () => {
    const closingKg = 1_696_400 - 105_000;
    expect(combinedKg(closingKg)).toBeGreaterThan(105_000);
    expect(findings(period(closingKg / 2_000))).toEqual([]);
  });
});

describe('a long synthetic fleet weighing within legal error', () => {
  it('raises nothing over 3 000 trips of 40 trucks, 60 days, with surveys, receipts and an authorised calibration', () => {
    const records = syntheticFleet();
    expect(records.length).toBeGreaterThan(11_000);
    expect(findings(records, t('00:00', 3))).toEqual([]);
  });

  it('and the same fleet with one truck driving round the scale at night raises that, and only that', () => {
    const records = syntheticFleet();
    const skipped = records.findIndex((r, i) => i > 6_000 && r.type === 'weighing.ticket' && r.direction === 'out');
    const plate = records[skipped]!.plate;
    records.splice(skipped, 1);
    expect(findings(records, t('00:00', 3)).map((f) => [f.rule, f.plate])).toEqual([['exit-without-ticket', plate]]);
  });
});

/**
 * Trips of a seeded fleet, every reading within the scale's legal error of the true mass: three
 * quarters despatched against manifests, a quarter brought in, every fifth despatch weighed again
 * at the destination, a survey a week (within 0.6 of its stated uncertainty), one calibration
 * under a work order.
 */
function syntheticFleet(): Record<string, any>[] {
  {
    const random = mulberry32(20261129);
    const between = (lo: number, hi: number) => lo + (hi - lo) * random();
    const e = 20;
    const mpe = (load: number) => 2 * (load / e <= 500 ? 0.5 : load / e <= 2_000 ? 1 : 1.5) * e;
    /** An indicator reading: within the legal error of the true mass, shown in whole e. */
    const read = (trueKg: number) => {
      const margin = mpe(trueKg) - e / 2;
      return Math.round((trueKg + between(-margin, margin)) / e) * e;
    };
    const trucks = Array.from({ length: 40 }, (_, i) => ({
      plate: `FLT${String(i).padStart(3, '0')}`,
      tareKg: Math.round(between(14_000, 16_000)),
    }));
    const records: Record<string, any>[] = [];
    const start = t('00:00', -60);
    let cal = 41;
    let stockKg = 60_000_000;
    const survey = (at: Date) => {
      const volumeRel = 0.03;
      const u = rootSumSquare([volumeRel, 0.03]);
      const measured = stockKg * (1 + between(-0.6 * u, 0.6 * u));
      records.push(aSurvey(at, measured / 2_000, { stockpileId: 'conc-1', recordId: `survey-${records.length}` }));
    };
    survey(start);
    for (let trip = 0; trip < 3_000; trip++) {
      const truck = trucks[Math.floor(random() * trucks.length)]!;
      const done = new Date(start.getTime() + trip * 28 * 60_000 + 40 * 60_000);
      if (trip === 1_500) {
        cal += 1;
        records.push(
          anInstrumentEvent(new Date(done.getTime() - 45 * 60_000), cal, 12, {
            workOrderId: 'WO-CAL-2026',
            event: 'span_adjustment',
          }),
        );
      }
      if (trip > 0 && trip % 360 === 0) survey(new Date(done.getTime() - 42 * 60_000));
      const inbound = trip % 4 === 3; // a quarter of the trips bring concentrate in from the satellite plant
      const tareKg = truck.tareKg + Math.round(between(-50, 50)); // fuel, mud
      const loadKg = Math.round(between(28_000, 32_000));
      const tare = read(tareKg);
      const gross = read(tareKg + loadKg);
      const manifestId = `DSP-${trip}`;
      records.push(aPassage('in', new Date(done.getTime() - 50 * 60_000), { plate: truck.plate, loaded: inbound }));
      if (!inbound)
        records.push(aManifest(manifestId, loadKg, new Date(done.getTime() - 55 * 60_000), { plate: truck.plate }));
      records.push(
        aTicket(
          {
            plate: truck.plate,
            direction: inbound ? 'in' : 'out',
            tareKg: tare,
            grossKg: gross,
            at: done,
            ...(!inbound && { manifestId }),
          },
          {
            permittedGrossKg: 49_000,
            instrument: { class: 'III', maxKg: 60_000, eKg: e, calCounter: cal, cfgCounter: 12 },
          },
        ),
      );
      records.push(aPassage('out', new Date(done.getTime() + 5 * 60_000), { plate: truck.plate, loaded: !inbound }));
      if (!inbound && trip % 5 === 0) {
        records.push(
          aManifest(manifestId, loadKg, done, {
            plate: truck.plate,
            receipt: {
              netKg: read(tareKg + loadKg) - read(tareKg),
              at: new Date(done.getTime() + 86_400_000).toISOString(),
            },
          }),
        );
      }
      stockKg += inbound ? loadKg : -loadKg;
    }
    return records;
  }
}

/** A small seeded generator, so the fleet is the same on every run. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let r = Math.imul(a ^ (a >>> 15), 1 | a);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4_294_967_296;
  };
}
