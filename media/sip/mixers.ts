/**
 * One conference mixer per call room, made the first time a phone leg of the room needs a mix
 * and gone with the room (the mixer closes itself when its room closes).
 */
import type { Logger } from '../../server/log';
import type { Room } from '../Room';
import { RoomMixer } from './RoomMixer';

const mixers = new WeakMap<Room, RoomMixer>();

export function mixerOf(room: Room, log: Logger): RoomMixer {
  let mixer = mixers.get(room);
  if (!mixer) {
    const made = new RoomMixer(room, log.child({ component: 'mixer', roomId: room.id }));
    made.on('close', () => {
      if (mixers.get(room) === made) mixers.delete(room);
    });
    mixers.set(room, made);
    mixer = made;
  }
  return mixer;
}

/** The room's mixer if one was made (metrics, tests). */
export function existingMixer(room: Room): RoomMixer | undefined {
  return mixers.get(room);
}
