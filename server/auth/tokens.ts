/**
 * Access tokens: an HMAC-SHA256-signed actor with an expiry. Stateless, so any server node that
 * shares AUTH_SECRET accepts a token issued by another.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { actor as actorSchema, type Actor } from '../protocol';
import { NotAuthenticated } from '../errors';
import { z } from 'zod';

const payloadSchema = z.object({ actor: actorSchema, exp: z.number() });

export class TokenIssuer {
  constructor(private readonly secret: string, private readonly ttlSec: number, private readonly now: () => Date) {}

  issue(actor: Actor): { token: string; expiresAt: string } {
    const exp = Math.floor(this.now().getTime() / 1000) + this.ttlSec;
    const body = Buffer.from(JSON.stringify({ actor, exp })).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt: new Date(exp * 1000).toISOString() };
  }

  verify(token: string): Actor {
    const [body, sig] = token.split('.');
    if (!body || !sig) throw new NotAuthenticated('malformed token');
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new NotAuthenticated('invalid token signature');
    let parsed;
    try {
      parsed = payloadSchema.safeParse(JSON.parse(Buffer.from(body, 'base64url').toString('utf8')));
    } catch {
      throw new NotAuthenticated('malformed token');
    }
    if (!parsed.success) throw new NotAuthenticated('malformed token');
    if (parsed.data.exp * 1000 < this.now().getTime()) throw new NotAuthenticated('token expired');
    return parsed.data.actor;
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url');
  }
}
