/** Structured logging (pino). One root logger; modules take children with a `component`. */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string, nodeId: string): Logger {
  return pino({ level, base: { node: nodeId }, timestamp: pino.stdTimeFunctions.isoTime });
}
