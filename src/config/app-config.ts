import { createHash, createPrivateKey, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Severity } from 'src/domain/events/canonical-event.schema';
import type { EscalationLimits } from 'src/domain/incidents/escalation-limits';
import type { PartitionSpan } from 'src/domain/retention/partition-window';
import type { RetentionDays } from 'src/domain/retention/retention-plan';
import { defaultPostureProfiles, parsePostureProfiles, type PostureProfiles } from 'src/domain/posture/posture-profile';
import {
  DEFAULT_RECONCILIATION_SETTINGS,
  type ReconciliationSettings,
} from 'src/domain/material/reconciliation-settings';
import { EnvSchema, type Env } from './env.schema';

/** The checked configuration, built once at start from the environment. */
export interface AppConfig {
  env: Env['NODE_ENV'];
  port: number;
  roles: ReadonlySet<'api' | 'ingest' | 'worker'>;
  /** `migrationUrl`: the schema owner's, for the migrate step; unset: `url`'s role migrates. */
  database: { url: string; migrationUrl?: string; poolSize: number };
  redis: { url: string; prefix: string };
  mqtt: {
    url: string;
    username?: string;
    password?: string;
    topicPrefix: string;
    clientId: string;
    sharedGroup?: string;
    /** Ingest slots of the shared group (0 or no group: this instance's own session). */
    slots: number;
    slotCheckMs: number;
    receiveMaximum: number;
  };
  ingest: {
    batchSize: number;
    lingerMs: number;
    enqueueTimeoutMs: number;
    maxFutureMs: number;
    allowedLatenessMs: number;
    /** An occurredAt older than this before arrival is rejected (EVENT_MAX_LATENESS_DAYS). */
    maxLatenessMs: number;
    /** Refuse messages from sites and gateways no admin registered (INGEST_REQUIRE_REGISTERED). */
    requireRegistered: boolean;
  };
  remoteId: { memoryTtlMs: number; maxTransmitters: number; maxSpeedMps: number };
  correlation: {
    gapMs: number;
    droneGate: { distanceM: number; ms: number };
    workerConcurrency: number;
    foldLanes: number;
    jobAttempts: number;
    requeueIntervalMs: number;
    requeueAfterMs: number;
  };
  escalation: { limits: EscalationLimits; checkIntervalMs: number };
  partitions: { span: PartitionSpan; aheadDays: number; checkIntervalMs: number };
  retention: {
    days: RetentionDays;
    /** Days a resolved incident is kept after its resolution; null: forever. */
    resolvedIncidentsDays: number | null;
    checkIntervalMs: number;
    archiveDir: string;
  };
  /** Site threat posture: each level's profile, operators' time to acknowledge a change, the check's interval. */
  posture: { profiles: PostureProfiles; ackWithinMs: number; checkIntervalMs: number };
  /** Where the correlation rule files are read from at start. */
  /** `allowEmpty`: start with no rule when the folder holds none (RULES_ALLOW_EMPTY). */
  rules: { dir: string; allowEmpty: boolean };
  /** Indicator sharing with partners (TAXII 2.1, MISP feed). */
  sharing: { organisation: string; maxPageSize: number; publishIntervalMs: number };
  /** Live correlation (correlator.service.ts): its polling interval, wake window and lease retry. */
  correlator: {
    intervalMs: number;
    wakeWindowMs: number;
    leaseRetryMs: number;
    maxGroupSignals: number;
    maxSignals: number;
  };
  live: { resumeGraceMs: number };
  health: {
    heartbeatIntervalMs: number;
    checkIntervalMs: number;
    incidentSeverity: Severity;
    /** A seq gap is reported once open this long; the check runs every checkIntervalMs. */
    seqGaps: { graceMs: number; checkIntervalMs: number };
  };
  /** Browser origins allowed (CORS); empty: none. */
  /** Material reconciliation (material-reconciliation.service.ts): how often, over what stretch, with which thresholds. */
  material: { intervalMs: number; windowMs: number; severity: Severity; settings: ReconciliationSettings };
  corsOrigins: string[];
  auth: {
    jwtSecret: string;
    jwtSecretGenerated: boolean;
    expiresInS: number;
    refreshExpiresInS: number;
    /** Failed-login throttle (login-throttles.repository.ts): free failures per username and address, and per username. */
    loginThrottle: {
      addressFailures: number;
      accountFailures: number;
      baseMs: number;
      maxMs: number;
      memoryMs: number;
      knownAddressMs: number;
    };
    loginRatePerMinute: number;
    bootstrapAdmin?: { username: string; password: string };
  };
  gateways: {
    /** Encrypts gateway secrets at rest; never logged. */
    secretKey: Buffer;
    /** True when GATEWAY_SECRET_KEY was unset and the development key is in use. */
    secretKeyIsDevelopmentKey: boolean;
  };
  evidence: {
    /** EVIDENCE_SIGNING_KEY (or its file's content), a PEM Ed25519 private key; never logged. Unset: a kept generated key. */
    signingKeyPem?: string;
    checkpointIntervalMs: number;
  };
  /** Requests per minute: per user (or address) on REST, per socket on /live. */
  rateLimits: { restPerMinute: number; wsPerMinute: number };
  requestBodyLimitBytes: number;
  /** Bearer token the metrics scrape must present; undefined: open. Never logged. */
  metricsToken?: string;
  logLevel: Env['LOG_LEVEL'];
  /** OREGUARD_BUILD_COMMIT: the commit label of oreguard_build_info. */
  buildCommit?: string;
  heapGrowingPercent: number;
  shutdownGraceMs: number;
  migrateOnStart: boolean;
}

