import type { MaterialFinding } from './material-finding';
import type {
  DispatchManifest,
  GatePassage,
  MaterialRecord,
  SiteMaterialRecord,
  StockpileSurvey,
  WeighingInstrument,
  WeighingTicket,
} from './material-record.schema';
import { ticketMasses } from './material-record.schema';
import type { ReconciliationSettings } from './reconciliation-settings';

/** A stored record of one type, with the gateway it came from. */
export type Stored<R extends MaterialRecord> = R & { gatewayId: string };

/** A ticket with its gross, tare and completion time worked out once. */
export type TicketView = Stored<WeighingTicket> & ReturnType<typeof ticketMasses>;

/** One site's material records in a window, sorted by time and split by type, for the rules to read. */
export interface MaterialView {
  siteId: string;
  now: Date;
  settings: ReconciliationSettings;
  /**
   * What the tolerances of a finding at this time are multiplied by: the reconciliation factor
   * of the site's threat posture then (≤ 1, tighter under a raised posture; 1 by default).
   */
  toleranceFactor(at: Date): number;
  tickets: TicketView[];
  passages: Stored<GatePassage>[];
  manifests: Stored<DispatchManifest>[];
  instruments: Stored<WeighingInstrument>[];
  surveys: Stored<StockpileSurvey>[];
  /** Tickets and passages by vehicle (`plate:…` and `tag:…`), in time order. */
  byVehicle: Map<string, { tickets: TicketView[]; passages: Stored<GatePassage>[] }>;
}

/** A reconciliation rule: a pure function of one site's records in a window. */
export type ReconciliationRule = (view: MaterialView) => MaterialFinding[];

export function materialView(
  siteId: string,
  records: readonly SiteMaterialRecord[],
  now: Date,
  settings: ReconciliationSettings,
  toleranceFactor: (at: Date) => number = () => 1,
): MaterialView {
  const view: MaterialView = {
    siteId,
    now,
    settings,
    toleranceFactor,
    tickets: [],
    passages: [],
    manifests: [],
    instruments: [],
    surveys: [],
    byVehicle: new Map(),
  };
  const sorted = records
    .filter((r) => r.siteId === siteId)
    .sort((a, b) => a.record.at.getTime() - b.record.at.getTime());
  for (const { gatewayId, record } of sorted) {
    switch (record.type) {
      case 'weighing.ticket':
        view.tickets.push({ ...record, gatewayId, ...ticketMasses(record) });
        break;
      case 'gate.passage':
        view.passages.push({ ...record, gatewayId });
        break;
      case 'dispatch.manifest':
        view.manifests.push({ ...record, gatewayId });
        break;
      case 'weighing.instrument':
        view.instruments.push({ ...record, gatewayId });
        break;
      case 'stockpile.survey':
        view.surveys.push({ ...record, gatewayId });
        break;
    }
  }
  view.tickets.sort((a, b) => a.completedAt.getTime() - b.completedAt.getTime());
  const entry = (key: string) => {
    let found = view.byVehicle.get(key);
    if (!found) view.byVehicle.set(key, (found = { tickets: [], passages: [] }));
    return found;
  };
  for (const ticket of view.tickets) for (const key of vehicleKeys(ticket)) entry(key).tickets.push(ticket);
  for (const passage of view.passages) for (const key of vehicleKeys(passage)) entry(key).passages.push(passage);
  return view;
}

function vehicleKeys(v: { plate?: string; rfidTag?: string }): string[] {
  const keys: string[] = [];
  if (v.plate !== undefined) keys.push(`plate:${v.plate}`);
  if (v.rfidTag !== undefined) keys.push(`tag:${v.rfidTag}`);
  return keys;
}

/** The tickets and passages naming the same vehicle (sharing a plate or a tag), each once, in time order. */
export function sameVehicleRecords(
  view: MaterialView,
  v: { plate?: string; rfidTag?: string },
): { tickets: TicketView[]; passages: Stored<GatePassage>[] } {
  const groups = vehicleKeys(v).map((key) => view.byVehicle.get(key) ?? { tickets: [], passages: [] });
  if (groups.length === 1) return groups[0]!;
  const tickets = [...new Set(groups.flatMap((g) => g.tickets))].sort(
    (a, b) => a.completedAt.getTime() - b.completedAt.getTime(),
  );
  const passages = [...new Set(groups.flatMap((g) => g.passages))].sort((a, b) => a.at.getTime() - b.at.getTime());
  return { tickets, passages };
}

/** How a finding names a vehicle. */
export function vehicleName(v: { plate?: string; rfidTag?: string }): string {
  return v.plate !== undefined ? `truck ${v.plate}` : `tag ${v.rfidTag}`;
}

/** Whether what a record waits for (until `deadline`) could have arrived by now. */
export function settled(view: MaterialView, deadline: Date | number): boolean {
  const at = typeof deadline === 'number' ? deadline : deadline.getTime();
  return at + view.settings.settleMs <= view.now.getTime();
}

/** The latest copy of each manifest (a receipt arrives as a later copy). */
export function latestManifests(view: MaterialView): Map<string, Stored<DispatchManifest>> {
  const latest = new Map<string, Stored<DispatchManifest>>();
  for (const m of view.manifests) latest.set(m.manifestId, m);
  return latest;
}

/** How a tolerance's basis names the posture's factor, when one applies (empty otherwise). */
export function factorBasis(factor: number): string {
  return factor === 1 ? '' : `, × posture factor ${factor}`;
}

/** A stable key part naming one record: the gateway and its recordId. */
export function recordKey(r: { gatewayId: string; recordId: string }): string {
  return `${r.gatewayId}/${r.recordId}`;
}

export function zoneOf(view: MaterialView, ...records: { zone?: string }[]): string {
  return records.find((r) => r.zone !== undefined)?.zone ?? view.settings.defaultZone;
}
