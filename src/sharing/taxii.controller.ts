import { Controller, Get, Param, Query, Req, Res, UseGuards } from '@nestjs/common';
import { OutsideRestApi } from 'src/platform/route-contract';
import type { Response } from 'express';
import { ApplicationError } from 'src/platform/application-error';
import { parseRequest } from 'src/platform/zod-request';
import { PartnerAuthGuard, type PartnerRequest } from './partner-auth.guard';
import { COLLECTION_ID, TAXII_API_ROOT, TaxiiService, type TaxiiPage } from './taxii.service';
import { STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, TaxiiObjectQuerySchema, TaxiiObjectsQuerySchema } from './taxii.http';
import { StixIdSchema } from 'src/domain/sharing/stix.schema';

const COLLECTION = {
  id: COLLECTION_ID,
  title: 'Indicators',
  description:
    'STIX 2.1 indicators, observables, observed data and sightings from incidents, as this partner may receive them',
  can_read: true,
  can_write: false,
  media_types: [STIX_MEDIA_TYPE],
};

function requireCollection(id: string): void {
  if (id !== COLLECTION_ID) throw new ApplicationError('resource.not-found', `No collection ${id}`);
}

/**
 * Writes a TAXII answer: the media type exactly as TAXII names it (Express would add a charset to
 * a string body), and the date_added headers of a page.
 */
export function sendTaxii(
  res: Response,
  body: object,
  page: { first?: string; last?: string } = {},
  status = 200,
): void {
  if (page.first) res.setHeader('X-TAXII-Date-Added-First', page.first);
  if (page.last) res.setHeader('X-TAXII-Date-Added-Last', page.last);
  res.status(status).setHeader('Content-Type', TAXII_MEDIA_TYPE);
  res.end(Buffer.from(JSON.stringify(body), 'utf8'));
}

/**
 * TAXII 2.1 (outside /api/v1): discovery, one API root, one read-only collection. Partner
 * accounts only; every answer is `application/taxii+json;version=2.1`.
 */
@OutsideRestApi('TAXII 2.1 (OASIS) specifies /taxii2/')
@Controller('taxii2')
@UseGuards(PartnerAuthGuard)
export class TaxiiController {
  constructor(private readonly taxii: TaxiiService) {}

  @Get()
  discovery(@Res() res: Response) {
    const root = `/taxii2/${TAXII_API_ROOT}/`;
    sendTaxii(res, {
      title: 'OreGuard',
      description: 'Indicators shared with partners',
      default: root,
      api_roots: [root],
    });
  }

  @Get(`${TAXII_API_ROOT}`)
  apiRoot(@Res() res: Response) {
    sendTaxii(res, { title: 'OreGuard sharing', versions: [TAXII_MEDIA_TYPE], max_content_length: 0 });
  }

  @Get(`${TAXII_API_ROOT}/collections`)
  collections(@Res() res: Response) {
    sendTaxii(res, { collections: [COLLECTION] });
  }

  @Get(`${TAXII_API_ROOT}/collections/:collection`)
  collection(@Res() res: Response, @Param('collection') collection: string) {
    requireCollection(collection);
    sendTaxii(res, COLLECTION);
  }

  @Get(`${TAXII_API_ROOT}/collections/:collection/objects`)
  objects(
    @Req() req: PartnerRequest,
    @Res() res: Response,
    @Param('collection') collection: string,
    @Query() query: unknown,
  ) {
    return this.page(res, collection, () =>
      this.taxii.objects(req.partner, parseRequest(TaxiiObjectsQuerySchema, query, 'query')),
    );
  }

  @Get(`${TAXII_API_ROOT}/collections/:collection/manifest`)
  manifest(
    @Req() req: PartnerRequest,
    @Res() res: Response,
    @Param('collection') collection: string,
    @Query() query: unknown,
  ) {
    return this.page(res, collection, () =>
      this.taxii.manifest(req.partner, parseRequest(TaxiiObjectsQuerySchema, query, 'query')),
    );
  }

  @Get(`${TAXII_API_ROOT}/collections/:collection/objects/:id`)
  object(
    @Req() req: PartnerRequest,
    @Res() res: Response,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Query() query: unknown,
  ) {
    return this.page(res, collection, () =>
      this.taxii.objects(
        req.partner,
        parseRequest(TaxiiObjectQuerySchema, query, 'query'),
        parseRequest(StixIdSchema, id, 'params'),
      ),
    );
  }

  @Get(`${TAXII_API_ROOT}/collections/:collection/objects/:id/versions`)
  versions(
    @Req() req: PartnerRequest,
    @Res() res: Response,
    @Param('collection') collection: string,
    @Param('id') id: string,
    @Query() query: unknown,
  ) {
    return this.page(res, collection, () =>
      this.taxii.versions(
        req.partner,
        parseRequest(StixIdSchema, id, 'params'),
        parseRequest(TaxiiObjectQuerySchema, query, 'query'),
      ),
    );
  }

  /**
   * The common steps of the collection's pages: the collection must be this one (404 before any
   * parsing), then the page (which parses its request: 400 naming the field) is sent with its
   * date_added headers.
   */
  private async page<T extends object>(res: Response, collection: string, load: () => Promise<TaxiiPage<T>>) {
    requireCollection(collection);
    const page = await load();
    sendTaxii(res, page.body, page);
  }
}
