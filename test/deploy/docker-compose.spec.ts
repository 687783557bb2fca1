import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';
import { DYNSEC_FILE } from '../../scripts/mosquitto-auth';
import { EnvSchema } from '../../src/config/env.schema';

const root = join(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: string;
  restart?: string;
  user?: string;
  command?: string[];
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

/** OreGuard's own processes in the stack: the server and its one-shot steps. */
const OREGUARD_SERVICES = ['oreguard', 'migrate', 'mosquitto-auth'];

/**
 * No Docker engine runs where the tests run: what can be checked without one is that the
 * compose file parses, that each service is supervised, and that what it names exists.
 */
describe('docker-compose.yml', () => {
  const text = readFileSync(join(root, 'docker-compose.yml'), 'utf8');
  // merge: the `<<: *oreguard-image` keys, as docker compose reads them
  const compose = parse(text, { merge: true }) as {
    services: Record<string, Service>;
    volumes: Record<string, unknown>;
  };
  const services = Object.entries(compose.services);
  const oneShot = services.filter(([, s]) => s.restart === 'no');
  const longRunning = services.filter(([, s]) => s.restart !== 'no');
  const envOf = (name: string) => compose.services[name].environment ?? {};

  it('gives every long-running service a restart policy and a health check', () => {
    expect(longRunning.map(([name]) => name).sort()).toEqual(['mosquitto', 'oreguard', 'postgres', 'redis']);
    for (const [name, service] of longRunning) {
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
      expect({ name, healthcheck: Array.isArray(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
    }
  });

  it('runs each one-shot step to completion before what needs it', () => {
    expect(oneShot.map(([name]) => name).sort()).toEqual(['migrate', 'mosquitto-auth']);
    for (const [step] of oneShot) {
      const waiting = services.filter(([, s]) => s.depends_on?.[step]).map(([name]) => name);
      expect({ step, waiting: waiting.length > 0 }).toEqual({ step, waiting: true });
      for (const name of waiting)
        expect(compose.services[name].depends_on![step]).toEqual({ condition: 'service_completed_successfully' });
    }
  });

  it("checks OreGuard's health on its readiness endpoint and starts it once its dependencies are ready", () => {
    const oreguard = compose.services.oreguard;
    expect(oreguard.healthcheck!.test.join(' ')).toContain('/api/v1/health/ready');
    expect(oreguard.depends_on).toEqual({
      migrate: { condition: 'service_completed_successfully' },
      redis: { condition: 'service_healthy' },
      mosquitto: { condition: 'service_healthy' },
    });
    expect(compose.services.migrate.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  });

  it('sets only variables OreGuard reads, in OreGuard and its steps', () => {
    const known = new Set(Object.keys(EnvSchema.shape));
    for (const name of OREGUARD_SERVICES) {
      const unknown = Object.keys(envOf(name)).filter((variable) => !known.has(variable));
      expect({ name, unknown }).toEqual({ name, unknown: [] });
    }
  });

  it('documents every ${VAR} it names in .env.example, and .env.example names nothing else', () => {
    const used = new Set([...text.matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]));
    const example = readFileSync(join(root, '.env.example'), 'utf8');
    const documented = new Set([...example.matchAll(/^([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));
    expect([...used].sort()).toEqual([...documented].sort());
    expect(used.size).toBeGreaterThanOrEqual(6);
  });

  it('mounts files that exist, and volumes it declares', () => {
    for (const [name, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.'))
          expect({ name, source, exists: existsSync(join(root, source)) }).toEqual({ name, source, exists: true });
        else expect({ name, source, declared: source in compose.volumes }).toEqual({ name, source, declared: true });
      }
    }
  });

  it('runs PostgreSQL with a password, and OreGuard as a role other than the owner, which only the migrate step knows', () => {
    const postgres = envOf('postgres');
    expect(postgres.POSTGRES_HOST_AUTH_METHOD).toBeUndefined();
    expect(postgres.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    // Interpolations stripped of their error messages: `${VAR:?…}` and `${VAR:?}` are the same value.
    const bare = (url: string) => url.replace(/\$\{([A-Z_]+)[^}]*\}/g, '$${$1}');
    const user = (url: string) => new URL(bare(url).replace(/\$\{[^}]*\}/g, 'x')).username;
    const { DATABASE_URL: runtime, DATABASE_MIGRATION_URL: owner } = envOf('migrate');
    expect(user(owner)).toBe('postgres');
    expect(user(runtime)).toBe('oreguard');
    expect(bare(envOf('oreguard').DATABASE_URL)).toBe(bare(runtime));
    expect(bare(envOf('mosquitto-auth').DATABASE_URL)).toBe(bare(runtime));
    expect(envOf('oreguard').MIGRATE_ON_START).toBe('false');
    expect(envOf('oreguard').DATABASE_MIGRATION_URL).toBeUndefined();
    for (const name of ['oreguard', 'mosquitto-auth']) {
      expect({ name, owner: Object.values(envOf(name)).some((v) => v.includes('POSTGRES_PASSWORD')) }).toEqual({
        name,
        owner: false,
      });
    }
  });

  it('locks the broker with the file the mosquitto-auth step writes, and its health check logs in', () => {
    const conf = readFileSync(join(root, 'docker', 'mosquitto.conf'), 'utf8');
    expect(conf).toMatch(/^allow_anonymous false$/m);
    expect(conf).not.toMatch(/^allow_anonymous true$/m);
    const dynsecPath = /^plugin_opt_config_file (\S+)$/m.exec(conf)![1];
    expect(dynsecPath.endsWith(`/${DYNSEC_FILE}`)).toBe(true);

    const mosquitto = compose.services.mosquitto;
    expect(mosquitto.volumes).toContain('./docker/mosquitto.conf:/mosquitto/config/mosquitto.conf:ro');
    const authVolume = mosquitto.volumes!.find((v) => v.endsWith(`:${dirname(dynsecPath)}`))!;
    expect(authVolume).toBeDefined();
    const step = compose.services['mosquitto-auth'];
    const out = step.command![step.command!.indexOf('--out') + 1];
    expect(step.volumes).toContain(`${authVolume.split(':')[0]}:${out}`);
    expect(step.command).toEqual(expect.arrayContaining(['--chown', '1883:1883']));
    // Its service account is OreGuard's: the same name and password.
    expect(envOf('mosquitto-auth')).toMatchObject({ MQTT_USERNAME: envOf('oreguard').MQTT_USERNAME });
    expect(envOf('mosquitto').MQTT_PASSWORD.slice(0, 16)).toBe(envOf('oreguard').MQTT_PASSWORD.slice(0, 16));
    expect(mosquitto.healthcheck!.test.join(' ')).toMatch(/-u "\$\$MQTT_USERNAME" -P "\$\$MQTT_PASSWORD"/);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));

  it('copies only sources that exist, including every folder the build compiles', () => {
    for (const source of copied)
      expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const folder of build.include.map((glob) => glob.split('/')[0])) expect(copied).toContain(folder);
  });

  it('has a health check on the readiness endpoint', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/api\/v1\/health\/ready/m);
  });

  it('has a .dockerignore keeping local builds, dependencies and secrets out, and nothing the COPY lines need', () => {
    const ignored = readFileSync(join(root, '.dockerignore'), 'utf8')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('#'));
    for (const entry of ['node_modules', 'dist', '.env', '.git']) expect(ignored).toContain(entry);
    for (const source of copied)
      expect({ source, ignored: ignored.includes(source) }).toEqual({ source, ignored: false });
  });
});
