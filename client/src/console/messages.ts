/**
 * Every string the dispatcher console shows, in English and Chinese (zh-CN). Shared words
 * (statuses, priorities, connection states) come from `common` in lib/i18n.
 */
import { common, defineMessages } from '../lib/i18n';

const en = {
  'app.title': 'Beacon Dispatch Console', 'login.subtitle': 'Sign in to the dispatch floor',
  'login.failed': 'Sign-in failed: {message}', 'login.busy': 'Signing in…', 'login.loading': 'Loading city data…',
  'top.alerts': '{n} need attention', 'top.user': '{name} · {role}', 'top.clock': 'Local time', 'top.connection': 'Connection',
  'conn.live': 'LIVE', 'conn.connecting': 'Connecting', 'conn.reconnecting': 'Reconnecting', 'conn.incompatible': 'Outdated',
  'conn.signed_out': 'Signed out', 'conn.reload': 'Reload', 'top.new_incident': 'New incident (N)',
  stale: 'STALE', 'stale.hint': 'Not live: this panel may show old data',
  'role.dispatcher': 'Dispatcher', 'role.supervisor': 'Supervisor', 'role.call_taker': 'Call taker',
  'role.incident_commander': 'Incident commander', 'role.agency_liaison': 'Agency liaison', 'role.auditor': 'Auditor',
  'role.field_unit': 'Field unit', 'role.system': 'System',
  'panel.queue': 'Incident queue', 'panel.detail': 'Incident', 'panel.units': 'Unit status', 'panel.alerts': 'Alerts',
  'panel.calls': 'Calls', 'panel.radio': 'Radio', 'panel.video': 'Video', 'video.none': 'No live camera on this incident', 'video.no_incident': 'Open an incident to see its cameras', 'panel.map': 'Map',
  'video.wall': 'Video wall · {n} live', 'video.count': '{n} live', 'video.live': 'LIVE', 'video.connecting': 'Connecting…',
  'video.stalled': 'No signal', 'video.listen': 'Listen', 'video.listening': 'Listening', 'video.listen_hint': 'Play this camera\'s audio (one camera at a time)',
  'video.back': 'Back to grid (Esc)', 'video.enlarge': 'Enlarge {unit} (Enter)', 'video.hide': 'Hide', 'video.show': 'Show (V)',
  'video.hint': 'V video · Enter enlarge · Esc back', 'video.source': 'Camera', 'map.camera': 'Body camera live: click to watch',
  'slot.later': 'Not connected yet: arrives in a later release',
  'queue.empty': 'No open incidents', 'queue.count': '{n} open', 'queue.target': 'target {t}', 'queue.on_scene': 'on scene',
  'queue.overdue': 'overdue', 'queue.units': '{n} assigned', 'queue.hint': '↑/↓ select · Enter open',
  'detail.none': 'Select an incident in the queue (↑/↓, Enter) or on the map.', 'detail.loading': 'Loading incident…',
  'detail.location': 'Location', 'detail.type': 'Type', 'detail.state': 'State', 'detail.address': 'Address',
  'detail.created': 'Created', 'detail.description': 'Description', 'detail.calls': 'Linked calls',
  'detail.calls_empty': 'No linked calls yet', 'detail.units': 'Assigned units', 'detail.no_units': 'No units assigned',
  'detail.alerts': 'Alerts', 'detail.timeline': 'Narrative', 'detail.division': 'Division',
  'detail.agency': 'Agency', 'detail.age': 'Age', 'detail.closed': 'This incident is no longer open.',
  'rec.title': 'Recommendation', 'rec.loading': 'Finding the nearest units…', 'rec.error': 'No recommendation: {message}',
  'rec.short': 'short by {n}', 'rec.eta': '{m} min', 'rec.km': '{km} km', 'rec.dispatch': 'Dispatch recommended (D)',
  'rec.none': 'No units to recommend', 'rec.refresh': 'Refresh', 'rec.add': 'Dispatch', 'rec.need': '{capability} × {count}',
  'rec.recommended': 'recommended', 'rec.covered': '{n} of {count} assigned', 'rec.stale': 'Recommendation paused while not live',
  'action.close': 'Close…', 'action.note': 'Note…', 'action.priority': 'Priority…', 'action.ack': 'Acknowledge',
  'action.submit': 'Submit', 'action.locate': 'Locate', 'action.cancel': 'Cancel',
  'prompt.disposition': 'Disposition', 'prompt.note': 'Note text', 'prompt.reason': 'Reason', 'prompt.priority': 'New priority',
  'result.ok': 'Done: {what}', 'result.refused': 'Refused: {message}', 'result.pending': 'Sending…',
  'result.queued': 'Not live: will be sent when reconnected…', 'result.created': 'Created {id}',
  'cmd.label': 'CAD command line', 'cmd.placeholder': 'new · d · st · ack · note · close · p   (/ or F2 to focus · Tab completes · ↑/↓ history)',
  'cmd.err.verb': 'Unknown command "{verb}". Commands: new, d, st, ack, note, close, p',
  'cmd.err.usage': 'Usage: {usage}', 'cmd.err.no_incident': 'No incident selected: give an incident id',
  'cmd.err.unit': 'Unknown unit {unit}', 'cmd.err.type': 'Unknown incident type {type}',
  'cmd.err.priority': 'Priority must be 1 to 4 (P1–P4)', 'cmd.err.location': 'Give the location as lat,lon or @street name',
  'cmd.err.street': 'No street called "{street}"', 'cmd.err.status': 'Unknown status {status}. One of: {list}',
  'cmd.err.text': 'Text is missing', 'cmd.err.reason': 'out_of_service needs a reason', 'cmd.err.agency': 'No agency handles {type}',
  'alerts.empty': 'Nothing needs attention', 'alert.ack_overdue': 'No acknowledgement from {unit}',
  'alert.pending_overdue': 'Waiting for units beyond the dispatch target', 'alert.resource_request': 'Scene requests more resources',
  'alert.emergency': 'EMERGENCY button pressed by {unit}', 'alert.sos': 'SOS', 'alert.incident': 'Incident {id}',
  'units.sort': 'Sort', 'sort.callsign': 'Callsign', 'sort.status': 'Status', 'sort.since': 'Time in status',
  'units.empty': 'No units in view', 'units.summary': '{available} available / {total}',
  'form.title': 'New incident (N)', 'form.type': 'Type', 'form.priority': 'Priority', 'form.address': 'Address',
  'form.description': 'Description', 'form.lat': 'Latitude', 'form.lon': 'Longitude', 'form.pick': 'Pick on map',
  'form.picking': 'Click the map to set the location (Esc cancels)', 'form.submit': 'Create incident',
  'form.err.location': 'Location required: valid latitude and longitude', 'form.err.description': 'Description required',
  'form.street_hint': 'Address matches {street}: location set to its midpoint',
  'layers.units': 'Units', 'layers.incidents': 'Incidents', 'layers.stations': 'Stations', 'layers.grids': 'Response grids',
  'grid.first_due': 'Grid {id} · first due', 'map.cluster': '{n} units',
  'ev.incident.created': 'Created', 'ev.incident.triaged': 'Triaged', 'ev.incident.pending': 'Waiting for units',
  'ev.incident.units.dispatched': 'Units dispatched', 'ev.incident.unit.acknowledged': 'Unit acknowledged',
  'ev.incident.unit.status.changed': 'Unit status', 'ev.incident.alert.ack_overdue': 'Alert: acknowledgement overdue',
  'ev.incident.alert.pending_overdue': 'Alert: dispatch overdue', 'ev.incident.unit.released': 'Unit released',
  'ev.incident.under_control': 'Under control', 'ev.incident.held': 'Put on hold', 'ev.incident.resumed': 'Resumed',
  'ev.incident.priority.changed': 'Priority changed', 'ev.incident.updated': 'Details updated', 'ev.incident.note.added': 'Note',
  'ev.incident.alert.acknowledged': 'Alert acknowledged', 'ev.incident.closed': 'Closed', 'ev.incident.cancelled': 'Cancelled',
  'ev.incident.reopened': 'Reopened', 'ev.incident.merged': 'Merged', 'ev.incident.unit.division.assigned': 'Division assigned',
  'ev.incident.resources.requested': 'Resources requested', 'ev.decision': 'Decision',
  'ev.incident.recording.started': 'Recording', 'ev.incident.recording.stored': 'Recording stored', 'ev.incident.recording.failed': 'Recording failed',
  'ev.incident.call.linked': 'Call linked', 'ev.incident.call.ended': 'Call ended',
  'cap.patrol': 'patrol', 'cap.traffic': 'traffic', 'cap.k9': 'K9', 'cap.swat': 'SWAT', 'cap.fire-suppression': 'fire suppression',
  'cap.aerial-ladder': 'aerial ladder', 'cap.heavy-rescue': 'heavy rescue', 'cap.hazmat': 'hazmat', 'cap.water-rescue': 'water rescue',
  'cap.als': 'ALS', 'cap.bls': 'BLS', 'cap.transport': 'transport', 'cap.road-repair': 'road repair', 'cap.utilities': 'utilities',
  'cap.tow': 'tow', 'cap.command': 'command',
};

