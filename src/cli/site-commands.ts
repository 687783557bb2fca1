import { loadConfig } from 'src/config/app-config';
import { Db } from 'src/database/db';
import { SecretBox } from 'src/sites/secret-box';
import { SiteRegistry } from 'src/sites/site-registry';
import { CreateGatewaySchema, CreateSiteSchema } from 'src/sites/sites.http';
import { emit, type CliCommand } from './cli-command';

/** Runs fn with a registry on the configured database (DATABASE_URL, GATEWAY_SECRET_KEY), then closes it. */
async function withRegistry<T>(fn: (registry: SiteRegistry) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const db = new Db(config.database.url, 1);
  try {
    return await fn(new SiteRegistry(db, new SecretBox(config.gateways.secretKey)));
  } finally {
    await db.close();
  }
}

function parsed<T>(
  result:
    { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } },
): T {
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new Error(`${issue.path.map(String).join('.') || 'input'}: ${issue.message}`);
}

/** The registry from a terminal: the same rules as POST /sites and POST /sites/{id}/gateways. */
export const siteCommands: CliCommand[] = [
  {
    name: 'sites:create',
    usage: 'sites:create <id> <name> <timeZone>   register a site (or name one first seen on MQTT)',
    async run(args, out) {
      const [id, name, timeZone] = args;
      const input = parsed(CreateSiteSchema.safeParse({ id, name, timeZone }));
      const result = await withRegistry((registry) => registry.createSite(input));
      if (!result.ok) throw new Error(`id: site ${input.id} is already registered`);
      emit(out, { ...result.site, claimed: result.claimed }, () =>
        out.line(
          `${result.claimed ? 'Claimed' : 'Registered'} site ${result.site.id} (${result.site.name}, ${result.site.timeZone})`,
        ),
      );
    },
  },
  {
    name: 'sites:list',
    usage: 'sites:list   every site, registered or first seen on MQTT, with its gateway count',
    async run(_args, out) {
      const sites = await withRegistry((registry) => registry.listSites());
      emit(out, { items: sites }, () => {
        for (const s of sites) {
          out.line(
            `${s.id}\t${s.name}\t${s.timeZone}\t${s.registered ? 'registered' : 'seen on MQTT'}\t${s.gateways} gateway(s)`,
          );
        }
      });
    },
  },
  {
    name: 'gateways:create',
    usage: 'gateways:create <siteId> <gatewayId> [--require-signed]   create a gateway; prints its secret once',
    async run(args, out) {
      const [siteId, id] = args.filter((a) => !a.startsWith('--'));
      const input = parsed(CreateGatewaySchema.safeParse({ id, requireSigned: args.includes('--require-signed') }));
      const site = parsed(CreateSiteSchema.shape.id.safeParse(siteId));
      const result = await withRegistry((registry) => registry.createGateway(site, input.id, input.requireSigned));
      if (!result.ok) {
        throw new Error(
          result.error === 'site-not-found'
            ? `Site ${site} not found`
            : `id: gateway ${site}/${input.id} already has a secret`,
        );
      }
      const c = result.credentials;
      if (out.json) return emit(out, c, () => undefined);
      out.line(
        `Created gateway ${c.siteId}/${c.gatewayId} (signed events ${c.requireSigned ? 'required' : 'optional'})`,
      );
      out.line(`secret        ${c.secret}`);
      out.line(`mqttUsername  ${c.mqttUsername}`);
      out.line(`mqttPassword  ${c.mqttPassword}`);
      out.line(
        'The secret is shown this once: store it on the gateway now. Then regenerate the broker files (npm run gateways:mosquitto).',
      );
    },
  },
];
