/**
 * The words of the console's call handling (the calls panel, the call on the map, the create
 * form from a call, linked calls), in English and Chinese (zh-CN). Kept apart from the
 * console's messages so each file stays readable; timeline labels of call events live there.
 */
import { defineMessages } from '../../lib/i18n';

const en = {
  'calls.ready': 'Ready', 'calls.away': 'Away', 'calls.go_ready': 'Go ready', 'calls.go_away': 'Go away',
  'calls.ready_hint': 'Ready: the ACD offers you the next waiting call', 'calls.away_hint': 'Away: no calls are offered to you',
  'calls.away_reason': 'break', 'calls.away_missed': 'the offer of {id} was not taken: go ready to take calls again',
  'calls.away_declined': 'you declined {id}: go ready to take calls again',
  'calls.away_disconnected': 'no console of this seat was connected, so no calls were offered: go ready to take calls again', 'calls.no_seat': 'This seat takes no calls',
  'calls.waiting': 'Waiting', 'calls.waiting_none': 'No caller waiting', 'calls.overdue': 'overdue',
  'calls.offered_to': 'offered to {name}', 'calls.offered_you': 'offered to you',
  'calls.offer': 'Incoming call', 'calls.answer': 'Answer (A)', 'calls.decline': 'Decline',
  'calls.active': 'On the line', 'calls.held': 'On hold', 'calls.transferring': 'Transferring', 'calls.conferenced': 'Conference',
  'calls.ringing_out': 'Calling back…', 'calls.transfer_to_you': 'Transferred to you by {name}',
  'calls.calling_out': 'Calling…', 'calls.consulting_with': 'Consultation with {name}',
  'calls.consulted_hint': '{name} is consulting you; the caller is on hold. {name} completes the transfer to hand you the caller.',
  'calls.dial': 'Call', 'calls.dial_target': 'Number or field phone', 'calls.dial_hint': 'C: call a number or a unit\'s phone',
  'calls.hold': 'Hold', 'calls.resume': 'Resume', 'calls.hangup': 'Hang up',
  'calls.mute': 'Mute', 'calls.unmute': 'Unmute', 'calls.mute_hint': 'Mute or unmute your microphone', 'calls.audio_connecting': 'Connecting audio…',
  'calls.audio_live': 'Audio', 'calls.audio_failed': 'No audio', 'calls.no_mic': 'No microphone: the caller cannot hear you',
  'calls.target': 'Dispatcher username or number', 'calls.transfer_blind': 'Transfer', 'calls.transfer_attended': 'Consult',
  'calls.transfer_complete': 'Complete transfer', 'calls.transfer_cancel': 'Take back', 'calls.transfer_back_reason': 'taken back by the call taker',
  'calls.transfer_state': '{mode} transfer to {target}', 'calls.mode.blind': 'Blind', 'calls.mode.attended': 'Attended',
  'calls.target_answered': 'answered', 'calls.conference_add': 'Add to call', 'calls.conference_remove': 'Remove',
  'calls.location_proposed': 'Proposed: {lat}, {lon}{radius} · {method}',
  'calls.location_confirmed': 'Confirmed: {lat}, {lon}{radius}', 'calls.radius': ' ±{m} m',
  'calls.location_none': 'No caller location', 'calls.confirm_location': 'Confirm location',
  'calls.method_unknown': 'unknown method',
  'calls.digits': 'Keys', 'calls.digits_hint': 'Keys the caller pressed, oldest first',
  'calls.digit_via_rfc4733': 'tone in the audio (RFC 4733)', 'calls.digit_via_info': 'SIP INFO', 'calls.digit_ms': '{ms} ms',
  'calls.new_incident': 'New incident from call', 'calls.new_incident_short': 'New incident', 'calls.join': 'Join {id}', 'calls.join_none': 'Join incident', 'calls.join_hint': 'Select an open incident to join this call to it',
  'calls.linked': 'Incident {id}', 'calls.open_incident': 'Open',
  'calls.abandoned': 'Abandoned', 'calls.abandoned_at': 'hung up {time}', 'calls.callbacks': '{n} callback(s)',
  'calls.callback': 'Call back', 'calls.resolve': 'Resolve', 'calls.resolve_reason': 'Why no callback is needed',
  'calls.resolve_default': 'caller reached another way',
  'calls.line': 'Line {line}', 'calls.withheld': 'withheld number', 'calls.waited': 'waited {t}',
  'map.caller_proposed': 'Caller {number}: proposed location ±{m} m (not confirmed)', 'layers.callers': 'Callers (proposed)',
  'form.from_call': 'New incident from call', 'form.call_agency': 'Agency (from the line)',
  'form.caller': 'Caller', 'form.proposed_hint': 'Phone location unconfirmed (dashed on the map)',
  'form.use_confirmed': 'Location: the caller\'s confirmed location', 'form.call_gone': 'The call has ended: close this form and create the incident without it', 'form.confirm_use': 'Confirm and use',
  'timeline.moved_by_call': 'moved to {lat}, {lon}: caller location of {id} confirmed',
  'linked.live': 'live', 'linked.ended': 'ended {time}', 'linked.outcome.completed': 'completed', 'linked.outcome.abandoned': 'abandoned',
  'linked.outcome.transferred': 'transferred', 'linked.outcome.no_answer': 'no answer',
  'recall.replay': 'Replay (R)', 'recall.stop': 'Stop replay', 'recall.hint': 'Hear the last {s} s of the call again (R); the call stays live',
  'recall.empty': 'Nothing to replay yet', 'recall.playing': 'Replaying the last {s} s…', 'recall.failed': 'Replay failed: {message}',
  'recent.title': 'Recent calls', 'recent.none': 'No recent call of yours', 'recent.ended': 'ended {time}',
  'recent.leg.caller': 'Caller', 'recent.leg.you': 'You', 'recent.leg.agent': 'Agent {name}', 'recent.leg.party': 'Party {number}',
  'recent.recording': 'recording…', 'recent.failed': 'not recorded ({reason})', 'recent.no_legs': 'no recording', 'recent.error': 'Recent calls unavailable: {message}',
};

