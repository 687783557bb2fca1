import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from 'src/audit/audit.service';
import { canSeeSite, seesAllSites, type Principal } from 'src/auth/principal';
import { Db } from 'src/database/db';
import { GatewayKeyring } from 'src/ingestion/gateway-keyring';
import { ApplicationError } from 'src/platform/application-error';
import type { IssuedCredentials } from './gateway-credentials';
import { SiteRegistry, type IssueResult } from './site-registry';

function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new ApplicationError('auth.forbidden', 'Only admins manage sites and gateways');
}

@Injectable()
export class SitesService {
  private readonly logger = new Logger(SitesService.name);

  constructor(
    private readonly db: Db,
    private readonly registry: SiteRegistry,
    private readonly keyring: GatewayKeyring,
    private readonly audit: AuditService,
  ) {}

  /** Admin: registers a site, or names one that so far only appeared on MQTT. Input is parsed after the role check. */
  async create(principal: Principal, input: () => { id: string; name: string; timeZone: string }) {
    requireAdmin(principal);
    const site = input();
    const result = await this.registry.createSite(site);
    if (!result.ok) throw new ApplicationError('resource.conflict', `id: site ${site.id} is already registered`);
    this.logger.log(`${result.claimed ? 'Claimed' : 'Registered'} site ${site.id} (by ${principal.username})`);
    await this.audit.record({
      actor: principal,
      action: result.claimed ? 'site.claimed' : 'site.created',
      target: site.id,
      details: site,
    });
    return result.site;
  }

  /** Admin: a gateway and its secret, shown in this answer only. */
  async createGateway(principal: Principal, input: () => { siteId: string; id: string; requireSigned: boolean }) {
    requireAdmin(principal);
    const { siteId, id, requireSigned } = input();
    const credentials = await this.issued(await this.registry.createGateway(siteId, id, requireSigned), siteId, id);
    this.logger.log(
      `Issued a secret to gateway ${siteId}/${id} (signing ${requireSigned ? 'required' : 'optional'}, by ${principal.username})`,
    );
    // Never the secret itself.
    await this.audit.record({
      actor: principal,
      action: 'gateway.secret-issued',
      target: `${siteId}/${id}`,
      details: { requireSigned },
    });
    return credentials;
  }

  /** Admin: replaces a gateway's secret; the new one is shown in this answer only. */
  async rotateSecret(principal: Principal, input: () => { siteId: string; gatewayId: string }) {
    requireAdmin(principal);
    const { siteId, gatewayId } = input();
    const credentials = await this.issued(await this.registry.rotateSecret(siteId, gatewayId), siteId, gatewayId);
    this.logger.log(`Rotated the secret of gateway ${siteId}/${gatewayId} (by ${principal.username})`);
    await this.audit.record({ actor: principal, action: 'gateway.secret-rotated', target: `${siteId}/${gatewayId}` });
    return credentials;
  }

  private async issued(result: IssueResult, siteId: string, gatewayId: string): Promise<IssuedCredentials> {
    if (!result.ok) {
      if (result.error === 'site-not-found')
        throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
      if (result.error === 'gateway-not-found')
        throw new ApplicationError('resource.not-found', `Gateway ${siteId}/${gatewayId} not found`);
      throw new ApplicationError(
        'resource.conflict',
        `id: gateway ${siteId}/${gatewayId} already has a secret (rotate it instead)`,
      );
    }
    // This instance checks signatures with the new secret at once; others within their refresh interval.
    await this.keyring.refresh();
    return result.credentials;
  }

  async list(principal: Principal) {
    const rows = await this.db.query<{
      id: string;
      name: string;
      time_zone: string;
      created_at: Date;
      gateways: object[];
    }>(
      `SELECT s.id, s.name, s.time_zone, s.created_at,
              COALESCE(json_agg(json_build_object('id', g.id, 'state', g.state, 'stateAt', g.state_at,
                                                 'requireSigned', g.require_signed, 'secretIssuedAt', g.secret_issued_at) ORDER BY g.id)
                       FILTER (WHERE g.id IS NOT NULL), '[]') AS gateways
         FROM sites s LEFT JOIN gateways g ON g.site_id = s.id
        WHERE $1::boolean OR s.id = ANY($2)
        GROUP BY s.id ORDER BY s.id`,
      [seesAllSites(principal), principal.siteIds],
    );
    return {
      items: rows.map((r) => ({
        id: r.id,
        name: r.name,
        timeZone: r.time_zone,
        createdAt: r.created_at.toISOString(),
        gateways: r.gateways,
      })),
    };
  }

  async sensors(principal: Principal, siteId: string) {
    if (!canSeeSite(principal, siteId))
      throw new ApplicationError('site.forbidden', `Site ${siteId} is not one of your sites`);
    const [site] = await this.db.query('SELECT 1 FROM sites WHERE id = $1', [siteId]);
    if (!site) throw new ApplicationError('resource.not-found', `Site ${siteId} not found`);
    const rows = await this.db.query<{
      id: string;
      gateway_id: string;
      network: string;
      state: string | null;
      state_at: Date | null;
      state_reason: string | null;
      zones: { zone: string; source: 'learned' | 'admin' }[];
    }>(
      `SELECT s.id, s.gateway_id, s.network, s.state, s.state_at, s.state_reason,
              COALESCE((SELECT json_agg(json_build_object('zone', z.zone, 'source', z.source) ORDER BY z.zone)
                          FROM sensor_zones z WHERE z.site_id = s.site_id AND z.sensor_id = s.id), '[]') AS zones
         FROM sensors s WHERE s.site_id = $1 ORDER BY s.id`,
      [siteId],
    );
    return {
      items: rows.map((r) => ({
        sensorId: r.id,
        gatewayId: r.gateway_id,
        network: r.network,
        state: r.state,
        stateAt: r.state_at?.toISOString() ?? null,
        stateReason: r.state_reason,
        // The zones it covers: learned from its events, or set by an admin (PUT …/zones).
        zones: r.zones,
      })),
    };
  }
}
