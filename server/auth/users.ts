/**
 * Sign-in for the seeded users (the demo city's dispatchers, units, auditor...). Passwords are
 * compared against a scrypt hash computed once at start-up.
 */
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import type { DemoUser } from '../../config/seed/schema';
import type { Actor } from '../protocol';
import { NotAuthenticated } from '../errors';

export class UserDirectory {
  private readonly users = new Map<string, DemoUser>();
  private readonly salt = randomBytes(16);
  private readonly hash: Buffer;

  constructor(users: DemoUser[], password: string) {
    for (const u of users) this.users.set(u.username, u);
    this.hash = scryptSync(password, this.salt, 32);
  }

  authenticate(username: string, password: string): Actor {
    const user = this.users.get(username);
    const given = scryptSync(password, this.salt, 32);
    if (!user || !timingSafeEqual(given, this.hash)) throw new NotAuthenticated('wrong username or password');
    return this.actorOf(user);
  }

  actorOf(user: DemoUser): Actor {
    return {
      id: `user:${user.username}`, username: user.username, role: user.role, agencyId: user.agencyId,
      jurisdiction: user.jurisdiction, unitId: user.unitId ?? null,
    };
  }

  find(username: string): Actor | null {
    const u = this.users.get(username);
    return u ? this.actorOf(u) : null;
  }
}

export const SYSTEM_ACTOR: Actor = { id: 'system', username: 'system', role: 'system', agencyId: null, jurisdiction: 'city', unitId: null };
