/**
 * Incident types and response plans of the demo city. Every incident type has plans for
 * priorities 2 and 3 (so those lookups always succeed) plus whichever of 1 and 4 it
 * realistically uses. A plan only asks for capabilities of its incident type's agency kind.
 */
import type { Capability, IncidentType, ResponsePlan } from './schema';

export const incidentTypes: IncidentType[] = [
  // 公安 police
  { id: 'theft', agencyKind: 'police', name: 'Theft', nameZh: '盗窃' },
  { id: 'assault', agencyKind: 'police', name: 'Assault', nameZh: '殴打伤害' },
  { id: 'traffic-accident', agencyKind: 'police', name: 'Traffic Accident', nameZh: '交通事故' },
  { id: 'suspicious-person', agencyKind: 'police', name: 'Suspicious Person', nameZh: '可疑人员' },
  { id: 'disturbance', agencyKind: 'police', name: 'Disturbance', nameZh: '扰乱秩序' },
  // 消防 fire
  { id: 'structure-fire', agencyKind: 'fire', name: 'Structure Fire', nameZh: '建筑火灾' },
  { id: 'vehicle-fire', agencyKind: 'fire', name: 'Vehicle Fire', nameZh: '车辆火灾' },
  { id: 'hazmat-leak', agencyKind: 'fire', name: 'Hazardous Materials Leak', nameZh: '危化品泄漏' },
  { id: 'water-rescue', agencyKind: 'fire', name: 'Water Rescue', nameZh: '水域救援' },
  // 急救 ems
  { id: 'cardiac-arrest', agencyKind: 'ems', name: 'Cardiac Arrest', nameZh: '心脏骤停' },
  { id: 'injury', agencyKind: 'ems', name: 'Injury', nameZh: '外伤' },
  { id: 'breathing-problem', agencyKind: 'ems', name: 'Breathing Problem', nameZh: '呼吸困难' },
  // 城管 city management
  { id: 'road-damage', agencyKind: 'city', name: 'Road Damage', nameZh: '道路损坏' },
  { id: 'water-main-break', agencyKind: 'city', name: 'Water Main Break', nameZh: '供水管道爆裂' },
  { id: 'streetlight-out', agencyKind: 'city', name: 'Streetlight Out', nameZh: '路灯故障' },
  { id: 'noise-complaint', agencyKind: 'city', name: 'Noise Complaint', nameZh: '噪音投诉' },
];

type Timing = Pick<ResponsePlan, 'dispatchTargetSec' | 'arrivalTargetSec' | 'ackTimeoutSec'>;
type Priority = 1 | 2 | 3 | 4;

/** Emergency services (police, fire, EMS): minutes. */
const EMERGENCY: Record<Priority, Timing> = {
  1: { dispatchTargetSec: 60, arrivalTargetSec: 480, ackTimeoutSec: 30 },
  2: { dispatchTargetSec: 120, arrivalTargetSec: 900, ackTimeoutSec: 60 },
  3: { dispatchTargetSec: 600, arrivalTargetSec: 1800, ackTimeoutSec: 120 },
  4: { dispatchTargetSec: 1800, arrivalTargetSec: 3600, ackTimeoutSec: 300 },
};

/** City management: hours. */
const MUNICIPAL: Record<Priority, Timing> = {
  1: { dispatchTargetSec: 300, arrivalTargetSec: 1800, ackTimeoutSec: 120 },
  2: { dispatchTargetSec: 900, arrivalTargetSec: 3600, ackTimeoutSec: 180 },
  3: { dispatchTargetSec: 1800, arrivalTargetSec: 7200, ackTimeoutSec: 300 },
  4: { dispatchTargetSec: 3600, arrivalTargetSec: 14400, ackTimeoutSec: 600 },
};

type Need = [capability: Capability, count: number];
type PlanTable = Record<string, Partial<Record<Priority, Need[]>>>;

const plans: PlanTable = {
  theft: {
    1: [['patrol', 2]], // robbery / theft in progress
    2: [['patrol', 1]],
    3: [['patrol', 1]],
    4: [['patrol', 1]], // report only
  },
  assault: {
    1: [['patrol', 3], ['swat', 1]], // armed assailant
    2: [['patrol', 2]],
    3: [['patrol', 1]],
  },
  'traffic-accident': {
    1: [['traffic', 2]],
    2: [['traffic', 1]],
    3: [['traffic', 1]],
    4: [['traffic', 1]],
  },
  'suspicious-person': {
    1: [['patrol', 2], ['k9', 1]],
    2: [['patrol', 1]],
    3: [['patrol', 1]],
    4: [['patrol', 1]],
  },
  disturbance: {
    2: [['patrol', 2]],
    3: [['patrol', 1]],
    4: [['patrol', 1]],
  },
  'structure-fire': {
    1: [['fire-suppression', 3], ['aerial-ladder', 1], ['heavy-rescue', 1], ['command', 1]],
    2: [['fire-suppression', 2], ['aerial-ladder', 1]],
    3: [['fire-suppression', 1]], // smoke investigation
  },
  'vehicle-fire': {
    1: [['fire-suppression', 2]],
    2: [['fire-suppression', 1]],
    3: [['fire-suppression', 1]],
  },
  'hazmat-leak': {
    1: [['hazmat', 2], ['fire-suppression', 2], ['command', 1]],
    2: [['hazmat', 1], ['fire-suppression', 1]],
    3: [['hazmat', 1]],
  },
  'water-rescue': {
    1: [['water-rescue', 2], ['fire-suppression', 1]],
    2: [['water-rescue', 1]],
    3: [['water-rescue', 1]],
  },
  'cardiac-arrest': {
    1: [['als', 1], ['bls', 1]],
    2: [['als', 1]],
    3: [['als', 1]], // obvious death / confirmation
  },
  injury: {
    1: [['als', 1]],
    2: [['bls', 1]],
    3: [['bls', 1]],
    4: [['bls', 1]],
  },
  'breathing-problem': {
    1: [['als', 1]],
    2: [['als', 1]],
    3: [['bls', 1]],
    4: [['bls', 1]],
  },
  'road-damage': {
    1: [['road-repair', 2], ['tow', 1]], // collapse / sinkhole
    2: [['road-repair', 1]],
    3: [['road-repair', 1]],
    4: [['road-repair', 1]],
  },
  'water-main-break': {
    1: [['utilities', 2], ['road-repair', 1]],
    2: [['utilities', 1], ['road-repair', 1]],
    3: [['utilities', 1]],
  },
  'streetlight-out': {
    2: [['utilities', 1]],
    3: [['utilities', 1]],
    4: [['utilities', 1]],
  },
  'noise-complaint': {
    2: [['patrol', 1]],
    3: [['patrol', 1]],
    4: [['patrol', 1]],
  },
};

function buildPlans(): ResponsePlan[] {
  const out: ResponsePlan[] = [];
  for (const type of incidentTypes) {
    const table = plans[type.id];
    if (!table) throw new Error(`response plans: no plans for incident type "${type.id}"`);
    const timing = type.agencyKind === 'city' ? MUNICIPAL : EMERGENCY;
    for (const priority of [1, 2, 3, 4] as const) {
      const needs = table[priority];
      if (!needs) continue;
      out.push({
        incidentTypeId: type.id,
        priority,
        requirements: needs.map(([capability, count]) => ({ capability, count })),
        ...timing[priority],
      });
    }
  }
  return out;
}

export const responsePlans: ResponsePlan[] = buildPlans();
