import { Module } from '@nestjs/common';
import { AuditController } from './audit/audit.controller';
import { EvidenceKeysController } from './audit/evidence-keys.controller';
import { AuthModule } from './auth/auth.module';
import { RateLimitModule } from './auth/rate-limit.module';
import { EventsController } from './events/events.controller';
import { EventsService } from './events/events.service';
import { IncidentActionsService } from './incidents/incident-actions.service';
import { IncidentEvidenceService } from './incidents/incident-evidence.service';
import { IncidentsController } from './incidents/incidents.controller';
import { LegalHoldController } from './incidents/legal-hold.controller';
import { LegalHoldService } from './incidents/legal-hold.service';
import { IncidentsService } from './incidents/incidents.service';
import { StatsController } from './incidents/stats.controller';
import { StatsService } from './incidents/stats.service';
import { IngestionModule } from './ingestion/ingestion.module';
import { CorrelationModule } from './correlation/correlation.module';
import { DeadLettersController } from './correlation/dead-letters.controller';
import { DeadLettersService } from './correlation/dead-letters.service';
import { LiveModule } from './live/live.module';
import { MaterialController } from './material/material.controller';
import { MaterialService } from './material/material.service';
import { HealthController } from './platform/health.controller';
import { SiteHealthController } from './health/site-health.controller';
import { HealthModule } from './health/health.module';
import { SiteHealthService } from './health/site-health.service';
import { RulesController } from './rules/rules.controller';
import { RulesService } from './rules/rules.service';
import { SiteMapsService } from './sites/site-maps.service';
import { SitesController } from './sites/sites.controller';
import { SitesService } from './sites/sites.service';
import { AuthorizedDronesController } from './silences/authorized-drones.controller';
import { AuthorizedDronesService } from './silences/authorized-drones.service';
import { PostureController, PostureFloorsController } from './posture/posture.controller';
import { PostureModule } from './posture/posture.module';
import { SilencesController } from './silences/silences.controller';
import { SilencesService } from './silences/silences.service';
import { MispFeedController } from './sharing/misp-feed.controller';
import { PartnerAuthGuard } from './sharing/partner-auth.guard';
import { PartnersController } from './sharing/partners.controller';
import { PartnersService } from './sharing/partners.service';
import { SharingController } from './sharing/sharing.controller';
import { SharingPublishingModule } from './sharing/sharing-publishing.module';
import { SharingReleaseService } from './sharing/sharing-release.service';
import { TaxiiController } from './sharing/taxii.controller';
import { TaxiiService } from './sharing/taxii.service';

/** The REST controllers besides the imported modules' (auth's). Each handler carries its route contract (`@Route`). */
const API_CONTROLLERS = [
  IncidentsController,
  LegalHoldController,
  StatsController,
  EventsController,
  SitesController,
  HealthController,
  AuditController,
  EvidenceKeysController,
  SilencesController,
  AuthorizedDronesController,
  SiteHealthController,
  RulesController,
  DeadLettersController,
  PostureController,
  PostureFloorsController,
  MaterialController,
  PartnersController,
  SharingController,
  TaxiiController,
  MispFeedController,
];

/** The REST API and the live sockets. */
@Module({
  imports: [
    AuthModule,
    RateLimitModule,
    LiveModule,
    CorrelationModule,
    IngestionModule,
    HealthModule,
    PostureModule,
    SharingPublishingModule,
  ],
  controllers: API_CONTROLLERS,
  providers: [
    IncidentsService,
    LegalHoldService,
    IncidentActionsService,
    StatsService,
    EventsService,
    SitesService,
    SiteMapsService,
    IncidentEvidenceService,
    SilencesService,
    AuthorizedDronesService,
    SiteHealthService,
    RulesService,
    DeadLettersService,
    MaterialService,
    PartnersService,
    PartnerAuthGuard,
    SharingReleaseService,
    TaxiiService,
  ],
})
export class ApiModule {}
