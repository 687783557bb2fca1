import { Controller, Get, Inject, Param, Req, Res, UseGuards } from '@nestjs/common';
import { OutsideRestApi } from 'src/platform/route-contract';
import type { Response } from 'express';
import { APP_CONFIG, type AppConfig } from 'src/config/app-config';
import { organisationIdentity } from 'src/domain/sharing/incident-stix';
import { mispEvent, mispHashes, mispManifest, type MispEvent } from 'src/domain/sharing/misp-feed';
import { ApplicationError } from 'src/platform/application-error';
import { PartnerAuthGuard, type PartnerRequest } from './partner-auth.guard';
import type { Partner } from './partners.service';
import { TaxiiService } from './taxii.service';

/**
 * The same content as TAXII, as a MISP feed (manifest.json, hashes.csv, one <uuid>.json per
 * incident) for partners whose MISP pulls feeds. Same accounts, same projection, same check.
 */
@OutsideRestApi('the MISP feed format specifies /misp/')
@Controller('misp')
@UseGuards(PartnerAuthGuard)
export class MispFeedController {
  constructor(
    private readonly taxii: TaxiiService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  private async events(partner: Partner): Promise<MispEvent[]> {
    const identity = organisationIdentity(this.config.sharing.organisation);
    const org = { name: String(identity.name), uuid: identity.id.slice(identity.id.indexOf('--') + 2) };
    const groups = await this.taxii.byIncident(partner);
    return [...groups].flatMap(([incidentId, objects]) => mispEvent(incidentId, objects, org) ?? []);
  }

  @Get('manifest.json')
  async manifest(@Req() req: PartnerRequest) {
    return mispManifest(await this.events(req.partner));
  }

  @Get('hashes.csv')
  async hashes(@Req() req: PartnerRequest, @Res() res: Response) {
    res.type('text/csv').send(mispHashes(await this.events(req.partner)));
  }

  @Get(':file')
  async event(@Req() req: PartnerRequest, @Param('file') file: string) {
    const uuid = /^([0-9a-f-]{36})\.json$/.exec(file)?.[1];
    const event = uuid ? (await this.events(req.partner)).find((e) => e.Event.uuid === uuid) : undefined;
    if (!event) throw new ApplicationError('resource.not-found', `No event ${file}`);
    return event;
  }
}
