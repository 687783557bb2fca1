import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { EnvSchema } from '../../src/config/env.schema';

const root = join(__dirname, '..', '..');

interface Service {
  image?: string;
  build?: string;
  restart?: string;
  healthcheck?: { test: string[] };
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
}

/**
 * No Docker engine runs where the tests run: what can be checked without one is that the
 * compose file parses, that each service is supervised, and that what it names exists.
 */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
  const services = Object.entries(compose.services);

  it('gives every service a restart policy and a health check', () => {
    expect(services.length).toBeGreaterThanOrEqual(4);
    for (const [name, service] of services) {
      expect({ name, restart: service.restart }).toEqual({ name, restart: 'unless-stopped' });
      expect({ name, healthcheck: Array.isArray(service.healthcheck?.test) }).toEqual({ name, healthcheck: true });
    }
  });

  it("checks OreGuard's health on its readiness endpoint and starts it once its dependencies are healthy", () => {
    const oreguard = compose.services.oreguard;
    expect(oreguard.healthcheck!.test.join(' ')).toContain('/api/v1/health/ready');
    for (const dependency of ['postgres', 'redis', 'mosquitto']) {
      expect(oreguard.depends_on?.[dependency]).toEqual({ condition: 'service_healthy' });
    }
  });

  it('sets only variables OreGuard reads', () => {
    const known = new Set(Object.keys(EnvSchema.shape));
    const unknown = Object.keys(compose.services.oreguard.environment ?? {}).filter((name) => !known.has(name));
    expect(unknown).toEqual([]);
  });

  it('mounts files that exist', () => {
    for (const [, service] of services) {
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0];
        if (source.startsWith('.')) expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
      }
    }
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');

  it('copies only sources that exist, including every folder the build compiles', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1].split(/\s+/));
    for (const source of copied) expect({ source, exists: existsSync(join(root, source)) }).toEqual({ source, exists: true });
    const build = JSON.parse(readFileSync(join(root, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const folder of build.include.map((glob) => glob.split('/')[0])) expect(copied).toContain(folder);
  });

  it('has a health check on the readiness endpoint', () => {
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/api\/v1\/health\/ready/m);
  });
});
