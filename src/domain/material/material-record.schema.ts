import { z } from 'zod';
import { IdentifierSchema } from '../events/identifiers';
import { ZonedTimeSchema } from '../events/zoned-time.schema';

/**
 * What weighbridge indicators, gate and plate readers, dispatch systems and surveyors publish on
 * `sites/{siteId}/gateways/{gatewayId}/material` (contract §1): one completed record a message.
 * Masses are integer kilograms, times ISO 8601 with an offset (stored in UTC). Strict at every
 * level, like canonical events: an unknown field is refused, naming it.
 */

/**
 * A reference another system chose (ticket, manifest, plate, RFID tag, seal, material code,
 * work order): letters of either case, digits and `_ . : / -`, 1 to 64 characters. Plates are
 * compared as written, so a gateway sends them as its plate reader normalised them.
 */
export const REFERENCE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$/;
const ReferenceSchema = z.string().regex(REFERENCE_PATTERN);

const Kg = z.int().min(0).max(10_000_000);
const Fraction = z.number().min(0).max(1);

export const DIRECTIONS = ['in', 'out'] as const;
export const DirectionSchema = z.enum(DIRECTIONS);
export type Direction = z.infer<typeof DirectionSchema>;

/** OIML R 76 accuracy classes: I special, II high, III medium (weighbridges), IIII ordinary. */
export const ACCURACY_CLASSES = ['I', 'II', 'III', 'IIII'] as const;
export const AccuracyClassSchema = z.enum(ACCURACY_CLASSES);
export type AccuracyClass = z.infer<typeof AccuracyClassSchema>;

/** The scale's legal description: class, capacity (Max) and verification scale interval (e). */
export const ScaleSpecSchema = z.strictObject({
  class: AccuracyClassSchema,
  maxKg: Kg.min(1),
  eKg: Kg.min(1),
});
export type ScaleSpec = z.infer<typeof ScaleSpecSchema>;

/** The scale, plus its non-resettable calibration and configuration event counters. */
export const InstrumentSchema = ScaleSpecSchema.extend({
  calCounter: z.int().min(0),
  cfgCounter: z.int().min(0),
});
export type Instrument = z.infer<typeof InstrumentSchema>;

/** One weighing as the indicator reported it: G gross, N net, T tare. */
export const WeighingSchema = z.strictObject({
  kg: Kg,
  at: ZonedTimeSchema,
  stable: z.boolean(),
  mode: z.enum(['G', 'N', 'T']),
});
export type Weighing = z.infer<typeof WeighingSchema>;

const common = {
  recordId: IdentifierSchema,
  at: ZonedTimeSchema,
  /** The site zone the record concerns (the weighbridge, the gate); the findings it raises name it. */
  zone: IdentifierSchema.optional(),
};

/** A vehicle is known by its plate, its tag or both. */
const vehicle = {
  plate: ReferenceSchema.optional(),
  plateConfidence: Fraction.optional(),
  rfidTag: ReferenceSchema.optional(),
};

const needsVehicle = (record: { plate?: string; rfidTag?: string }) =>
  record.plate !== undefined || record.rfidTag !== undefined;
const VEHICLE_REQUIRED = { message: 'required (a plate or an rfidTag names the vehicle)', path: ['plate'] };

/**
 * A completed weighbridge transaction. Inbound, the first weighing is the loaded (gross) one and
 * the second the tare; outbound, the first is the tare and the second the gross. With a stored
 * tare (`tareSource: "stored"`) there is one weighing and `storedTareKg` says the tare used.
 * `netKg` must be gross minus tare: the ticket states its own arithmetic.
 */
export const WeighingTicketSchema = z
  .strictObject({
    type: z.literal('weighing.ticket'),
    ...common,
    ticketId: ReferenceSchema,
    scaleId: IdentifierSchema,
    direction: DirectionSchema,
    ...vehicle,
    first: WeighingSchema,
    second: WeighingSchema.optional(),
    tareSource: z.enum(['weighed', 'stored', 'preset']),
    storedTareKg: Kg.optional(),
    storedTareAgeDays: z.number().min(0).max(100_000).optional(),
    netKg: Kg,
    manualEntry: z.boolean(),
    positioningOk: z.boolean().optional(),
    vehiclesOnDeck: z.int().min(0).max(20).optional(),
    /** The most the vehicle may lawfully carry as gross; an outbound gross above it is an overweight exit. */
    permittedGrossKg: Kg.optional(),
    manifestId: ReferenceSchema.optional(),
    materialCode: ReferenceSchema.optional(),
    sealIds: z.array(ReferenceSchema).max(32).optional(),
    operatorId: ReferenceSchema.optional(),
    photoSha256: z
      .array(z.string().regex(/^[0-9a-f]{64}$/))
      .max(16)
      .optional(),
    instrument: InstrumentSchema,
  })
  .refine(needsVehicle, VEHICLE_REQUIRED)
  .superRefine((ticket, ctx) => {
    if (ticket.tareSource === 'weighed' && ticket.second === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['second'],
        message: 'required when tareSource is "weighed" (the tare is the other weighing)',
      });
      return;
    }
    if (ticket.tareSource !== 'weighed' && ticket.storedTareKg === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['storedTareKg'],
        message: `required when tareSource is "${ticket.tareSource}"`,
      });
      return;
    }
    const { grossKg, tareKg } = ticketMasses(ticket);
    if (grossKg - tareKg !== ticket.netKg) {
      ctx.addIssue({
        code: 'custom',
        path: ['netKg'],
        message: `must be gross minus tare (${grossKg} - ${tareKg} = ${grossKg - tareKg}) (got ${ticket.netKg})`,
      });
    }
  });
