/**
 * Geography of the demo city "Beacon City / 灯塔市": the boundary, three districts, streets,
 * agencies and stations. All positions are written in local km (x east, y north of the city
 * centre, lon 120.16 / lat 30.26) and converted with `at()`.
 *
 * The city is a 12 km × 10 km rectangle (x −6…6, y −5…5). A slanted line from (−1.5, 5) to
 * (−2.5, −5) separates 西湖区 West Lake (west) from the east; the river line from the
 * junction J = (−1.92, 0.8) to (6, −0.6) separates 上城区 Old Town (north) from 滨江区
 * Riverside (south). Districts share their edge vertices exactly, so they tile the city.
 */
import type { Agency, District, Station, CitySeed } from './schema';
import { at, polygonKm, type Km } from './geometry';

type Street = CitySeed['streets'][number];

// Shared vertices (km).
const SW: Km = [-6, -5];
const SE: Km = [6, -5];
const NE: Km = [6, 5];
const NW: Km = [-6, 5];
const WEST_N: Km = [-1.5, 5]; // West Lake / Old Town edge meets the north boundary
const WEST_S: Km = [-2.5, -5]; // West Lake / Riverside edge meets the south boundary
const JUNCTION: Km = [-1.92, 0.8]; // where the river meets the West Lake edge (on the WEST_N–WEST_S line)
const RIVER_E: Km = [6, -0.6]; // river meets the east boundary

export const CITY_ID = 'beacon-city';

export const cityBoundary = polygonKm([SW, WEST_S, SE, RIVER_E, NE, WEST_N, NW]);

export const DISTRICT_IDS = ['xihu', 'shangcheng', 'binjiang'] as const;
export type DistrictId = (typeof DISTRICT_IDS)[number];

export const districts: District[] = [
  {
    id: 'xihu',
    name: 'West Lake District',
    nameZh: '西湖区',
    boundary: polygonKm([SW, WEST_S, JUNCTION, WEST_N, NW]),
  },
  {
    id: 'shangcheng',
    name: 'Old Town District',
    nameZh: '上城区',
    boundary: polygonKm([JUNCTION, RIVER_E, NE, WEST_N]),
  },
  {
    id: 'binjiang',
    name: 'Riverside District',
    nameZh: '滨江区',
    boundary: polygonKm([WEST_S, SE, RIVER_E, JUNCTION]),
  },
];

export const agencies: Agency[] = [
  { id: 'police', name: 'Beacon City Public Security Bureau', nameZh: '灯塔市公安局', kind: 'police' },
  { id: 'fire', name: 'Beacon City Fire and Rescue Detachment', nameZh: '灯塔市消防救援支队', kind: 'fire' },
  { id: 'ems', name: 'Beacon City Emergency Medical Center (120)', nameZh: '灯塔市急救中心（120）', kind: 'ems' },
  { id: 'city', name: 'Beacon City Urban Management Bureau', nameZh: '灯塔市城市管理局', kind: 'city' },
];

type StreetRow = [id: string, districtId: DistrictId, name: string, nameZh: string, path: Km[]];