type Key = keyof typeof en;

const zh: Record<Key, string> = {
  'app.title': '灯塔调度台', 'login.subtitle': '登录调度席位',
  'login.failed': '登录失败：{message}', 'login.busy': '正在登录…', 'login.loading': '正在加载城市数据…',
  'top.alerts': '{n} 项待处理', 'top.user': '{name} · {role}', 'top.clock': '本地时间', 'top.connection': '连接',
  'conn.live': '实时', 'conn.connecting': '连接中', 'conn.reconnecting': '重连中', 'conn.incompatible': '版本过旧',
  'conn.signed_out': '已退出', 'conn.reload': '刷新', 'top.new_incident': '新建警情 (N)',
  stale: '已过时', 'stale.hint': '未连接：本面板数据可能已过时',
  'role.dispatcher': '调度员', 'role.supervisor': '值班长', 'role.call_taker': '接警员',
  'role.incident_commander': '现场指挥员', 'role.agency_liaison': '联络员', 'role.auditor': '审计员',
  'role.field_unit': '现场单位', 'role.system': '系统',
  'panel.queue': '警情队列', 'panel.detail': '警情', 'panel.units': '单位状态', 'panel.alerts': '告警',
  'panel.calls': '来电', 'panel.radio': '电台', 'panel.video': '视频', 'video.none': '此警情暂无实时摄像头画面', 'video.no_incident': '打开一起警情以查看其摄像头', 'panel.map': '地图',
  'video.wall': '视频墙 · {n} 路实时', 'video.count': '{n} 路实时', 'video.live': '实时', 'video.connecting': '连接中…',
  'video.stalled': '无信号', 'video.listen': '监听', 'video.listening': '监听中', 'video.listen_hint': '播放此摄像头的声音（同一时间仅一路）',
  'video.back': '返回网格 (Esc)', 'video.enlarge': '放大 {unit} (Enter)', 'video.hide': '隐藏', 'video.show': '显示 (V)',
  'video.hint': 'V 视频 · Enter 放大 · Esc 返回', 'video.source': '摄像头', 'map.camera': '单兵摄像头实时：点击观看',
  'slot.later': '尚未接入：将在后续版本提供',
  'queue.empty': '没有未结警情', 'queue.count': '{n} 起未结', 'queue.target': '目标 {t}', 'queue.on_scene': '已到场',
  'queue.overdue': '超时', 'queue.units': '已派 {n}', 'queue.hint': '↑/↓ 选择 · Enter 打开',
  'detail.none': '在队列中（↑/↓、Enter）或地图上选择一起警情。', 'detail.loading': '正在加载警情…',
  'detail.location': '位置', 'detail.type': '类型', 'detail.state': '状态', 'detail.address': '地址',
  'detail.created': '创建时间', 'detail.description': '描述', 'detail.calls': '关联来电',
  'detail.calls_empty': '暂无关联来电', 'detail.units': '已派单位', 'detail.no_units': '尚未派遣单位',
  'detail.alerts': '告警', 'detail.timeline': '处置记录', 'detail.division': '分区',
  'detail.agency': '部门', 'detail.age': '时长', 'detail.closed': '该警情已不在处置中。',
  'rec.title': '推荐单位', 'rec.loading': '正在查找最近的单位…', 'rec.error': '无法推荐：{message}',
  'rec.short': '缺 {n}', 'rec.eta': '{m} 分钟', 'rec.km': '{km} 公里', 'rec.dispatch': '派遣推荐单位 (D)',
  'rec.none': '没有可推荐的单位', 'rec.refresh': '刷新', 'rec.add': '派遣', 'rec.need': '{capability} × {count}',
  'rec.recommended': '推荐', 'rec.covered': '已派 {n}/{count}', 'rec.stale': '未连接：推荐已暂停',
  'action.close': '结案…', 'action.note': '备注…', 'action.priority': '优先级…', 'action.ack': '确认',
  'action.submit': '提交', 'action.locate': '定位', 'action.cancel': '取消',
  'prompt.disposition': '处置结果', 'prompt.note': '备注内容', 'prompt.reason': '原因', 'prompt.priority': '新优先级',
  'result.ok': '完成：{what}', 'result.refused': '被拒绝：{message}', 'result.pending': '发送中…',
  'result.queued': '未连接：恢复连接后发送…', 'result.created': '已创建 {id}',
  'cmd.label': 'CAD 命令行', 'cmd.placeholder': 'new · d · st · ack · note · close · p   （/ 或 F2 聚焦 · Tab 补全 · ↑/↓ 历史）',
  'cmd.err.verb': '未知命令“{verb}”。可用命令：new、d、st、ack、note、close、p',
  'cmd.err.usage': '用法：{usage}', 'cmd.err.no_incident': '未选择警情：请给出警情编号',
  'cmd.err.unit': '未知单位 {unit}', 'cmd.err.type': '未知警情类型 {type}',
  'cmd.err.priority': '优先级须为 1 至 4（P1–P4）', 'cmd.err.location': '位置格式：纬度,经度 或 @街道名',
  'cmd.err.street': '没有名为“{street}”的街道', 'cmd.err.status': '未知状态 {status}。可选：{list}',
  'cmd.err.text': '缺少文字内容', 'cmd.err.reason': 'out_of_service 需要原因', 'cmd.err.agency': '没有部门处理 {type}',
  'alerts.empty': '没有待处理事项', 'alert.ack_overdue': '{unit} 未确认派遣',
  'alert.pending_overdue': '待派时间超过派遣目标', 'alert.resource_request': '现场请求增援',
  'alert.emergency': '{unit} 按下紧急按钮', 'alert.sos': '紧急', 'alert.incident': '警情 {id}',
  'units.sort': '排序', 'sort.callsign': '呼号', 'sort.status': '状态', 'sort.since': '状态持续时间',
  'units.empty': '没有可见单位', 'units.summary': '待命 {available} / 共 {total}',
  'form.title': '新建警情 (N)', 'form.type': '类型', 'form.priority': '优先级', 'form.address': '地址',
  'form.description': '描述', 'form.lat': '纬度', 'form.lon': '经度', 'form.pick': '在地图上选点',
  'form.picking': '点击地图设置位置（Esc 取消）', 'form.submit': '创建警情',
  'form.err.location': '需要位置：有效的纬度和经度', 'form.err.description': '需要描述',
  'form.street_hint': '地址匹配 {street}：位置设为其中点',
  'layers.units': '单位', 'layers.incidents': '警情', 'layers.stations': '站点', 'layers.grids': '责任网格',
  'grid.first_due': '网格 {id} · 首派站点', 'map.cluster': '{n} 个单位',
  'ev.incident.created': '创建', 'ev.incident.triaged': '已分诊', 'ev.incident.pending': '等待派遣',
  'ev.incident.units.dispatched': '派遣单位', 'ev.incident.unit.acknowledged': '单位已确认',
  'ev.incident.unit.status.changed': '单位状态', 'ev.incident.alert.ack_overdue': '告警：确认超时',
  'ev.incident.alert.pending_overdue': '告警：派遣超时', 'ev.incident.unit.released': '单位解除',
  'ev.incident.under_control': '已控制', 'ev.incident.held': '挂起', 'ev.incident.resumed': '恢复',
  'ev.incident.priority.changed': '优先级变更', 'ev.incident.updated': '信息更新', 'ev.incident.note.added': '备注',
  'ev.incident.alert.acknowledged': '告警已确认', 'ev.incident.closed': '结案', 'ev.incident.cancelled': '取消',
  'ev.incident.reopened': '重新打开', 'ev.incident.merged': '合并', 'ev.incident.unit.division.assigned': '分配分区',
  'ev.incident.resources.requested': '请求增援', 'ev.decision': '决策',
  'ev.incident.recording.started': '录像', 'ev.incident.recording.stored': '录像已保存', 'ev.incident.recording.failed': '录像失败',
  'ev.incident.call.linked': '关联来电', 'ev.incident.call.ended': '来电结束',
  'cap.patrol': '巡逻', 'cap.traffic': '交通', 'cap.k9': '警犬', 'cap.swat': '特警', 'cap.fire-suppression': '灭火',
  'cap.aerial-ladder': '登高', 'cap.heavy-rescue': '抢险救援', 'cap.hazmat': '危化品', 'cap.water-rescue': '水域救援',
  'cap.als': '高级生命支持', 'cap.bls': '基础生命支持', 'cap.transport': '转运', 'cap.road-repair': '道路抢修', 'cap.utilities': '市政设施',
  'cap.tow': '清障', 'cap.command': '指挥',
};

/** Console messages: `t('rec.eta', { m: 4 })`. */
export const t = defineMessages<Key>(en, zh);

/** A message key of the console. */
export type MessageKey = Key;

/** Whether a key exists (for keys built from server data, e.g. event types). */
export function hasMessage(key: string): key is Key {
  return key in en;
}

type CommonKey = Parameters<typeof common>[0];

/** A unit status in words ("En route"); unknown statuses as sent. */
export function statusLabel(status: string): string {
  const key = `unit.${status}`;
  const text = common(key as CommonKey);
  return text === key ? status.replaceAll('_', ' ') : text;
}

/** An incident state in words ("Pending"). */
export function stateLabel(state: string): string {
  const key = `incident.${state}`;
  const text = common(key as CommonKey);
  return text === key ? state.replaceAll('_', ' ') : text;
}

/** A capability in words ("fire suppression"). */
export function capabilityLabel(capability: string): string {
  const key = `cap.${capability}`;
  return hasMessage(key) ? t(key) : capability;
}

/** An event type in words ("Units dispatched"). */
export function eventLabel(type: string): string {
  const key = `ev.${type}`;
  return hasMessage(key) ? t(key) : type;
}
