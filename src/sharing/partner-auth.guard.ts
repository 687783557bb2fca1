import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { createHash } from 'node:crypto';
import { CredentialThrottle } from 'src/auth/credential-throttle';
import { ApplicationError } from 'src/platform/application-error';
import { Clock } from 'src/platform/clock';
import { partnerCredentials, type PartnerCredentials } from './partner-credentials';
import { PARTNER_NAME } from './partners.http';
import { PartnersService, type Partner } from './partners.service';
import { TAXII_MEDIA_TYPE } from './taxii.http';

export type PartnerRequest = Request & { partner: Partner };

/** True when the Accept header allows TAXII 2.1 JSON (absent: anything is acceptable). */
export function acceptsTaxii(accept: string | undefined): boolean {
  if (!accept) return true;
  return accept.split(',').some((part) => {
    const [type, ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    if (type !== 'application/taxii+json') return false;
    const version = params.find((p) => p.startsWith('version='));
    return !version || version === 'version=2.1';
  });
}

/**
 * The name failed partner authentications are counted under in login_throttles (as the name as
 * typed is for user logins): the partner name of HTTP Basic, the partner id of a bearer token,
 * whether or not such a partner exists. A Basic name no partner could have (too long, characters
 * PostgreSQL text cannot hold) is counted under a digest of it, so the row stays small and storable.
 */
export function partnerThrottleName(credentials: PartnerCredentials): string {
  if (credentials.by === 'id') return `partner-token:${credentials.id}`;
  if (PARTNER_NAME.test(credentials.name)) return `partner:${credentials.name}`;
  return `partner:#${createHash('sha256').update(credentials.name).digest('hex').slice(0, 32)}`;
}

/**
 * The partner surfaces (TAXII and the MISP feed): only partner accounts (HTTP Basic or a partner bearer token), checked on
 * every request so a disabled partner stops at once; a user's token opens nothing here. Other
 * media types than TAXII 2.1 get 406; missing or wrong credentials 401 with WWW-Authenticate.
 * A guesser is slowed down as at login (CredentialThrottle: per partner name and address, and
 * per name from every address, growing waits, never a lockout): while it must wait, 429 with
 * Retry-After, which TAXII clients honour; known and unknown names get the same answers.
 */
@Injectable()
export class PartnerAuthGuard implements CanActivate {
  private readonly logger = new Logger(PartnerAuthGuard.name);

  constructor(
    private readonly partners: PartnersService,
    private readonly throttle: CredentialThrottle,
    private readonly clock: Clock,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PartnerRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    // The MISP feed (/misp/) is plain JSON and CSV; TAXII insists on its media type.
    if (request.path.startsWith('/taxii2') && !acceptsTaxii(request.headers.accept)) {
      throw new ApplicationError('request.not-acceptable', `Accept: this server answers ${TAXII_MEDIA_TYPE} only`);
    }
    const credentials = partnerCredentials(request.headers.authorization);
    const partner = credentials ? await this.authenticate(credentials, request.ip ?? 'unknown') : undefined;
    if (!partner) {
      response.setHeader('WWW-Authenticate', 'Basic realm="OreGuard sharing", Bearer realm="OreGuard sharing"');
      throw new ApplicationError(
        'auth.unauthenticated',
        'Partner credentials are required (HTTP Basic or a partner bearer token)',
      );
    }
    request.partner = partner;
    return true;
  }

  /** The partner, undefined for wrong credentials (counted); throws while these must wait. */
  private async authenticate(credentials: PartnerCredentials, address: string): Promise<Partner | undefined> {
    const name = partnerThrottleName(credentials);
    const now = this.clock.now();
    const retryAfterS = await this.throttle.retryAfterS(name, address, now);
    if (retryAfterS !== undefined) {
      this.logger.warn(`Throttled partner authentication as ${JSON.stringify(name.slice(0, 80))} from ${address}`);
      throw new ApplicationError(
        'auth.too-many-attempts',
        `Too many failed authentications: try again in ${retryAfterS} s`,
        { retryAfterS },
      );
    }
    const partner = await this.partners.authenticate(credentials);
    if (partner) {
      await this.throttle.succeeded(name, address, now);
      return partner;
    }
    const cost = await this.throttle.failed(name, address, now);
    this.logger.warn(
      `Failed partner authentication as ${JSON.stringify(name.slice(0, 80))} from ${address} (${cost.failuresFromAddress} from there, ${cost.failuresFromAll} in all)`,
    );
    return undefined;
  }
}
