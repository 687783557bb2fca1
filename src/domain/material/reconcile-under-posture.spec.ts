import { reconciliationFactorAt } from '../posture/apply-profile';
import type { SitePostureHistory } from '../posture/posture-at';
import { defaultPostureProfiles } from '../posture/posture-profile';
import { aManifest, aPassage, aTicket, SITE, stored, t } from './fixtures/material-records';
import type { MaterialFinding } from './material-finding';
import { reconcile } from './reconcile';
import { DEFAULT_RECONCILIATION_SETTINGS } from './reconciliation-settings';

const profiles = defaultPostureProfiles();

/** The site raised to high (reconciliation factor 0.5) from 01:30 until 03:00. */
const raised: SitePostureHistory = {
  entries: [{ id: 'c1', level: 'high', validFrom: t('01:30'), validTo: null, expiresAt: t('03:00') }],
  floors: [],
};

function findings(payloads: Record<string, any>[], history?: SitePostureHistory, now = t('23:00')): MaterialFinding[] {
  return reconcile(SITE, stored(payloads), {
    now,
    settings: DEFAULT_RECONCILIATION_SETTINGS,
    toleranceFactor: reconciliationFactorAt(history, profiles),
  });
}

/** A ticket done at `at`, net 30 360 kg (legal error ±100 kg), against a manifest `offKg` above it. */
function weighedAgainstManifest(at: Date, offKg: number) {
  return [
    aManifest('DSP-1001', 30_360 + offKg, new Date(at.getTime() - 60 * 60_000)),
    aPassage('in', new Date(at.getTime() - 50 * 60_000)),
    aTicket({ manifestId: 'DSP-1001', at }),
    aPassage('out', new Date(at.getTime() + 5 * 60_000)),
  ];
}

describe('reconciliation under a raised posture', () => {
  it('near miss: 80 kg off the manifest is within the legal error at normal, and a finding under high', () => {
    expect(findings(weighedAgainstManifest(t('02:00'), 80))).toEqual([]);
    const [finding, ...more] = findings(weighedAgainstManifest(t('02:00'), 80), raised);
    expect(more).toEqual([]);
    expect(finding).toMatchObject({
      rule: 'net-vs-manifest',
      numbers: { differenceKg: -80, legalErrorKg: 100 },
      tolerance: { kg: 50, basis: expect.stringContaining('× posture factor 0.5') },
    });
    expect(finding!.summary).toContain('tolerance ±50 kg');
  });

  it('judges each record by the posture at its own time: before the raise and after its expiry, as at normal', () => {
    expect(findings(weighedAgainstManifest(t('01:00'), 80), raised)).toEqual([]);
    expect(findings(weighedAgainstManifest(t('04:00'), 80), raised)).toEqual([]);
  });

  it('still gives the contract franchise: the posture tightens measurement, not the contract', () => {
    const records = weighedAgainstManifest(t('02:00'), 80);
    records[0] = aManifest('DSP-1001', 30_440, t('01:00'), { franchiseKg: 90 });
    expect(findings(records, raised)).toEqual([]);
  });

  it('near miss: a transit loss of 150 kg is within both scales legal error at normal, a finding under high', () => {
    const despatch = [
      ...weighedAgainstManifest(t('02:00'), 0),
      aManifest('DSP-1001', 30_360, t('01:05'), { receipt: { netKg: 30_210, at: '2026-11-29T02:40:00Z' } }),
    ];
    expect(findings(despatch, undefined, t('18:00', 1))).toEqual([]);
    expect(findings(despatch, raised, t('18:00', 1))).toMatchObject([
      { rule: 'transit-loss', numbers: { lossKg: 150 }, tolerance: { kg: 100 } },
    ]);
  });
});
