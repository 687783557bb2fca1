import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApplicationError } from 'src/platform/application-error';
import { partnerCredentials } from './partner-credentials';
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
 * The partner surfaces (TAXII and the MISP feed): only partner accounts (HTTP Basic or a partner bearer token), checked on
 * every request so a disabled partner stops at once; a user's token opens nothing here. Other
 * media types than TAXII 2.1 get 406; missing or wrong credentials 401 with WWW-Authenticate.
 */
@Injectable()
export class PartnerAuthGuard implements CanActivate {
  constructor(private readonly partners: PartnersService) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<PartnerRequest>();
    const response = context.switchToHttp().getResponse<Response>();
    // The MISP feed (/misp/) is plain JSON and CSV; TAXII insists on its media type.
    if (request.path.startsWith('/taxii2') && !acceptsTaxii(request.headers.accept)) {
      throw new ApplicationError('request.not-acceptable', `Accept: this server answers ${TAXII_MEDIA_TYPE} only`);
    }
    const credentials = partnerCredentials(request.headers.authorization);
    const partner = credentials ? await this.partners.authenticate(credentials) : undefined;
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
}
