/**
 * The few error classes a client can see, each with a stable `code` and HTTP status, mapped
 * to a reply in one place for HTTP (`toHttp`) and one for WebSocket (`toNack`).
 */
import type { ZodError } from 'zod';

export abstract class BeaconError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
}
export class ValidationError extends BeaconError {
  readonly code = 'validation_failed';
  readonly status = 400;
  static fromZod(err: ZodError, what: string): ValidationError {
    const details = err.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    return new ValidationError(`invalid ${what}: ${details.join('; ')}`);
  }
}
export class NotAuthenticated extends BeaconError {
  readonly code = 'not_authenticated';
  readonly status = 401;
}
export class NotAuthorized extends BeaconError {
  readonly code = 'not_authorized';
  readonly status = 403;
}
export class NotFound extends BeaconError {
  readonly code = 'not_found';
  readonly status = 404;
}
export class Conflict extends BeaconError {
  readonly code = 'conflict';
  readonly status = 409;
}
export class RejectedByStateMachine extends BeaconError {
  readonly code = 'rejected_by_state_machine';
  readonly status = 409;
}
export class Unavailable extends BeaconError {
  readonly code = 'unavailable';
  readonly status = 503;
}

/** The media plane is off or has no worker (binary missing, all workers down). */
export class MediaUnavailable extends BeaconError {
  readonly code = 'media_unavailable';
  readonly status = 503;
}
/** mediasoup refused a media request (parameters it cannot use, a closed object). */
export class MediaRejected extends BeaconError {
  readonly code = 'media_rejected';
  readonly status = 400;
}

/** Whatever was thrown, as a client-safe { status, code, message }. Unknown errors hide details. */
export function describeError(err: unknown): { status: number; code: string; message: string } {
  if (err instanceof BeaconError) return { status: err.status, code: err.code, message: err.message };
  return { status: 500, code: 'internal_error', message: 'internal error; the command was not applied' };
}

/** Throws at compile time when a switch misses a case. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}
