import { Module } from '@nestjs/common';
import { SharingPublisherService } from './sharing-publisher.service';

/** Publishing incidents' STIX objects for partners (worker role); the API's release uses it too. */
@Module({
  providers: [SharingPublisherService],
  exports: [SharingPublisherService],
})
export class SharingPublishingModule {}