const streetRows: StreetRow[] = [
  // 西湖区 West Lake
  ['beishan-rd', 'xihu', 'Beishan Road', '北山路', [[-5.2, 3.6], [-3.8, 4.2], [-2.4, 4.3]]],
  ['wensan-rd', 'xihu', 'Wensan Road', '文三路', [[-5.5, 4.8], [-2.0, 4.8]]],
  ['yanggong-cswy', 'xihu', 'Yanggong Causeway', '杨公堤', [[-5.0, 3.0], [-5.1, 0.5], [-4.8, -1.5]]],
  ['longjing-rd', 'xihu', 'Longjing Road', '龙井路', [[-5.8, -0.8], [-4.6, -2.4], [-3.6, -3.8]]],
  ['shuguang-rd', 'xihu', 'Shuguang Road', '曙光路', [[-4.6, 4.6], [-4.2, 2.2], [-3.0, 1.0]]],
  ['tianmushan-rd', 'xihu', 'Tianmushan Road', '天目山路', [[-5.9, 2.0], [-2.3, 2.0]]],
  ['hupao-rd', 'xihu', 'Hupao Road', '虎跑路', [[-3.4, -0.5], [-3.2, -2.5], [-3.0, -4.6]]],
  // 上城区 Old Town
  ['zhongshan-rd', 'shangcheng', 'Zhongshan Road', '中山路', [[0.0, 4.6], [0.2, 2.0], [0.4, 0.8]]],
  ['yanan-rd', 'shangcheng', "Yan'an Road", '延安路', [[-1.0, 4.5], [-1.0, 1.5]]],
  ['jiefang-rd', 'shangcheng', 'Jiefang Road', '解放路', [[-1.2, 3.0], [2.5, 3.0], [5.5, 3.2]]],
  ['qingchun-rd', 'shangcheng', 'Qingchun Road', '庆春路', [[-1.0, 4.0], [5.6, 4.2]]],
  ['hefang-st', 'shangcheng', 'Hefang Street', '河坊街', [[-0.8, 1.6], [1.8, 1.4]]],
  ['jianguo-rd', 'shangcheng', 'Jianguo Road', '建国路', [[2.8, 4.8], [2.9, 1.0], [3.0, 0.6]]],
  ['qiutao-rd', 'shangcheng', 'Qiutao Road', '秋涛路', [[3.8, 2.5], [5.2, 0.5]]],
  // 滨江区 Riverside
  ['jiangnan-ave', 'binjiang', 'Jiangnan Avenue', '江南大道', [[-1.5, -1.0], [2.0, -1.5], [5.8, -2.0]]],
  ['binsheng-rd', 'binjiang', 'Binsheng Road', '滨盛路', [[-1.8, -2.5], [5.5, -2.6]]],
  ['jiangling-rd', 'binjiang', 'Jiangling Road', '江陵路', [[1.0, -0.4], [1.2, -4.6]]],
  ['changhe-rd', 'binjiang', 'Changhe Road', '长河路', [[-1.5, -3.5], [0.5, -4.0], [3.5, -4.3]]],
  ['wentao-rd', 'binjiang', 'Wentao Road', '闻涛路', [[-1.0, 0.2], [2.0, -0.4], [5.5, -1.0]]],
  ['xixing-rd', 'binjiang', 'Xixing Road', '西兴路', [[3.8, -0.6], [4.0, -4.8]]],
];

export const streets: Street[] = streetRows.map(([id, districtId, name, nameZh, path]) => ({
  id,
  districtId,
  name,
  nameZh,
  geometry: { type: 'LineString', coordinates: path.map(([x, y]) => at(x, y)) },
}));

type StationRow = [id: string, agencyId: string, districtId: DistrictId, name: string, nameZh: string, pos: Km];

const stationRows: StationRow[] = [
  // 公安 police
  ['st-police-hq', 'police', 'shangcheng', 'Police HQ Command Station', '公安局指挥中心警务站', [1.5, 3.0]],
  ['st-police-xihu', 'police', 'xihu', 'West Lake Police Station', '西湖派出所', [-4.0, 2.0]],
  ['st-police-shangcheng', 'police', 'shangcheng', 'Old Town Police Station', '上城派出所', [4.5, 2.0]],
  ['st-police-binjiang', 'police', 'binjiang', 'Riverside Police Station', '滨江派出所', [2.0, -3.0]],
  // 消防 fire
  ['st-fire-xihu', 'fire', 'xihu', 'West Lake Fire Station', '西湖消防救援站', [-4.5, -2.0]],
  ['st-fire-shangcheng', 'fire', 'shangcheng', 'Old Town Fire Station', '上城消防救援站', [0.5, 2.0]],
  ['st-fire-binjiang', 'fire', 'binjiang', 'Riverside Fire Station', '滨江消防救援站', [0.0, -3.0]],
  ['st-fire-binjiang-east', 'fire', 'binjiang', 'Riverside East Fire Station', '滨江东消防救援站', [4.5, -3.0]],
  // 急救 ems
  ['st-ems-xihu', 'ems', 'xihu', 'West Lake Ambulance Post', '西湖急救站', [-3.5, 0.0]],
  ['st-ems-shangcheng', 'ems', 'shangcheng', 'Old Town Ambulance Post', '上城急救站', [3.0, 3.5]],
  ['st-ems-binjiang', 'ems', 'binjiang', 'Riverside Ambulance Post', '滨江急救站', [2.5, -2.0]],
  // 城管 city management
  ['st-city-shangcheng', 'city', 'shangcheng', 'Old Town Municipal Depot', '上城城管作业站', [-0.5, 3.5]],
  ['st-city-binjiang', 'city', 'binjiang', 'Riverside Municipal Depot', '滨江城管作业站', [-1.0, -4.0]],
];

export const stations: Station[] = stationRows.map(([id, agencyId, districtId, name, nameZh, [x, y]]) => ({
  id,
  agencyId,
  districtId,
  name,
  nameZh,
  position: at(x, y),
}));