export class ConfigError extends Error {}

/**
 * Outside production, without GATEWAY_SECRET_KEY, gateway secrets are encrypted under this
 * fixed, publicly known key: a restart can still read them (a random key per start could
 * not), and start-up warns that they are not protected.
 */
const DEVELOPMENT_GATEWAY_KEY = createHash('sha256')
  .update('oreguard development gateway key, not for production')
  .digest();

export const APP_CONFIG = Symbol('APP_CONFIG');

/** A configured value as an error may show it: secrets never, credentials in URLs masked. */
function shownValue(name: string, value: string): string {
  if (/SECRET|PASSWORD|KEY|TOKEN/.test(name)) return `a value of ${value.length} characters`;
  return `"${value.slice(0, 80).replace(/\/\/[^/@\s]*@/, '//***@')}"`;
}

/**
 * `requireJwtSecret: false` and `requireGatewayKey: false` are for tools that never sign or check
 * a token nor touch gateway secrets (the account commands of the CLI), so an
 * operator can manage accounts in production without handing the tool the signing key.
 */
export function loadConfig(
  source: NodeJS.ProcessEnv = process.env,
  { requireJwtSecret = true, requireGatewayKey = true } = {},
): AppConfig {
  const raw = secretsFromFiles(
    Object.fromEntries(Object.entries(source).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>,
  );
  const parsed = EnvSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue.path[0] ?? 'environment');
    const shown = name in raw ? ` (got ${shownValue(name, String(raw[name]))})` : '';
    throw new ConfigError(`Invalid configuration: ${name}: ${issue.message}${shown}`);
  }
  const env = parsed.data;
  if (requireJwtSecret && env.NODE_ENV === 'production' && !env.JWT_SECRET) {
    throw new ConfigError('Invalid configuration: JWT_SECRET: required when NODE_ENV is production');
  }
  if (requireGatewayKey && env.NODE_ENV === 'production' && !env.GATEWAY_SECRET_KEY) {
    throw new ConfigError('Invalid configuration: GATEWAY_SECRET_KEY: required when NODE_ENV is production');
  }
  if (Boolean(env.OREGUARD_ADMIN_USERNAME) !== Boolean(env.OREGUARD_ADMIN_PASSWORD)) {
    throw new ConfigError(
      'Invalid configuration: OREGUARD_ADMIN_USERNAME and OREGUARD_ADMIN_PASSWORD must be set together',
    );
  }
  const signingKeyPem = evidenceSigningKey(env);
  return {
    env: env.NODE_ENV,
    port: env.PORT,
    roles: new Set(env.OREGUARD_ROLES),
    database: { url: env.DATABASE_URL, migrationUrl: env.DATABASE_MIGRATION_URL, poolSize: env.DATABASE_POOL_SIZE },
    redis: { url: env.REDIS_URL, prefix: env.QUEUE_PREFIX },
    mqtt: {
      url: env.MQTT_URL,
      username: env.MQTT_USERNAME,
      password: env.MQTT_PASSWORD,
      topicPrefix: env.MQTT_TOPIC_PREFIX,
      clientId: env.MQTT_CLIENT_ID ?? `oreguard-${hostname()}`,
      sharedGroup: env.MQTT_SHARED_GROUP,
      slots: env.MQTT_SHARED_GROUP ? env.MQTT_INGEST_SLOTS : 0,
      slotCheckMs: env.MQTT_SLOT_CHECK_MS,
      receiveMaximum: env.MQTT_RECEIVE_MAXIMUM,
    },
    ingest: {
      batchSize: env.INGEST_BATCH_SIZE,
      lingerMs: env.INGEST_LINGER_MS,
      enqueueTimeoutMs: env.INGEST_ENQUEUE_TIMEOUT_MS,
      maxFutureMs: env.EVENT_MAX_FUTURE_MS,
      allowedLatenessMs: env.EVENT_ALLOWED_LATENESS_MS,
      maxLatenessMs: env.EVENT_MAX_LATENESS_DAYS * 86_400_000,
      requireRegistered: env.INGEST_REQUIRE_REGISTERED ?? env.NODE_ENV === 'production',
    },
    remoteId: {
      memoryTtlMs: env.REMOTE_ID_MEMORY_TTL_MS,
      maxTransmitters: env.REMOTE_ID_MAX_TRANSMITTERS,
      maxSpeedMps: env.REMOTE_ID_MAX_SPEED_MPS,
    },
    rules: { dir: env.RULES_DIR, allowEmpty: env.RULES_ALLOW_EMPTY },
    sharing: {
      organisation: env.SHARING_ORGANISATION,
      maxPageSize: env.TAXII_MAX_PAGE_SIZE,
      publishIntervalMs: env.SHARING_PUBLISH_INTERVAL_MS,
    },
    correlator: {
      intervalMs: env.CORRELATOR_INTERVAL_MS,
      wakeWindowMs: env.CORRELATOR_WAKE_WINDOW_MS,
      leaseRetryMs: env.CORRELATOR_LEASE_RETRY_MS,
      maxGroupSignals: env.CORRELATION_MAX_GROUP_SIGNALS,
      maxSignals: env.CORRELATION_MAX_SIGNALS,
    },
    correlation: {
      gapMs: env.INCIDENT_GAP_MS,
      droneGate: { distanceM: env.DRONE_GATE_M, ms: env.DRONE_GATE_MS },
      workerConcurrency: env.WORKER_CONCURRENCY,
      foldLanes: env.FOLD_LANES,
      jobAttempts: env.JOB_ATTEMPTS,
      requeueIntervalMs: env.REQUEUE_INTERVAL_MS,
      requeueAfterMs: env.REQUEUE_AFTER_MS,
    },
    escalation: { limits: env.ESCALATE_AFTER, checkIntervalMs: env.ESCALATION_CHECK_INTERVAL_MS },
    partitions: {
      span: env.PARTITION_SPAN,
      aheadDays: env.PARTITION_AHEAD_DAYS,
      checkIntervalMs: env.PARTITION_CHECK_INTERVAL_MS,
    },
    retention: {
      days: {
        events: env.RETENTION_EVENTS_DAYS,
        live_messages: env.RETENTION_LIVE_LOG_DAYS,
        rejected_events: env.RETENTION_REJECTED_DAYS,
        sensor_health_changes: env.RETENTION_HEALTH_DAYS,
      },
      resolvedIncidentsDays: env.RETENTION_RESOLVED_INCIDENTS_DAYS,
      checkIntervalMs: env.RETENTION_CHECK_INTERVAL_MS,
      archiveDir: env.ARCHIVE_DIR,
    },
    posture: {
      profiles: postureProfiles(env),
      ackWithinMs: env.POSTURE_ACK_WITHIN_MS,
      checkIntervalMs: env.POSTURE_CHECK_INTERVAL_MS,
    },
    live: { resumeGraceMs: env.LIVE_RESUME_GRACE_MS },
    health: {
      heartbeatIntervalMs: env.GATEWAY_HEARTBEAT_INTERVAL_MS,
      checkIntervalMs: env.HEARTBEAT_CHECK_INTERVAL_MS,
      incidentSeverity: env.SENSOR_HEALTH_SEVERITY,
      seqGaps: { graceMs: env.SEQ_GAP_GRACE_MS, checkIntervalMs: env.SEQ_GAP_CHECK_INTERVAL_MS },
    },
    material: {
      intervalMs: env.MATERIAL_RECONCILE_INTERVAL_MS,
      windowMs: env.MATERIAL_RECONCILE_WINDOW_MS,
      severity: env.MATERIAL_FINDING_SEVERITY,
      settings: {
        ...DEFAULT_RECONCILIATION_SETTINGS,
        settleMs: env.MATERIAL_SETTLE_MS,
        exitTicketWithinMs: env.MATERIAL_EXIT_TICKET_WITHIN_MS,
        gateWithinMs: env.MATERIAL_GATE_WITHIN_MS,
        netCoverage: env.MATERIAL_NET_COVERAGE,
        tareMadFactor: env.MATERIAL_TARE_MAD_FACTOR,
        tareAllowanceKg: env.MATERIAL_TARE_ALLOWANCE_KG,
        storedTareMaxAgeDays: env.MATERIAL_STORED_TARE_MAX_AGE_DAYS,
        transitLossAllowance: env.MATERIAL_TRANSIT_ALLOWANCE,
        balanceCoverage: env.MATERIAL_BALANCE_COVERAGE,
        internalScales: env.MATERIAL_INTERNAL_SCALES,
      },
    },
    corsOrigins: env.CORS_ORIGINS ?? [],
    auth: {
      jwtSecret: env.JWT_SECRET ?? randomBytes(32).toString('hex'),
      jwtSecretGenerated: !env.JWT_SECRET,
      expiresInS: env.JWT_EXPIRES_IN_S,
      refreshExpiresInS: env.REFRESH_TOKEN_EXPIRES_IN_S,
      loginThrottle: {
        addressFailures: env.LOGIN_MAX_FAILURES,
        accountFailures: env.LOGIN_ACCOUNT_MAX_FAILURES,
        baseMs: env.LOGIN_BACKOFF_BASE_MS,
        maxMs: env.LOGIN_BACKOFF_MAX_MS,
        memoryMs: env.LOGIN_FAILURE_MEMORY_MS,
        knownAddressMs: env.LOGIN_KNOWN_ADDRESS_MS,
      },
      loginRatePerMinute: env.LOGIN_RATE_PER_MINUTE,
      bootstrapAdmin:
        env.OREGUARD_ADMIN_USERNAME && env.OREGUARD_ADMIN_PASSWORD
          ? { username: env.OREGUARD_ADMIN_USERNAME, password: env.OREGUARD_ADMIN_PASSWORD }
          : undefined,
    },
    gateways: {
      secretKey: env.GATEWAY_SECRET_KEY ? Buffer.from(env.GATEWAY_SECRET_KEY, 'base64') : DEVELOPMENT_GATEWAY_KEY,
      secretKeyIsDevelopmentKey: !env.GATEWAY_SECRET_KEY,
    },
    evidence: { signingKeyPem, checkpointIntervalMs: env.EVIDENCE_CHECKPOINT_INTERVAL_MS },
    rateLimits: { restPerMinute: env.RATE_LIMIT_REST_PER_MINUTE, wsPerMinute: env.RATE_LIMIT_WS_PER_MINUTE },
    requestBodyLimitBytes: env.REQUEST_BODY_LIMIT_BYTES,
    metricsToken: env.METRICS_TOKEN,
    logLevel: env.LOG_LEVEL,
    buildCommit: env.OREGUARD_BUILD_COMMIT,
    heapGrowingPercent: env.HEAP_GROWING_PERCENT,
    shutdownGraceMs: env.SHUTDOWN_GRACE_MS,
    migrateOnStart: env.MIGRATE_ON_START,
  };
}

