import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from './app-config';

/** The error loadConfig throws for this environment (fails the test if it does not throw). */
function configErrorFor(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error(`expected a configuration error for ${JSON.stringify(env)}`);
}

const SECRET = 'a-production-secret-of-at-least-32-characters';
const GATEWAY_KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadConfig', () => {
  it("uses the contract's defaults for every variable of its table when nothing is set", () => {
    const config = loadConfig({});

    expect(config.port).toBe(3000);
    expect(config.database.url).toBe('postgres://postgres@localhost:5432/oreguard');
    expect(config.redis).toEqual({ url: 'redis://localhost:6379', prefix: 'oreguard' });
    expect(config.mqtt.url).toBe('mqtt://localhost:1883');
    expect(config.mqtt.topicPrefix).toBe('oreguard/v1');
    expect(config.mqtt.clientId).toBe(`oreguard-${hostname()}`);
    expect(config.mqtt.sharedGroup).toBeUndefined();
    expect(config.auth.bootstrapAdmin).toBeUndefined();
  });

  it('generates a random JWT secret outside production, a new one per start, and says so', () => {
    const first = loadConfig({ NODE_ENV: 'development' });
    const second = loadConfig({ NODE_ENV: 'test' });

    expect(first.auth.jwtSecretGenerated).toBe(true);
    expect(first.auth.jwtSecret.length).toBeGreaterThanOrEqual(32);
    expect(second.auth.jwtSecret).not.toBe(first.auth.jwtSecret);
  });

  it('runs every role by default and takes the documented defaults for the pipeline', () => {
    const config = loadConfig({});

    expect(config.env).toBe('development');
    expect([...config.roles].sort()).toEqual(['api', 'ingest', 'worker']);
    expect(config.ingest.maxFutureMs).toBe(5 * 60_000);
    expect(config.correlation.gapMs).toBe(10 * 60_000);
    expect(config.migrateOnStart).toBe(true);
  });

  it('requires registered sites and gateways by default in production only, and takes INGEST_REQUIRE_REGISTERED over either', () => {
    const production = {
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      GATEWAY_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
    };
    expect(loadConfig(production).ingest.requireRegistered).toBe(true);
    expect(loadConfig({ NODE_ENV: 'development' }).ingest.requireRegistered).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test' }).ingest.requireRegistered).toBe(false);
    expect(loadConfig({ ...production, INGEST_REQUIRE_REGISTERED: 'false' }).ingest.requireRegistered).toBe(false);
    expect(loadConfig({ NODE_ENV: 'test', INGEST_REQUIRE_REGISTERED: 'true' }).ingest.requireRegistered).toBe(true);
  });

  it('takes every variable of the contract table as given', () => {
    const config = loadConfig({
      PORT: '8080',
      DATABASE_URL: 'postgresql://og:pw@db.internal:6432/og',
      REDIS_URL: 'rediss://cache.internal:6380',
      QUEUE_PREFIX: 'og-prod',
      MQTT_URL: 'mqtts://broker.internal:8883',
      MQTT_TOPIC_PREFIX: 'mines/v1',
      MQTT_CLIENT_ID: 'oreguard-blue-1',
      MQTT_SHARED_GROUP: 'oreguard',
      JWT_SECRET: SECRET,
      OREGUARD_ADMIN_USERNAME: 'root',
      OREGUARD_ADMIN_PASSWORD: 'correct horse battery',
    });

    expect(config).toMatchObject({
      port: 8080,
      database: { url: 'postgresql://og:pw@db.internal:6432/og' },
      redis: { url: 'rediss://cache.internal:6380', prefix: 'og-prod' },
      mqtt: {
        url: 'mqtts://broker.internal:8883',
        topicPrefix: 'mines/v1',
        clientId: 'oreguard-blue-1',
        sharedGroup: 'oreguard',
      },
      auth: {
        jwtSecret: SECRET,
        jwtSecretGenerated: false,
        bootstrapAdmin: { username: 'root', password: 'correct horse battery' },
      },
    });
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', MQTT_SHARED_GROUP: '' })).toMatchObject({
      port: 3000,
      mqtt: { sharedGroup: undefined },
    });
  });

  it('reads only the environment it is given, not process.env', () => {
    const saved = process.env.PORT;
    process.env.PORT = 'not-a-port';
    try {
      expect(loadConfig({}).port).toBe(3000);
    } finally {
      if (saved === undefined) delete process.env.PORT;
      else process.env.PORT = saved;
    }
  });

  it.each<[string, Record<string, string>]>([
    ['PORT', { PORT: 'eighty' }],
    ['PORT', { PORT: '70000' }],
    ['PORT', { PORT: '80.5' }],
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/oreguard' }],
    ['REDIS_URL', { REDIS_URL: 'localhost:6379' }],
    ['QUEUE_PREFIX', { QUEUE_PREFIX: 'ore guard' }],
    ['MQTT_URL', { MQTT_URL: 'http://broker:1883' }],
    ['MQTT_TOPIC_PREFIX', { MQTT_TOPIC_PREFIX: 'oreguard/#' }],
    ['MQTT_SHARED_GROUP', { MQTT_SHARED_GROUP: 'a/b' }],
    ['JWT_SECRET', { JWT_SECRET: 'short' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['OREGUARD_ROLES', { OREGUARD_ROLES: 'api,cron' }],
    ['INCIDENT_GAP_MS', { INCIDENT_GAP_MS: '-5' }],
  ])('refuses a malformed %s (%j) with one line naming it', (name, env) => {
    const error = configErrorFor(env);

    expect(error.message).toMatch(new RegExp(`^Invalid configuration: ${name}: `));
    expect(error.message).not.toContain('\n');
  });

  it('shows the malformed value it was given', () => {
    expect(configErrorFor({ PORT: 'eighty' }).message).toMatch(/^Invalid configuration: PORT: .+ \(got "eighty"\)$/);
  });

  it('names one variable in one line when several are malformed', () => {
    const { message } = configErrorFor({ PORT: 'eighty', REDIS_URL: 'nope', MQTT_URL: 'nope' });

    expect(message.split('\n')).toHaveLength(1);
    expect(message).toMatch(/^Invalid configuration: (PORT|REDIS_URL|MQTT_URL): /);
  });

  it.each<[string, Record<string, string>, string]>([
    ['JWT_SECRET', { JWT_SECRET: 'hunter2-too-short' }, 'hunter2-too-short'],
    ['OREGUARD_ADMIN_PASSWORD', { OREGUARD_ADMIN_USERNAME: 'admin', OREGUARD_ADMIN_PASSWORD: 'pw-123' }, 'pw-123'],
  ])(
    'names a malformed %s without writing the secret itself into the error (it ends up in logs)',
    (name, env, secret) => {
      const { message } = configErrorFor(env);

      expect(message).toMatch(new RegExp(`^Invalid configuration: ${name}: `));
      expect(message).not.toContain(secret);
    },
  );

  it('requires JWT_SECRET in production', () => {
    expect(configErrorFor({ NODE_ENV: 'production' }).message).toBe(
      'Invalid configuration: JWT_SECRET: required when NODE_ENV is production',
    );
  });

  it('lets a tool that signs no tokens (the CLI) load a production configuration without JWT_SECRET', () => {
    const config = loadConfig(
      { NODE_ENV: 'production', DATABASE_URL: 'postgres://db.internal/oreguard' },
      { requireJwtSecret: false, requireGatewayKey: false },
    );

    expect(config.database.url).toBe('postgres://db.internal/oreguard');
  });

  it('defaults the limits: sessions a week, 1200 REST requests and 120 socket messages a minute, 64 KiB bodies', () => {
    const config = loadConfig({});

    expect(config.auth.refreshExpiresInS).toBe(604_800);
    expect(config.rateLimits).toEqual({ restPerMinute: 1200, wsPerMinute: 120 });
    expect(config.requestBodyLimitBytes).toBe(65_536);
  });

  it('starts in production with a JWT_SECRET, and uses it', () => {
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, GATEWAY_SECRET_KEY: GATEWAY_KEY });

    expect(config.env).toBe('production');
    expect(config.auth).toMatchObject({ jwtSecret: SECRET, jwtSecretGenerated: false });
  });

  it('requires GATEWAY_SECRET_KEY in production', () => {
    expect(configErrorFor({ NODE_ENV: 'production', JWT_SECRET: SECRET }).message).toBe(
      'Invalid configuration: GATEWAY_SECRET_KEY: required when NODE_ENV is production',
    );
  });

  it('takes GATEWAY_SECRET_KEY as 32 bytes of base64, and uses a development key only outside production', () => {
    expect(loadConfig({ GATEWAY_SECRET_KEY: GATEWAY_KEY }).gateways).toEqual({
      secretKey: Buffer.alloc(32, 7),
      secretKeyIsDevelopmentKey: false,
    });
    const fallback = loadConfig({ NODE_ENV: 'development' }).gateways;
    expect(fallback.secretKeyIsDevelopmentKey).toBe(true);
    expect(fallback.secretKey).toHaveLength(32);
  });

  it.each([
    ['too short', Buffer.alloc(16, 1).toString('base64')],
    ['not base64', 'not*base64*but*long*enough*to*be*a*key*of*forty*four'],
  ])('refuses a GATEWAY_SECRET_KEY that is %s, without showing it', (_, key) => {
    const { message } = configErrorFor({ GATEWAY_SECRET_KEY: key });

    expect(message).toMatch(
      /^Invalid configuration: GATEWAY_SECRET_KEY: 32 bytes, base64-encoded \(got a value of \d+ characters\)$/,
    );
    expect(message).not.toContain(key);
  });

  describe('the evidence signing key', () => {
    const ed25519 = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 })
      .privateKey.export({ format: 'pem', type: 'pkcs8' })
      .toString();

    it('is kept in the database when none is given, and taken as given or from its file', () => {
      expect(loadConfig({}).evidence).toEqual({ signingKeyPem: undefined, checkpointIntervalMs: 60_000 });
      expect(loadConfig({ EVIDENCE_SIGNING_KEY: ed25519 }).evidence.signingKeyPem).toBe(ed25519);
      const dir = mkdtempSync(join(tmpdir(), 'oreguard-key-'));
      try {
        writeFileSync(join(dir, 'key.pem'), ed25519);
        expect(loadConfig({ EVIDENCE_SIGNING_KEY_FILE: join(dir, 'key.pem') }).evidence.signingKeyPem).toBe(ed25519);
        expect(configErrorFor({ EVIDENCE_SIGNING_KEY_FILE: join(dir, 'missing.pem') }).message).toBe(
          'Invalid configuration: EVIDENCE_SIGNING_KEY_FILE: cannot read it (ENOENT)',
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it('refuses a key that is not an Ed25519 private key, or two keys, without showing them', () => {
      expect(configErrorFor({ EVIDENCE_SIGNING_KEY: rsa }).message).toBe(
        'Invalid configuration: EVIDENCE_SIGNING_KEY: an Ed25519 key is needed (got rsa)',
      );
      const broken = configErrorFor({
        EVIDENCE_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nnonsense\n-----END PRIVATE KEY-----',
      }).message;
      expect(broken).toBe('Invalid configuration: EVIDENCE_SIGNING_KEY: not a PEM private key');
      expect(configErrorFor({ EVIDENCE_SIGNING_KEY: 'secret text' }).message).toMatch(
        /^Invalid configuration: EVIDENCE_SIGNING_KEY: a PEM PKCS#8 private key \(got a value of \d+ characters\)$/,
      );
      expect(configErrorFor({ EVIDENCE_SIGNING_KEY: ed25519, EVIDENCE_SIGNING_KEY_FILE: '/k.pem' }).message).toMatch(
        /set one, not both/,
      );
    });
  });

  it('reads secrets from <NAME>_FILE (Docker secrets), checked as if set, never both', () => {
    const dir = mkdtempSync(join(tmpdir(), 'oreguard-secrets-'));
    try {
      writeFileSync(join(dir, 'jwt'), `${SECRET}\n`);
      writeFileSync(join(dir, 'db'), 'postgres://oreguard:s3cret@db:5432/oreguard\n');
      writeFileSync(join(dir, 'owner'), 'postgres://owner:0wner@db:5432/oreguard');
      writeFileSync(join(dir, 'short'), 'too short\n');
      const config = loadConfig({
        NODE_ENV: 'production',
        JWT_SECRET_FILE: join(dir, 'jwt'),
        GATEWAY_SECRET_KEY: GATEWAY_KEY,
        DATABASE_URL_FILE: join(dir, 'db'),
        DATABASE_MIGRATION_URL_FILE: join(dir, 'owner'),
      });
      expect(config.auth.jwtSecret).toBe(SECRET);
      expect(config.database).toMatchObject({
        url: 'postgres://oreguard:s3cret@db:5432/oreguard',
        migrationUrl: 'postgres://owner:0wner@db:5432/oreguard',
      });
      expect(configErrorFor({ JWT_SECRET_FILE: join(dir, 'short') }).message).toMatch(
        /^Invalid configuration: JWT_SECRET: at least 32 characters \(got a value/,
      );
      expect(configErrorFor({ MQTT_PASSWORD_FILE: join(dir, 'missing') }).message).toBe(
        'Invalid configuration: MQTT_PASSWORD_FILE: cannot read it (ENOENT)',
      );
      expect(configErrorFor({ MQTT_PASSWORD: 'x', MQTT_PASSWORD_FILE: join(dir, 'jwt') }).message).toMatch(
        /MQTT_PASSWORD and MQTT_PASSWORD_FILE: set one, not both/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an admin username without a password', () => {
    expect(configErrorFor({ OREGUARD_ADMIN_USERNAME: 'admin' }).message).toMatch(
      /^Invalid configuration: OREGUARD_ADMIN_USERNAME and OREGUARD_ADMIN_PASSWORD must be set together$/,
    );
  });

  it('refuses an admin password without a username', () => {
    expect(configErrorFor({ OREGUARD_ADMIN_PASSWORD: 'admin-password' }).message).toMatch(
      /OREGUARD_ADMIN_USERNAME and OREGUARD_ADMIN_PASSWORD/,
    );
  });

  it('refuses an admin password shorter than 8 characters, naming it', () => {
    expect(configErrorFor({ OREGUARD_ADMIN_USERNAME: 'admin', OREGUARD_ADMIN_PASSWORD: 'short' }).message).toMatch(
      /^Invalid configuration: OREGUARD_ADMIN_PASSWORD: /,
    );
  });

  it('reads the roles a process runs from a comma-separated list', () => {
    expect([...loadConfig({ OREGUARD_ROLES: 'api, ingest' }).roles].sort()).toEqual(['api', 'ingest']);
    expect([...loadConfig({ OREGUARD_ROLES: 'worker' }).roles]).toEqual(['worker']);
  });
  it('reads escalation limits per severity, and names the pair at fault in a bad one', () => {
    expect(loadConfig({ ESCALATE_AFTER: 'high=1s,critical=off' }).escalation.limits).toEqual({
      info: null,
      low: null,
      medium: null,
      high: 1000,
      critical: null,
    });
    expect(configErrorFor({ ESCALATE_AFTER: 'high=15x' }).message).toBe(
      'Invalid configuration: ESCALATE_AFTER: "high=15x": a duration is a positive whole number with ms, s, m, h or d (90s, 15m, 4h), or off (got "high=15x")',
    );
  });
});
