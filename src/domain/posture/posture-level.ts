import { z } from 'zod';

/** A site's threat posture, from least to most guarded. */
export const POSTURE_LEVELS = ['normal', 'elevated', 'high', 'exceptional'] as const;
export const PostureLevelSchema = z.enum(POSTURE_LEVELS);
export type PostureLevel = z.infer<typeof PostureLevelSchema>;

/** 0 for `normal` up to 3 for `exceptional`. */
export function postureRank(level: PostureLevel): number {
  return POSTURE_LEVELS.indexOf(level);
}

export function maxPosture(a: PostureLevel, b: PostureLevel): PostureLevel {
  return postureRank(a) >= postureRank(b) ? a : b;
}
