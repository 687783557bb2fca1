import type { Db } from 'src/database/db';
import { mqttPasswordFor, mqttUsername, newGatewaySecret, type IssuedCredentials } from './gateway-credentials';
import type { SecretBox } from './secret-box';

export interface RegisteredSite {
  id: string;
  name: string;
  timeZone: string;
  createdAt: string;
  registeredAt: string;
}

/** A gateway's signing settings and secret, decrypted: what the ingest check and the broker files need. */
export interface GatewayKey {
  siteId: string;
  gatewayId: string;
  requireSigned: boolean;
  /** Undefined when none was issued, or it cannot be decrypted under the configured key. */
  secret?: string;
}

export type SiteResult = { ok: true; site: RegisteredSite; claimed: boolean } | { ok: false; error: 'site-exists' };
export type IssueResult =
  | { ok: true; credentials: IssuedCredentials }
  | { ok: false; error: 'site-not-found' | 'gateway-exists' | 'gateway-not-found' };

const identity = (siteId: string, gatewayId: string) => `${siteId}/${gatewayId}`;

/**
 * The site and gateway registry as admins change it (REST, CLI) and the broker files read it.
 * Sites and gateways first seen on MQTT are registered on the fly without a name or secret;
 * an admin may claim them: a site gets its name and time zone, a gateway its secret.
 */
export class SiteRegistry {
  constructor(
    private readonly db: Db,
    private readonly box: SecretBox,
  ) {}

  /** Registers a site, or claims one that only MQTT traffic registered; a site registered before is taken. */
  async createSite(input: { id: string; name: string; timeZone: string }): Promise<SiteResult> {
    const rows = await this.db.query<{
      id: string;
      name: string;
      time_zone: string;
      created_at: Date;
      registered_at: Date;
      claimed: boolean;
    }>(
      `INSERT INTO sites (id, name, time_zone, registered_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, time_zone = EXCLUDED.time_zone, registered_at = EXCLUDED.registered_at
         WHERE sites.registered_at IS NULL
       RETURNING id, name, time_zone, created_at, registered_at, (xmax <> 0) AS claimed`,
      [input.id, input.name, input.timeZone],
    );
    const row = rows[0];
    if (!row) return { ok: false, error: 'site-exists' };
    return {
      ok: true,
      claimed: row.claimed,
      site: {
        id: row.id,
        name: row.name,
        timeZone: row.time_zone,
        createdAt: row.created_at.toISOString(),
        registeredAt: row.registered_at.toISOString(),
      },
    };
  }

  /**
   * Creates a gateway with a new secret, or issues one to a gateway that so far only published.
   * A gateway that already has a secret is taken (rotateSecret replaces it).
   */
  async createGateway(siteId: string, gatewayId: string, requireSigned: boolean): Promise<IssueResult> {
    const secret = newGatewaySecret();
    return this.db.transaction(async (tx) => {
      const site = await tx.query('SELECT 1 FROM sites WHERE id = $1 FOR SHARE', [siteId]);
      if (site.rowCount === 0) return { ok: false, error: 'site-not-found' } as const;
      const { rows } = await tx.query<{ require_signed: boolean; secret_issued_at: Date }>(
        `INSERT INTO gateways (site_id, id, require_signed, secret_ciphertext, secret_issued_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (site_id, id) DO UPDATE
           SET require_signed = EXCLUDED.require_signed, secret_ciphertext = EXCLUDED.secret_ciphertext,
               secret_issued_at = EXCLUDED.secret_issued_at
           WHERE gateways.secret_issued_at IS NULL
         RETURNING require_signed, secret_issued_at`,
        [siteId, gatewayId, requireSigned, this.box.seal(secret, identity(siteId, gatewayId))],
      );
      if (!rows[0]) return { ok: false, error: 'gateway-exists' } as const;
      return {
        ok: true,
        credentials: credentials(siteId, gatewayId, rows[0].require_signed, secret, rows[0].secret_issued_at),
      } as const;
    });
  }

  /** Replaces a gateway's secret: the old one stops working for signatures at once, for the broker once its files are regenerated. */
  async rotateSecret(siteId: string, gatewayId: string): Promise<IssueResult> {
    const secret = newGatewaySecret();
    const rows = await this.db.query<{ require_signed: boolean; secret_issued_at: Date }>(
      `UPDATE gateways SET secret_ciphertext = $3, secret_issued_at = now()
        WHERE site_id = $1 AND id = $2 RETURNING require_signed, secret_issued_at`,
      [siteId, gatewayId, this.box.seal(secret, identity(siteId, gatewayId))],
    );
    if (!rows[0]) return { ok: false, error: 'gateway-not-found' };
    return {
      ok: true,
      credentials: credentials(siteId, gatewayId, rows[0].require_signed, secret, rows[0].secret_issued_at),
    };
  }

  async listSites(): Promise<{ id: string; name: string; timeZone: string; registered: boolean; gateways: number }[]> {
    const rows = await this.db.query<{
      id: string;
      name: string;
      time_zone: string;
      registered: boolean;
      gateways: number;
    }>(
      `SELECT s.id, s.name, s.time_zone, s.registered_at IS NOT NULL AS registered, count(g.id)::int AS gateways
         FROM sites s LEFT JOIN gateways g ON g.site_id = s.id GROUP BY s.id ORDER BY s.id`,
    );
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      timeZone: r.time_zone,
      registered: r.registered,
      gateways: r.gateways,
    }));
  }

  /**
   * Every gateway that must sign or has a secret, decrypted. A secret that does not decrypt
   * (GATEWAY_SECRET_KEY changed) is reported through onUnreadable, never shown.
   */
  async gatewayKeys(
    onUnreadable: (siteId: string, gatewayId: string) => void = () => undefined,
  ): Promise<GatewayKey[]> {
    const rows = await this.db.query<{
      site_id: string;
      id: string;
      require_signed: boolean;
      secret_ciphertext: string | null;
    }>(
      `SELECT site_id, id, require_signed, secret_ciphertext FROM gateways
        WHERE require_signed OR secret_ciphertext IS NOT NULL ORDER BY site_id, id`,
    );
    return rows.map((row) => {
      let secret: string | undefined;
      if (row.secret_ciphertext) {
        try {
          secret = this.box.open(row.secret_ciphertext, identity(row.site_id, row.id));
        } catch {
          onUnreadable(row.site_id, row.id);
        }
      }
      return { siteId: row.site_id, gatewayId: row.id, requireSigned: row.require_signed, secret };
    });
  }
}

function credentials(
  siteId: string,
  gatewayId: string,
  requireSigned: boolean,
  secret: string,
  issuedAt: Date,
): IssuedCredentials {
  return {
    siteId,
    gatewayId,
    requireSigned,
    secret,
    mqttUsername: mqttUsername(siteId, gatewayId),
    mqttPassword: mqttPasswordFor(secret),
    secretIssuedAt: issuedAt.toISOString(),
  };
}