export type WeighingTicket = z.infer<typeof WeighingTicketSchema>;

/** Something the indicator itself reports: a counter change, a zero or span adjustment, a fault. */
export const WeighingInstrumentSchema = z.strictObject({
  type: z.literal('weighing.instrument'),
  ...common,
  scaleId: IdentifierSchema,
  event: z.enum(['counter_change', 'zero_adjustment', 'span_adjustment', 'fault']),
  calCounter: z.int().min(0),
  cfgCounter: z.int().min(0),
  /** The work order that authorised the change; a counter change without one is a broken seal. */
  workOrderId: ReferenceSchema.optional(),
  detail: z.string().min(1).max(500).optional(),
});
export type WeighingInstrument = z.infer<typeof WeighingInstrumentSchema>;

/** A vehicle through a gate, seen by a plate or tag reader; `loaded` as the gate's camera or sensor judged it. */
export const GatePassageSchema = z
  .strictObject({
    type: z.literal('gate.passage'),
    ...common,
    gateId: IdentifierSchema,
    lane: IdentifierSchema.optional(),
    ...vehicle,
    direction: DirectionSchema,
    loaded: z.boolean(),
  })
  .refine(needsVehicle, VEHICLE_REQUIRED);
export type GatePassage = z.infer<typeof GatePassageSchema>;

/**
 * A consignment from the dispatch system: what should leave, where to. When the destination has
 * weighed it, the dispatch system publishes the manifest again (a new recordId) with `receipt`.
 */
export const DispatchManifestSchema = z.strictObject({
  type: z.literal('dispatch.manifest'),
  ...common,
  manifestId: ReferenceSchema,
  expectedNetKg: Kg,
  /** A franchise the contract allows on the expected net, if any (kg). */
  franchiseKg: Kg.optional(),
  materialCode: ReferenceSchema,
  destination: z.string().min(1).max(200),
  plate: ReferenceSchema.optional(),
  receipt: z
    .strictObject({
      netKg: Kg,
      at: ZonedTimeSchema,
      /** The destination's scale; the site's own class and interval are assumed when absent. */
      scale: ScaleSpecSchema.optional(),
    })
    .optional(),
});
export type DispatchManifest = z.infer<typeof DispatchManifestSchema>;

export const SURVEY_METHODS = ['drone_gcp', 'drone', 'laser', 'other'] as const;

/** A surveyed stockpile: volume and bulk density give its mass. */
export const StockpileSurveySchema = z.strictObject({
  type: z.literal('stockpile.survey'),
  ...common,
  stockpileId: IdentifierSchema,
  materialCode: ReferenceSchema,
  volumeM3: z.number().min(0).max(10_000_000),
  densityKgPerM3: z.number().positive().max(25_000),
  method: z.enum(SURVEY_METHODS),
  /** The survey's own relative volume uncertainty (0.03 for 3 %); else the method's default. */
  volumeUncertainty: Fraction.optional(),
});
export type StockpileSurvey = z.infer<typeof StockpileSurveySchema>;

export const MATERIAL_RECORD_TYPES = [
  'weighing.ticket',
  'weighing.instrument',
  'gate.passage',
  'dispatch.manifest',
  'stockpile.survey',
] as const;
export type MaterialRecordType = (typeof MATERIAL_RECORD_TYPES)[number];

/** One record on the material topic, by its `type`. Output times are UTC instants. */
export const MaterialRecordSchema = z.discriminatedUnion('type', [
  WeighingTicketSchema,
  WeighingInstrumentSchema,
  GatePassageSchema,
  DispatchManifestSchema,
  StockpileSurveySchema,
]);
export type MaterialRecord = z.infer<typeof MaterialRecordSchema>;
export type MaterialRecordInput = z.input<typeof MaterialRecordSchema>;

/** A stored record with the site and gateway it came from (the topic's). */
export interface SiteMaterialRecord<R extends MaterialRecord = MaterialRecord> {
  siteId: string;
  gatewayId: string;
  record: R;
}

/** A ticket's gross, tare and when the last weighing was made. */
export function ticketMasses(
  ticket: Pick<WeighingTicket, 'direction' | 'first' | 'second' | 'tareSource' | 'storedTareKg'>,
): {
  grossKg: number;
  tareKg: number;
  /** The tare was weighed at this ticket (not stored or preset). */
  tareWeighed: boolean;
  completedAt: Date;
} {
  const { first, second } = ticket;
  const completedAt = second?.at ?? first.at;
  if (ticket.tareSource === 'weighed' && second) {
    const [gross, tare] = ticket.direction === 'in' ? [first, second] : [second, first];
    return { grossKg: gross.kg, tareKg: tare.kg, tareWeighed: true, completedAt };
  }
  return { grossKg: first.kg, tareKg: ticket.storedTareKg ?? 0, tareWeighed: false, completedAt };
}
