import { z } from 'zod';
import { DEFAULT_ESCALATION_LIMITS, EscalationLimitsSchema } from 'src/domain/incidents/escalation-limits';
import { DEFAULT_RECONCILIATION_SETTINGS as MATERIAL } from 'src/domain/material/reconciliation-settings';

/**
 * Every environment variable OreGuard reads, with its default and meaning.
 * This is the only file that names them; README.md's configuration table mirrors it.
 */
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
const positiveInt = z.coerce.number().int().positive();
/** A number of days, or `off`: kept forever (null). */
const retentionDays = z.union([z.literal('off').transform(() => null), positiveInt]);

export const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  /** HTTP, REST and WebSocket port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Which parts this process runs: api (REST + live sockets), ingest (MQTT), worker (correlation). */
  OREGUARD_ROLES: z
    .string()
    .default('api,ingest,worker')
    .transform((v) =>
      v
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['api', 'ingest', 'worker'])).min(1)),
  /**
   * PostgreSQL, as the role OreGuard runs as; the database is created if missing and migrated
   * on start (as DATABASE_MIGRATION_URL's role when that is set).
   */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).default('postgres://postgres@localhost:5432/oreguard'),
  /**
   * PostgreSQL as the role that owns the schema and runs the migrations (and may create roles).
   * When set, the migrate step (on start, or `npm run db:migrate`) runs as it and sets up
   * DATABASE_URL's role to own nothing: created if missing, a member of oreguard_runtime. Unset:
   * DATABASE_URL's role migrates and runs (a development machine's superuser).
   */
  DATABASE_MIGRATION_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** Connections in this process's PostgreSQL pool. */
  DATABASE_POOL_SIZE: positiveInt.default(20),
  /** Redis for BullMQ. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).default('redis://localhost:6379'),
  /** Prefix of every Redis key OreGuard writes. */
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_.-]+$/, 'letters, digits, _ . - only')
    .default('oreguard'),
  /** The MQTT broker. */
  MQTT_URL: z.url({ protocol: /^(mqtts?|wss?|tcp)$/ }).default('mqtt://localhost:1883'),
  MQTT_USERNAME: z.string().optional(),
  MQTT_PASSWORD: z.string().optional(),
  /** Topic prefix of every OreGuard topic. */
  MQTT_TOPIC_PREFIX: z
    .string()
    .regex(/^[^#+]+[^/#+]$/, 'a topic without wildcards or a trailing /')
    .default('oreguard/v1'),
  /** Persistent-session client id; unique per instance. Default oreguard-<hostname>. */
  MQTT_CLIENT_ID: z.string().min(1).max(128).optional(),
  /** When set, subscribe as $share/<group>/… so instances split the stream. */
  MQTT_SHARED_GROUP: z
    .string()
    .regex(/^[^/#+]+$/)
    .optional(),
  /**
   * With MQTT_SHARED_GROUP: how many ingest slots (persistent sessions oreguard-<group>-slot-<n>)
   * the group's instances split between them; a dead instance's slots are taken over by the
   * others. Run at most this many instances that ingest. 0: no slots, each instance subscribes
   * with a session of its own (MQTT_CLIENT_ID), whose share waits while it is down.
   */
  MQTT_INGEST_SLOTS: z.coerce.number().int().min(0).max(256).default(8),
  /** How often an instance checks the slots' leases (takes free ones, hands back surplus), in ms. */
  MQTT_SLOT_CHECK_MS: positiveInt.default(1000),
  /** Messages the broker may send before OreGuard acknowledges them (MQTT 5 receive maximum). */
  MQTT_RECEIVE_MAXIMUM: z.coerce.number().int().min(1).max(65535).default(2000),
  /** Most events committed in one ingest transaction. */
  INGEST_BATCH_SIZE: positiveInt.default(500),
  /**
   * How long the first message of a batch may wait for others, in ms. Short: under load the
   * messages that arrive while a batch commits make the next batch anyway; this only gathers
   * a burst that arrives while nothing is being written.
   */
  INGEST_LINGER_MS: z.coerce.number().int().min(0).default(2),
  /**
   * Longest an ingest batch waits for Redis to take its fold job, in ms; while Redis is away it
   * does not wait at all. Events not queued stay stored and unfolded, and the re-queue sweep folds them.
   */
  INGEST_ENQUEUE_TIMEOUT_MS: positiveInt.default(500),
  /**
   * Refuse what unregistered sources send: events, Suricata and Remote ID messages and statuses
   * from a site no admin registered, or from a gateway never issued a secret, are kept as
   * rejected events naming it, instead of registering the site or gateway on the fly.
   * Default true when NODE_ENV is production, false otherwise.
   */
  INGEST_REQUIRE_REGISTERED: bool.optional(),
  /** How far in the future an event's time (or a gateway status's `at`) may be, in ms. */
  EVENT_MAX_FUTURE_MS: positiveInt.default(5 * 60_000),
  /** Events that arrive later than this after they occurred are flagged late, in ms. */
  EVENT_ALLOWED_LATENESS_MS: positiveInt.default(60 * 60_000),
  /**
   * An event whose occurredAt is more than this many days before it arrives is rejected: the
   * bound that lets a query by event time touch only the partitions (by arrival) it needs.
   */
  EVENT_MAX_LATENESS_DAYS: positiveInt.max(3650).default(30),
  /** An event joins an open incident of its site and kind whose events are within this gap, in ms. */
  INCIDENT_GAP_MS: positiveInt.default(10 * 60_000),
  /** Directory of correlation rule files (*.yml, *.yaml), relative to the working directory or absolute. */
  RULES_DIR: z.string().min(1).default('rules'),
  /** How often live correlation polls for newly folded events, in ms; it also wakes at once when a fold commits. */
  CORRELATOR_INTERVAL_MS: positiveInt.default(250),
  /** Least time between two steps of live correlation, in ms: under load, the folds committed meanwhile are taken in one step. */
  CORRELATOR_WAKE_WINDOW_MS: z.coerce.number().int().min(0).default(20),
  /** Storm limit of live correlation: most signals one rule group holds (its oldest are shed past it). */
  CORRELATION_MAX_GROUP_SIGNALS: positiveInt.default(2_000),
  /** Memory budget of live correlation: most signals all rule groups hold; past it the lateness tolerated shrinks to the rule windows. */
  CORRELATION_MAX_SIGNALS: positiveInt.default(50_000),
  /** How often an instance not correlating tries to take over live correlation, in ms. */
  CORRELATOR_LEASE_RETRY_MS: positiveInt.default(2_000),
  /** Drone detections without a shared uasId or trackId are the same drone within this distance of its track's last position, in m. */
  DRONE_GATE_M: z.coerce.number().positive().default(150),
  /** … and within this time of it, in ms. */
  DRONE_GATE_MS: positiveInt.default(10_000),
  /** A Remote ID transmitter not heard for this long is forgotten (its identity no longer attaches), in ms. */
  REMOTE_ID_MEMORY_TTL_MS: positiveInt.default(30 * 60_000),
  /** Most Remote ID transmitters remembered; beyond it the least recently heard are forgotten. */
  REMOTE_ID_MAX_TRANSMITTERS: positiveInt.default(10_000),
  /** A Remote ID fix implying a faster move than this from the previous fix marks the track possibly spoofed, in m/s. */
  REMOTE_ID_MAX_SPEED_MPS: z.coerce.number().positive().default(150),
  /** Fold jobs one worker holds at once; they wait for their lane's round (FOLD_LANES). */
  WORKER_CONCURRENCY: positiveInt.default(16),
  /** Folds one instance runs at once, each for its own share of the sites. */
  FOLD_LANES: positiveInt.default(4),
  /** Attempts before a fold job is dead-lettered. */
  JOB_ATTEMPTS: positiveInt.default(6),
  /** How often events not yet folded are re-queued, in ms. */
  REQUEUE_INTERVAL_MS: positiveInt.default(30_000),
  /** Events stored longer ago than this and still not folded are re-queued, in ms. */
  REQUEUE_AFTER_MS: z.coerce.number().int().min(0).default(10_000),
  /** How long an incident of each severity may stay unacknowledged before it escalates: "high=15m,critical=5m"; unnamed: never. */
  ESCALATE_AFTER: EscalationLimitsSchema.prefault(DEFAULT_ESCALATION_LIMITS),
  /** How often the worker looks for incidents to escalate, in ms. */
  ESCALATION_CHECK_INTERVAL_MS: positiveInt.default(10_000),
  /**
   * The time span of one partition of the tables that grow with every event (events, the live
   * log, rejected events, health history): day, week or month, by OreGuard's own clock. A week
   * by default: every statement on events that its partition key does not bound is planned and
   * run over every partition, and over six months of history daily partitions (193) cost 16 % of
   * ingest where weekly ones (27) cost 9 % (bench/FINDINGS.md). Retention drops a whole span, so
   * data stays up to one span longer than its RETENTION_*_DAYS.
   */
  PARTITION_SPAN: z.enum(['day', 'week', 'month']).default('week'),
  /** How far ahead OreGuard keeps partitions made, in days (on start, and by every worker periodically). */
  PARTITION_AHEAD_DAYS: positiveInt.default(7),
  /** How often each worker makes the partitions due within PARTITION_AHEAD_DAYS, in ms. */
  PARTITION_CHECK_INTERVAL_MS: positiveInt.default(3_600_000),
  /**
   * How many days events in no incident are kept, or `off` (forever). Old data leaves only by
   * OreGuard's retention job dropping whole partitions, after archiving them to ARCHIVE_DIR; a
   * partition holding an event of an incident is kept whole.
   */
  RETENTION_EVENTS_DAYS: retentionDays.default(90),
  /** How many days the live message log is kept, or `off`. */
  RETENTION_LIVE_LOG_DAYS: retentionDays.default(14),
  /** How many days rejected events are kept, or `off`. */
  RETENTION_REJECTED_DAYS: retentionDays.default(30),
  /** How many days sensor health history is kept, or `off`. */
  RETENTION_HEALTH_DAYS: retentionDays.default(365),
  /**
   * How many days a resolved incident is kept after its resolution, with its event links,
   * timeline and kept events, or `off`; never while open, acknowledged or under legal hold.
   */
  RETENTION_RESOLVED_INCIDENTS_DAYS: retentionDays.default(730),
  /** How often the retention job runs (one worker at a time, by a lease), in ms. */
  RETENTION_CHECK_INTERVAL_MS: positiveInt.default(3_600_000),
  /** Where the retention job writes the archive of each partition it drops (NDJSON, gzip, with a manifest). */
  ARCHIVE_DIR: z.string().min(1).default('./archive'),
  /**
   * A YAML file of the posture profiles (what each level changes: escalation limits, severity
   * raised for kinds and zones, rule thresholds, silences, reconciliation); unset: the built-in
   * profiles (src/domain/posture/posture-profile.ts).
   */
  POSTURE_PROFILES_FILE: z.string().min(1).optional(),
  /** How long a site's operators have to acknowledge a posture change before the leads are told, in ms. */
  POSTURE_ACK_WITHIN_MS: positiveInt.default(15 * 60_000),
  /** How often the worker expires postures and floors and looks for unacknowledged changes, in ms. */
  POSTURE_CHECK_INTERVAL_MS: positiveInt.default(10_000),
  /** How often gateways send their status as a heartbeat, in ms; three missed make a gateway offline. */
  GATEWAY_HEARTBEAT_INTERVAL_MS: positiveInt.default(60_000),
  /** How often the worker looks for gateways that fell silent, in ms. */
  HEARTBEAT_CHECK_INTERVAL_MS: positiveInt.default(10_000),
  /**
   * How long a range of a gateway's seq never stored may stay open before it is reported as
   * events lost, in ms. Numbers arriving late close it first: another instance's batch (ms),
   * the broker's redelivery after OreGuard reconnects, or the gateway's resend of what a
   * restarted broker lost (its restart, the gateway's reconnect and its resend timeout, then
   * the backlog). Two minutes cover a broker restart of ~30 s with a 30 s resend timeout.
   */
  SEQ_GAP_GRACE_MS: positiveInt.default(120_000),
  /** How often the worker reports seq gaps open longer than SEQ_GAP_GRACE_MS, in ms. */
  SEQ_GAP_CHECK_INTERVAL_MS: positiveInt.default(10_000),
  /** How often the worker reconciles material records (weighbridge, gates, dispatch, surveys) into findings, in ms. */
  MATERIAL_RECONCILE_INTERVAL_MS: positiveInt.default(60_000),
  /** Material records reconciled each run: those of this last stretch of time, in ms (a truck's tare history lies in it). */
  MATERIAL_RECONCILE_WINDOW_MS: positiveInt.default(7 * 86_400_000),
  /** A material record is judged once what it waits for (a ticket, a gate passage) could have arrived: its deadline plus this, in ms. */
  MATERIAL_SETTLE_MS: z.coerce.number().int().min(0).default(MATERIAL.settleMs),
  /** A loaded exit needs an outbound ticket of the vehicle completed within this time before it, in ms. */
  MATERIAL_EXIT_TICKET_WITHIN_MS: positiveInt.default(MATERIAL.exitTicketWithinMs),
  /** A ticket needs a gate-in of its vehicle this long before it or a gate-out this long after it (else a ghost ticket), in ms. */
  MATERIAL_GATE_WITHIN_MS: positiveInt.default(MATERIAL.gateWithinMs),
  /** Net vs manifest: flagged beyond this many times the net's legal error (OIML R 76, from the scale's class and e). */
  MATERIAL_NET_COVERAGE: z.coerce.number().positive().default(MATERIAL.netCoverage),
  /** Tare drift: flagged beyond this many scaled median absolute deviations of the truck's own tares. */
  MATERIAL_TARE_MAD_FACTOR: z.coerce.number().positive().default(MATERIAL.tareMadFactor),
  /** Tare drift: allowance (fuel, mud) on top of twice the tare's legal error, in kg. */
  MATERIAL_TARE_ALLOWANCE_KG: z.coerce.number().min(0).default(MATERIAL.tareAllowanceKg),
  /** A stored tare older than this many days has expired. */
  MATERIAL_STORED_TARE_MAX_AGE_DAYS: z.coerce.number().positive().default(MATERIAL.storedTareMaxAgeDays),
  /** Transit loss allowed on top of both scales' legal error, as a fraction of the despatched net (0.002 for 0.2 %). */
  MATERIAL_TRANSIT_ALLOWANCE: z.coerce.number().min(0).max(1).default(MATERIAL.transitLossAllowance),
  /** Period balance: flagged beyond this many times the combined uncertainty √Σu². */
  MATERIAL_BALANCE_COVERAGE: z.coerce.number().positive().default(MATERIAL.balanceCoverage),
  /** Scales inside the fence, comma-separated: their tickets are not checked against gate passages. */
  MATERIAL_INTERNAL_SCALES: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((id) => id.trim())
        .filter(Boolean),
    )
    .default([]),
  /** Severity of the theft event each material discrepancy raises. */
  MATERIAL_FINDING_SEVERITY: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('high'),
  /** Severity of the incident opened when a gateway or sensor goes offline or faulty. */
  SENSOR_HEALTH_SEVERITY: z.enum(['info', 'low', 'medium', 'high', 'critical']).default('high'),
  /** How long a new socket waits for its resume request before live messages start, in ms. */
  LIVE_RESUME_GRACE_MS: z.coerce.number().int().min(0).default(1000),
  /** Origins allowed to call the REST API and /live from a browser, comma-separated; unset: none. */
  CORS_ORIGINS: z
    .string()
    .transform((v) =>
      v
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.url()))
    .optional(),
  /** JWT signing key. Required in production; elsewhere a random one per start is used, with a warning. */
  JWT_SECRET: z.string().min(32, 'at least 32 characters').optional(),
  /**
   * Key that encrypts gateway secrets at rest (AES-256-GCM): 32 bytes, base64. Required in
   * production; elsewhere a fixed development key is used, with a warning.
   */
  GATEWAY_SECRET_KEY: z
    .string()
    .refine(
      (v) => /^[A-Za-z0-9+/]+={0,2}$/.test(v) && Buffer.from(v, 'base64').length === 32,
      '32 bytes, base64-encoded',
    )
    .optional(),
  /**
   * Ed25519 private key that signs evidence bundles and chain checkpoints: PEM, PKCS#8
   * (`openssl genpkey -algorithm ed25519`). Unset (and no EVIDENCE_SIGNING_KEY_FILE): OreGuard
   * makes a key on first start and keeps it in the database, sealed under GATEWAY_SECRET_KEY,
   * so every instance signs with the same key. A new key retires the old one, which stays
   * listed (GET /evidence/keys) so what it signed stays verifiable.
   */
  EVIDENCE_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'a PEM PKCS#8 private key' }).optional(),
  /** A file holding EVIDENCE_SIGNING_KEY (read at start); not both. */
  EVIDENCE_SIGNING_KEY_FILE: z.string().min(1).optional(),
  /** How often the worker signs a checkpoint of every chain (incident timelines, audit log) that moved, in ms. */
  EVIDENCE_CHECKPOINT_INTERVAL_MS: positiveInt.default(60_000),
  /** Access token lifetime in seconds. */
  JWT_EXPIRES_IN_S: positiveInt.default(3600),
  /** A session (its refresh token) ends this long after it was last refreshed, in seconds. */
  REFRESH_TOKEN_EXPIRES_IN_S: positiveInt.default(7 * 24 * 3600),
  /** REST requests one user (or, before login, one client address) may make per minute; health and metrics are exempt. */
  RATE_LIMIT_REST_PER_MINUTE: positiveInt.default(1200),
  /** Messages one /live socket may send per minute. */
  RATE_LIMIT_WS_PER_MINUTE: positiveInt.default(120),
  /** Largest JSON request body accepted, in bytes; larger ones get 413. */
  REQUEST_BODY_LIMIT_BYTES: positiveInt.default(64 * 1024),
  /**
   * When set, GET /api/v1/metrics requires `Authorization: Bearer <this token>` (compared in
   * constant time); unset, the scrape is open, for a port only Prometheus can reach.
   */
  METRICS_TOKEN: z.string().min(16, 'at least 16 characters').optional(),
  /**
   * Failed logins in a row for one username from one client address before each further one
   * makes that address wait (LOGIN_BACKOFF_BASE_MS, doubling). Known and unknown usernames alike.
   */
  LOGIN_MAX_FAILURES: positiveInt.default(5),
  /** Failed logins in a row for one username from all addresses together before every address but the user's known ones must wait. */
  LOGIN_ACCOUNT_MAX_FAILURES: positiveInt.default(50),
  /** The first wait a throttled username (and address) gets, in ms; it doubles with each further failure. */
  LOGIN_BACKOFF_BASE_MS: positiveInt.default(1000),
  /** The longest wait, in ms. */
  LOGIN_BACKOFF_MAX_MS: positiveInt.default(15 * 60_000),
  /** A run of failures is forgotten when its last failure is older than this, in ms. */
  LOGIN_FAILURE_MEMORY_MS: positiveInt.default(24 * 3600_000),
  /** An address a user logged in from within this long is known: the all-addresses wait does not apply there, in ms. */
  LOGIN_KNOWN_ADDRESS_MS: positiveInt.default(30 * 24 * 3600_000),
  /** Login attempts one client address may make per minute. */
  LOGIN_RATE_PER_MINUTE: positiveInt.default(20),
  /** Bootstrap admin account, created if no user exists yet. */
  OREGUARD_ADMIN_USERNAME: z.string().min(1).max(64).optional(),
  OREGUARD_ADMIN_PASSWORD: z.string().min(8, 'at least 8 characters').optional(),
  /** How far V8's heap may grow past its live data before a full collection, in %; 0 leaves it to V8. */
  HEAP_GROWING_PERCENT: z.coerce.number().int().min(0).max(1000).default(50),
  /** Minimum level of log lines: debug, info, warn, error. */
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** The commit OreGuard was built from, shown as the commit label of oreguard_build_info; unset: unknown. */
  OREGUARD_BUILD_COMMIT: z
    .string()
    .regex(/^[0-9A-Za-z._-]{1,64}$/, 'up to 64 letters, digits, . _ -')
    .optional(),
  /** Longest a graceful shutdown may take before the process exits anyway, in ms. */
  SHUTDOWN_GRACE_MS: positiveInt.default(15_000),
  /** Run pending migrations on start. */
  MIGRATE_ON_START: bool.default(true),
  /** A file holding DATABASE_URL (Docker or Kubernetes secrets; read at start, a trailing newline dropped); not both. */
  DATABASE_URL_FILE: z.string().min(1).optional(),
  /** A file holding DATABASE_MIGRATION_URL; not both. */
  DATABASE_MIGRATION_URL_FILE: z.string().min(1).optional(),
  /** A file holding MQTT_PASSWORD; not both. */
  MQTT_PASSWORD_FILE: z.string().min(1).optional(),
  /** A file holding JWT_SECRET; not both. */
  JWT_SECRET_FILE: z.string().min(1).optional(),
  /** A file holding GATEWAY_SECRET_KEY; not both. */
  GATEWAY_SECRET_KEY_FILE: z.string().min(1).optional(),
  /** A file holding OREGUARD_ADMIN_PASSWORD; not both. */
  OREGUARD_ADMIN_PASSWORD_FILE: z.string().min(1).optional(),
  /** Start with no correlation rule when RULES_DIR holds none (otherwise OreGuard refuses to start). */
  RULES_ALLOW_EMPTY: bool.default(false),
  /** The organisation's name in what it shares with partners (the STIX identity every shared object is created by). */
  SHARING_ORGANISATION: z.string().trim().min(1).max(200).default('OreGuard'),
  /**
   * How often the worker publishes what incidents changed into the shared objects, besides when
   * a fold commits (sharing-publisher.service.ts).
   */
  SHARING_PUBLISH_INTERVAL_MS: positiveInt.min(100).default(5000),
  /** Most objects one TAXII page holds: a partner's `limit` above it gets this many (and `more`). */
  TAXII_MAX_PAGE_SIZE: positiveInt.max(10_000).default(500),
});

export type Env = z.infer<typeof EnvSchema>;

/**
 * What the CLI's API commands read (src/cli/api-client.ts): where OreGuard's REST API is and who
 * calls it. The server itself reads none of these.
 */
export const CliEnvSchema = z.object({
  /** Base URL of OreGuard for the CLI's API commands (overridden by --url). */
  OREGUARD_URL: z.url({ protocol: /^https?$/ }).default('http://localhost:3000'),
  /** An access token for the CLI's API commands (as POST /auth/login returns); else it logs in with the two below. */
  OREGUARD_TOKEN: z.string().min(1).optional(),
  /** The account the CLI's API commands log in as, when OREGUARD_TOKEN is not set. */
  OREGUARD_USERNAME: z.string().min(1).max(64).optional(),
  OREGUARD_PASSWORD: z.string().min(1).optional(),
});

export type CliEnv = z.infer<typeof CliEnvSchema>;
