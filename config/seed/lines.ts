/**
 * The demo city's phone lines: the national emergency numbers and the citizen service line,
 * each feeding one agency's ACD queue. 122 (road accidents) shares the police queue with 110
 * at a lower priority, so a 110 caller is answered first when both wait.
 */
import type { PhoneLine } from './schema';

export const lines: PhoneLine[] = [
  { number: '110', name: 'Police emergency', nameZh: '110报警', agencyId: 'police', priority: 1, emergency: true, answerTargetSec: 10, offerTimeoutSec: 10 },
  { number: '122', name: 'Road accidents', nameZh: '122交通事故报警', agencyId: 'police', priority: 2, emergency: true, answerTargetSec: 15, offerTimeoutSec: 10 },
  { number: '119', name: 'Fire and rescue', nameZh: '119火警', agencyId: 'fire', priority: 1, emergency: true, answerTargetSec: 10, offerTimeoutSec: 10 },
  { number: '120', name: 'Medical emergency', nameZh: '120急救', agencyId: 'ems', priority: 1, emergency: true, answerTargetSec: 10, offerTimeoutSec: 10 },
  { number: '12345', name: 'Citizen service line', nameZh: '12345市民服务热线', agencyId: 'city', priority: 3, emergency: false, answerTargetSec: 60, offerTimeoutSec: 15 },
];