/** Secrets that may be given as a file's content instead (`<NAME>_FILE`), as Docker and Kubernetes secrets are. */
const FILE_SECRETS = [
  'DATABASE_URL',
  'DATABASE_MIGRATION_URL',
  'MQTT_PASSWORD',
  'JWT_SECRET',
  'GATEWAY_SECRET_KEY',
  'OREGUARD_ADMIN_PASSWORD',
] as const;

/** The environment with each `<NAME>_FILE` read into `<NAME>` (one trailing newline dropped), checked as if set directly. */
function secretsFromFiles(raw: Record<string, string>): Record<string, string> {
  const env = { ...raw };
  for (const name of FILE_SECRETS) {
    const file = env[`${name}_FILE`];
    if (file === undefined) continue;
    if (env[name] !== undefined)
      throw new ConfigError(`Invalid configuration: ${name} and ${name}_FILE: set one, not both`);
    try {
      env[name] = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(
        `Invalid configuration: ${name}_FILE: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  return env;
}

/** EVIDENCE_SIGNING_KEY, or read from EVIDENCE_SIGNING_KEY_FILE; checked to be an Ed25519 private key. */
function postureProfiles(env: Env): PostureProfiles {
  const file = env.POSTURE_PROFILES_FILE;
  if (!file) return defaultPostureProfiles();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(
      `Invalid configuration: POSTURE_PROFILES_FILE: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const parsed = parsePostureProfiles(text);
  if (!parsed.ok) throw new ConfigError(`Invalid configuration: POSTURE_PROFILES_FILE: ${parsed.error}`);
  return parsed.profiles;
}

function evidenceSigningKey(env: Env): string | undefined {
  if (env.EVIDENCE_SIGNING_KEY && env.EVIDENCE_SIGNING_KEY_FILE) {
    throw new ConfigError(
      'Invalid configuration: EVIDENCE_SIGNING_KEY and EVIDENCE_SIGNING_KEY_FILE: set one, not both',
    );
  }
  let pem = env.EVIDENCE_SIGNING_KEY;
  const name = pem ? 'EVIDENCE_SIGNING_KEY' : 'EVIDENCE_SIGNING_KEY_FILE';
  if (env.EVIDENCE_SIGNING_KEY_FILE) {
    try {
      pem = readFileSync(env.EVIDENCE_SIGNING_KEY_FILE, 'utf8');
    } catch (error) {
      throw new ConfigError(
        `Invalid configuration: EVIDENCE_SIGNING_KEY_FILE: cannot read it (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }
  if (pem === undefined) return undefined;
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch {
    throw new ConfigError(`Invalid configuration: ${name}: not a PEM private key`);
  }
  if (type !== 'ed25519')
    throw new ConfigError(`Invalid configuration: ${name}: an Ed25519 key is needed (got ${type ?? 'unknown'})`);
  return pem;
}
