/** What the transports (HTTP, WebSocket) need from the core, in one object. */
import type { Actor, Command, CommandResult } from './protocol';
import type { CityModel } from './city';
import type { TokenIssuer } from './auth/tokens';
import type { UserDirectory } from './auth/users';
import type { ReadModel } from './read/queries';
import type { AvlIngest } from './units/avl';
import type { Metrics } from './metrics';
import type { MediaService } from '../media/MediaService';
import type { MediaAccess } from './media-access/access';
import type { RecordingPlayback } from './recordings/playback';

import type { AgentPresence } from './calls/presence';

export interface Services {
  nodeId: string;
  city: CityModel;
  tokens: TokenIssuer;
  users: UserDirectory;
  read: ReadModel;
  avl: AvlIngest;
  metrics: Metrics;
  /** The media plane (rooms, signalling); `available` is false when no worker runs here. */
  media: MediaService;
  /** Who may view media (grants), and the access log. */
  access: MediaAccess;
  /** Recording lists, playback URLs and files. */
  playback: RecordingPlayback;
  /** Which call takers have a console connected (a seat without one stops getting offers). */
  presence: AgentPresence;
  /** What the browser apps need before signing in (public). */
  clientConfig: { mapTileUrl: string | null; mapAttribution: string; protocolVersion: number };
  execute(actor: Actor, command: Command): Promise<CommandResult>;
  health(): Promise<{ ok: boolean; checks: Record<string, string> }>;
}
