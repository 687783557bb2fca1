import { SetMetadata } from '@nestjs/common';

export const NO_RATE_LIMIT = 'oreguard:no-rate-limit';

/** Exempts a controller or route from the REST rate limit: probes and scrapers must always get through. */
export const NoRateLimit = () => SetMetadata(NO_RATE_LIMIT, true);
