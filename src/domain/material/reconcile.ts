import type { MaterialFinding } from './material-finding';
import type { SiteMaterialRecord } from './material-record.schema';
import type { ReconciliationRule } from './material-view';
import { materialView } from './material-view';
import type { ReconciliationSettings } from './reconciliation-settings';
import { exitWithoutTicket } from './rules/exit-without-ticket.rule';
import { ghostTicket } from './rules/ghost-ticket.rule';
import {
  counterWithoutWorkOrder,
  manualEntry,
  positioningFault,
  weighingInMotion,
} from './rules/instrument-tamper.rule';
import { netVsManifest } from './rules/net-vs-manifest.rule';
import { overweightExit } from './rules/overweight-exit.rule';
import { periodBalance } from './rules/period-balance.rule';
import { storedTareExpired, tareDrift } from './rules/tare-drift.rule';
import { ticketReused } from './rules/ticket-reused.rule';
import { transitLoss } from './rules/transit-loss.rule';

export const RECONCILIATION_RULES: readonly ReconciliationRule[] = [
  exitWithoutTicket,
  ghostTicket,
  netVsManifest,
  tareDrift,
  storedTareExpired,
  ticketReused,
  counterWithoutWorkOrder,
  manualEntry,
  weighingInMotion,
  positioningFault,
  overweightExit,
  transitLoss,
  periodBalance,
];

/**
 * Every discrepancy in one site's material records of a window, each once (by key), oldest
 * first. Pure: the same records, `now`, settings and factors give the same findings.
 * `toleranceFactor` is the site's posture reconciliation factor at a finding's time (none: 1),
 * so a raise tightens what happens under it, never what came before.
 */
export function reconcile(
  siteId: string,
  records: readonly SiteMaterialRecord[],
  ctx: { now: Date; settings: ReconciliationSettings; toleranceFactor?: (at: Date) => number },
  rules: readonly ReconciliationRule[] = RECONCILIATION_RULES,
): MaterialFinding[] {
  const view = materialView(siteId, records, ctx.now, ctx.settings, ctx.toleranceFactor);
  const byKey = new Map<string, MaterialFinding>();
  for (const rule of rules)
    for (const finding of rule(view)) if (!byKey.has(finding.key)) byKey.set(finding.key, finding);
  return [...byKey.values()].sort((a, b) => a.at.getTime() - b.at.getTime() || a.key.localeCompare(b.key));
}