type Key = keyof typeof en;

const zh: Record<Key, string> = {
  'calls.ready': '就绪', 'calls.away': '离席', 'calls.go_ready': '置为就绪', 'calls.go_away': '置为离席',
  'calls.ready_hint': '就绪：排队系统将把下一通来电分配给你', 'calls.away_hint': '离席：不会向你分配来电',
  'calls.away_reason': '休息', 'calls.away_missed': '未接听分配的来电 {id}：置为就绪后继续接听',
  'calls.away_declined': '已拒接 {id}：置为就绪后继续接听', 'calls.no_seat': '本席位不接听来电',
  'calls.away_disconnected': '本席位没有在线的控制台，未分配来电：请重新就绪以接听来电',
  'calls.waiting': '排队', 'calls.waiting_none': '没有排队来电', 'calls.overdue': '超时',
  'calls.offered_to': '已分配给 {name}', 'calls.offered_you': '分配给你',
  'calls.offer': '来电', 'calls.answer': '接听 (A)', 'calls.decline': '拒接',
  'calls.active': '通话中', 'calls.held': '保持中', 'calls.transferring': '转接中', 'calls.conferenced': '多方通话',
  'calls.ringing_out': '正在回拨…', 'calls.transfer_to_you': '{name} 转接给你',
  'calls.calling_out': '正在呼叫…', 'calls.consulting_with': '与 {name} 协商中',
  'calls.consulted_hint': '{name} 正在与你协商转接，来电方处于保持状态。{name} 完成转接后来电将交给你。',
  'calls.dial': '呼叫', 'calls.dial_target': '号码或单位电话', 'calls.dial_hint': 'C：拨打号码或单位电话',
  'calls.hold': '保持', 'calls.resume': '恢复', 'calls.hangup': '挂断',
  'calls.mute': '静音', 'calls.unmute': '取消静音', 'calls.mute_hint': '关闭或打开您的麦克风', 'calls.audio_connecting': '正在接通语音…',
  'calls.audio_live': '语音', 'calls.audio_failed': '无语音', 'calls.no_mic': '没有麦克风：来电者听不到您',
  'calls.target': '调度员用户名或号码', 'calls.transfer_blind': '转接', 'calls.transfer_attended': '咨询转接',
  'calls.transfer_complete': '完成转接', 'calls.transfer_cancel': '取回', 'calls.transfer_back_reason': '接警员取回来电',
  'calls.transfer_state': '{mode}转接至 {target}', 'calls.mode.blind': '直接', 'calls.mode.attended': '咨询',
  'calls.target_answered': '已接听', 'calls.conference_add': '加入通话', 'calls.conference_remove': '移出',
  'calls.location_proposed': '待确认位置：{lat}, {lon}{radius} · {method}',
  'calls.location_confirmed': '已确认位置：{lat}, {lon}{radius}', 'calls.radius': ' ±{m} 米',
  'calls.location_none': '无来电位置', 'calls.confirm_location': '确认位置',
  'calls.method_unknown': '定位方式未知',
  'calls.digits': '按键', 'calls.digits_hint': '来电人按下的按键（按先后顺序）',
  'calls.digit_via_rfc4733': '语音中的按键音（RFC 4733）', 'calls.digit_via_info': 'SIP INFO 信令', 'calls.digit_ms': '{ms} 毫秒',
  'calls.new_incident': '由来电新建警情', 'calls.new_incident_short': '新建警情', 'calls.join': '关联 {id}', 'calls.join_none': '关联警情', 'calls.join_hint': '先选择一起未结警情，再将来电关联到它',
  'calls.linked': '警情 {id}', 'calls.open_incident': '打开',
  'calls.abandoned': '呼损', 'calls.abandoned_at': '{time} 挂断', 'calls.callbacks': '已回拨 {n} 次',
  'calls.callback': '回拨', 'calls.resolve': '销号', 'calls.resolve_reason': '无需回拨的原因',
  'calls.resolve_default': '已通过其他方式联系到来电人',
  'calls.line': '线路 {line}', 'calls.withheld': '隐藏号码', 'calls.waited': '已等待 {t}',
  'map.caller_proposed': '来电 {number}：待确认位置 ±{m} 米', 'layers.callers': '来电位置（待确认）',
  'form.from_call': '由来电新建警情', 'form.call_agency': '部门（按线路）',
  'form.caller': '来电号码', 'form.proposed_hint': '来电手机位置未确认（地图上虚线标记）',
  'form.use_confirmed': '位置：来电人已确认的位置', 'form.call_gone': '来电已结束：请关闭此表单后直接新建警情', 'form.confirm_use': '确认并使用',
  'timeline.moved_by_call': '位置改为 {lat}, {lon}：已确认来电 {id} 的位置',
  'linked.live': '通话中', 'linked.ended': '{time} 结束', 'linked.outcome.completed': '已完成', 'linked.outcome.abandoned': '呼损',
  'linked.outcome.transferred': '已转出', 'linked.outcome.no_answer': '未接通',
  'recall.replay': '回放 (R)', 'recall.stop': '停止回放', 'recall.hint': '重听本通话最近 {s} 秒（R），通话不中断',
  'recall.empty': '暂无可回放的语音', 'recall.playing': '正在回放最近 {s} 秒…', 'recall.failed': '回放失败：{message}',
  'recent.title': '最近通话', 'recent.none': '您最近没有通话', 'recent.ended': '{time} 结束',
  'recent.leg.caller': '来电人', 'recent.leg.you': '我', 'recent.leg.agent': '接警员 {name}', 'recent.leg.party': '第三方 {number}',
  'recent.recording': '录音中…', 'recent.failed': '未录音（{reason}）', 'recent.no_legs': '无录音', 'recent.error': '无法获取最近通话：{message}',
};

/** Call handling messages: `tc('calls.join', { id })`. */
export const tc = defineMessages<Key>(en, zh);

/** A call's outcome in words (an unknown one as sent). */
export function outcomeLabel(outcome: string | null): string {
  const key = `linked.outcome.${outcome}`;
  return key in en ? tc(key as Key) : (outcome ?? '');
}
