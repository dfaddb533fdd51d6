/**
 * Chinese (zh-CN) and English, switchable at run time and remembered. Each app registers its
 * own messages (`defineMessages`), typed so that both languages have every key.
 */
import { useSyncExternalStore } from 'react';

export type Locale = 'zh-CN' | 'en';
const STORAGE_KEY = 'beacon.locale';
const listeners = new Set<() => void>();

let locale: Locale = (() => {
  const saved = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  if (saved === 'zh-CN' || saved === 'en') return saved;
  return typeof navigator !== 'undefined' && navigator.language.startsWith('zh') ? 'zh-CN' : 'en';
})();

export function currentLocale(): Locale {
  return locale;
}

export function setLocale(next: Locale): void {
  locale = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  listeners.forEach((l) => l());
}

export function useLocale(): Locale {
  return useSyncExternalStore((l) => (listeners.add(l), () => listeners.delete(l)), () => locale);
}

/** Messages with `{name}` placeholders; `zh` must have every key `en` has. */
export function defineMessages<K extends string>(en: Record<K, string>, zh: Record<K, string>) {
  return function t(key: K, params: Record<string, string | number> = {}): string {
    const text = (locale === 'zh-CN' ? zh : en)[key] ?? key;
    return text.replace(/\{(\w+)\}/g, (_, name: string) => String(params[name] ?? `{${name}}`));
  };
}

/** Words every app shares: statuses, priorities, connection states, generic actions. */
export const common = defineMessages(
  {
    live: 'Live', connecting: 'Connecting…', reconnecting: 'Connection lost: reconnecting. Data shown may be stale.',
    incompatible: 'This page is out of date: reload it.', signed_out: 'Signed out',
    sign_in: 'Sign in', sign_out: 'Sign out', username: 'Username', password: 'Password', language: '中文',
    priority: 'Priority', 'priority.1': 'P1 Critical', 'priority.2': 'P2 Urgent', 'priority.3': 'P3 Routine', 'priority.4': 'P4 Low',
    'unit.available': 'Available', 'unit.dispatched': 'Dispatched', 'unit.acknowledged': 'Acknowledged', 'unit.en_route': 'En route',
    'unit.on_scene': 'On scene', 'unit.transporting': 'Transporting', 'unit.at_destination': 'At destination',
    'unit.returning': 'Returning', 'unit.out_of_service': 'Out of service',
    'incident.new': 'New', 'incident.triaged': 'Triaged', 'incident.pending': 'Pending', 'incident.on_hold': 'On hold',
    'incident.dispatched': 'Dispatched', 'incident.active': 'Active', 'incident.under_control': 'Under control',
    'incident.closed': 'Closed', 'incident.cancelled': 'Cancelled', 'incident.merged': 'Merged',
    'map.offline': 'Map tiles unavailable: showing the built-in city map', error: 'Error', cancel: 'Cancel', confirm: 'Confirm',
  },
  {
    live: '实时', connecting: '连接中…', reconnecting: '连接中断：正在重连，显示的数据可能已过时。',
    incompatible: '页面版本过旧，请刷新。', signed_out: '已退出',
    sign_in: '登录', sign_out: '退出', username: '用户名', password: '密码', language: 'English',
    priority: '优先级', 'priority.1': 'P1 特急', 'priority.2': 'P2 紧急', 'priority.3': 'P3 一般', 'priority.4': 'P4 低',
    'unit.available': '待命', 'unit.dispatched': '已派遣', 'unit.acknowledged': '已确认', 'unit.en_route': '出发途中',
    'unit.on_scene': '到达现场', 'unit.transporting': '转运中', 'unit.at_destination': '到达目的地',
    'unit.returning': '返回中', 'unit.out_of_service': '停用',
    'incident.new': '新建', 'incident.triaged': '已分诊', 'incident.pending': '待派', 'incident.on_hold': '挂起',
    'incident.dispatched': '已派遣', 'incident.active': '处置中', 'incident.under_control': '已控制',
    'incident.closed': '已结案', 'incident.cancelled': '已取消', 'incident.merged': '已合并',
    'map.offline': '地图瓦片不可用：显示内置城市底图', error: '错误', cancel: '取消', confirm: '确认',
  },
);
