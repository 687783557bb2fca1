import { z } from 'zod';
import { storableText } from '../storable-text';
import type { PostureLevel } from './posture-level';

/**
 * The published scales a posture may come from, each value mapped onto OreGuard's four levels.
 * `fpcon`: the US DoD force protection conditions; `uk-response`: the UK site response levels
 * (Heightened at a Severe national threat counts as high); `ntas`: the US national terrorism
 * advisory; `isps`: the ISPS Code's security levels at export ports; `oreguard`: the company's
 * own assessment, valued by level name. A scale has no value for some levels (ISPS has no
 * `elevated`).
 */
export const POSTURE_SCHEMES = {
  oreguard: { normal: 'normal', elevated: 'elevated', high: 'high', exceptional: 'exceptional' },
  fpcon: { normal: 'normal', alpha: 'elevated', bravo: 'high', charlie: 'high', delta: 'exceptional' },
  'uk-response': { normal: 'normal', heightened: 'elevated', 'heightened-severe': 'high', exceptional: 'exceptional' },
  ntas: { bulletin: 'elevated', elevated: 'high', imminent: 'exceptional' },
  isps: { '1': 'normal', '2': 'high', '3': 'exceptional' },
} as const satisfies Record<string, Record<string, PostureLevel>>;

export type PostureScheme = keyof typeof POSTURE_SCHEMES;
const SCHEMES = Object.keys(POSTURE_SCHEMES) as [PostureScheme, ...PostureScheme[]];

/** Where a posture came from: the scheme, its value there (any case), and a reference (a bulletin, a message id). */
export const PostureSourceSchema = z
  .strictObject({
    scheme: z.enum(SCHEMES),
    value: z.string().trim().toLowerCase().min(1).max(40),
    ref: storableText().trim().min(1).max(500).optional(),
  })
  .superRefine((s, ctx) => {
    const values = POSTURE_SCHEMES[s.scheme] as Record<string, PostureLevel>;
    if (!(s.value in values)) {
      ctx.addIssue({
        code: 'custom',
        path: ['value'],
        message: `${s.scheme} has no value "${s.value}"; one of ${Object.keys(values).join(', ')}`,
        input: s.value,
      });
    }
  });
export type PostureSource = z.infer<typeof PostureSourceSchema>;

/** The OreGuard level a (valid) source stands for: FPCON bravo is `high`, ISPS 3 is `exceptional`. */
export function levelOfSource(source: PostureSource): PostureLevel {
  return (POSTURE_SCHEMES[source.scheme] as Record<string, PostureLevel>)[source.value];
}
