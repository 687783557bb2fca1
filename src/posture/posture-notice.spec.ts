import type { Principal } from 'src/auth/principal';
import { receivesPostureNotice } from './posture-notice';

describe('who receives a posture notice on /live', () => {
  const operator = (siteIds: string[]): Principal => ({ userId: 'u1', username: 'op', role: 'operator', siteIds });
  const lead: Principal = { userId: 'u2', username: 'lead', role: 'lead', siteIds: [] };

  it("reaches the site's operators and the leads, never another site's operator", () => {
    expect(receivesPostureNotice(operator(['kolwezi-1']), { siteId: 'kolwezi-1', type: 'changed' })).toBe(true);
    expect(receivesPostureNotice(lead, { siteId: 'kolwezi-1', type: 'changed' })).toBe(true);
    expect(receivesPostureNotice(operator(['tarkwa-2']), { siteId: 'kolwezi-1', type: 'changed' })).toBe(false);
  });

  it('chases only the leads when the operators left a change unacknowledged', () => {
    expect(receivesPostureNotice(operator(['kolwezi-1']), { siteId: 'kolwezi-1', type: 'unacknowledged' })).toBe(false);
    expect(receivesPostureNotice(lead, { siteId: 'kolwezi-1', type: 'unacknowledged' })).toBe(true);
  });
});
