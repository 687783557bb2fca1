import { netLegalError, rootSumSquare } from '../legal-error';
import { kg } from '../material-finding';
import type { MaterialView, ReconciliationRule, Stored } from '../material-view';
import { factorBasis, recordKey, settled, zoneOf } from '../material-view';
import type { StockpileSurvey } from '../material-record.schema';

/**
 * The period balance of a stockpile between two surveys: opening stock + production (inbound
 * tickets of its material) − despatch (outbound tickets) − surveyed closing stock, flagged when
 * the gap exceeds the coverage times the combined uncertainty √Σu² of the two surveys (volume and
 * density) and of every ticket (its net's legal error). Wet against wet: tickets and surveys
 * weigh the material as it lies.
 */
export const periodBalance: ReconciliationRule = (view) => {
  const findings = [];
  const byStockpile = new Map<string, Stored<StockpileSurvey>[]>();
  for (const s of view.surveys) byStockpile.set(s.stockpileId, [...(byStockpile.get(s.stockpileId) ?? []), s]);
  for (const surveys of byStockpile.values()) {
    for (let i = 1; i < surveys.length; i++) {
      const opening = surveys[i - 1]!;
      const closing = surveys[i]!;
      if (!settled(view, closing.at)) continue;
      const inPeriod = view.tickets.filter(
        (t) => t.materialCode === closing.materialCode && t.completedAt > opening.at && t.completedAt <= closing.at,
      );
      const productionKg = sum(inPeriod.filter((t) => t.direction === 'in').map((t) => t.netKg));
      const despatchKg = sum(inPeriod.filter((t) => t.direction === 'out').map((t) => t.netKg));
      const openingKg = surveyMass(opening);
      const closingKg = surveyMass(closing);
      const gapKg = openingKg + productionKg - despatchKg - closingKg;
      const combinedKg = rootSumSquare([
        surveyUncertainty(view, opening),
        surveyUncertainty(view, closing),
        ...inPeriod.map((t) => netLegalError(t.instrument, t.grossKg, t.tareKg).worstKg),
      ]);
      const factor = view.toleranceFactor(closing.at);
      const toleranceKg = view.settings.balanceCoverage * combinedKg * factor;
      if (Math.abs(gapKg) <= toleranceKg) continue;
      findings.push({
        key: `period-balance:${recordKey(opening)}:${recordKey(closing)}`,
        rule: 'period-balance' as const,
        siteId: view.siteId,
        gatewayId: closing.gatewayId,
        at: closing.at,
        zone: zoneOf(view, closing),
        summary:
          `Stockpile ${closing.stockpileId} (${closing.materialCode}) ${opening.at.toISOString()} to ${closing.at.toISOString()}: ` +
          `opening ${kg(openingKg)} + production ${kg(productionKg)} - despatch ${kg(despatchKg)} - closing ${kg(closingKg)} = ${kg(gapKg)} unaccounted, ` +
          `combined uncertainty ±${kg(toleranceKg)}`,
        numbers: {
          openingKg,
          productionKg,
          despatchKg,
          closingKg,
          gapKg,
          combinedUncertaintyKg: combinedKg,
          tickets: inPeriod.length,
        },
        tolerance: {
          kg: toleranceKg,
          basis: `${view.settings.balanceCoverage} × √Σu² of the two surveys and ${inPeriod.length} tickets' legal error${factorBasis(factor)}`,
        },
        quantityKg: Math.abs(gapKg),
        materialCode: closing.materialCode,
        recordIds: [opening.recordId, closing.recordId],
      });
    }
  }
  return findings;
};

function surveyMass(s: StockpileSurvey): number {
  return Math.round(s.volumeM3 * s.densityKgPerM3);
}

/** A survey's uncertainty in kg: its volume's and its density's relative uncertainties, combined. */
function surveyUncertainty(view: MaterialView, s: StockpileSurvey): number {
  const volume = s.volumeUncertainty ?? view.settings.surveyVolumeUncertainty[s.method];
  return surveyMass(s) * rootSumSquare([volume, view.settings.surveyDensityUncertainty]);
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
