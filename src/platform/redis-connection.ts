import type { RedisOptions } from 'bullmq';

/** BullMQ connection options for REDIS_URL; workers need maxRetriesPerRequest null. */
export function bullConnection(url: string): RedisOptions {
  return { url, maxRetriesPerRequest: null, enableOfflineQueue: true };
}
