/**
 * The status page's entry point: polls the JSON API and redraws. Newest values, buffer and alarms
 * every NOW_MS; the selected device's history charts every HISTORY_MS (and at once when the
 * technician picks another device or window). The selected device lives in the URL hash, so a
 * link or a reload opens the same device.
 */
import { get, type Alarms, type Devices, type Latest, type Series, type Status } from './api.js';
import { pruneCharts } from './charts.js';
import { age, fill, h } from './dom.js';
import { historyView, nowView } from './device-view.js';

const NOW_MS = 3000;
const HISTORY_MS = 20_000;
const $ = (id: string) => document.getElementById(id)!;

let devices: Devices['devices'] = [];
let latest: Latest | undefined;

function selected(): string | undefined {
  const wanted = decodeURIComponent(location.hash.slice(1));
  return devices.find((d) => d.id === wanted)?.id ?? devices[0]?.id;
}

const hours = () => Number(($('hours') as HTMLSelectElement).value) || 6;

function deviceChips(sel: string | undefined): HTMLElement[] {
  return devices.map((d) => h('a', { class: d.id === sel ? 'device selected' : 'device', href: `#${encodeURIComponent(d.id)}`, 'data-testid': 'device', 'data-device': d.id },
    h('span', { class: 'id' }, d.id), h('span', { class: 'badge' }, d.kind),
    h('span', { class: `badge ${d.state}`, 'data-testid': 'state' }, d.state),
    h('span', { class: `badge ${d.source ?? ''}`, 'data-testid': 'source' }, d.source ?? 'no data')));
}

const MiB = 1048576;

function bufferView(s: Status): HTMLElement {
  const b = s.buffer;
  if (!b) return h('p', {}, 'buffer closed');
  const pct = (100 * b.usedBytes) / b.maxBytes;
  const bar = h('div', { class: 'bar', 'data-testid': 'buffer-fill', 'data-pct': pct.toFixed(2) }, h('span', {}));
  (bar.firstChild as HTMLElement).style.width = `${Math.min(100, pct).toFixed(1)}%`;
  if (pct > 80) bar.classList.add('high');
  const drops = Object.entries(b.dropped).map(([k, n]) => `${k} ${n}`).join(', ');
  return h('div', {},
    h('div', { 'data-testid': 'buffer' }, `buffer ${b.rows} rows, ${(b.usedBytes / MiB).toFixed(1)} of ${(b.maxBytes / MiB).toFixed(0)} MiB (${pct.toFixed(1)} %)`),
    bar,
    h('div', { class: 'muted small' }, (b.oldestTs !== null ? `oldest record ${age(b.oldestTs, s.now)}` : 'empty') + (drops ? ` · dropped: ${drops}` : ' · nothing dropped')),
    h('table', { 'data-testid': 'sinks' }, ...(b.sinks.length === 0 ? [h('tr', {}, h('td', {}, 'no sinks configured'))] : b.sinks.map((k) => {
      const lagS = k.oldestUnsentTs === null ? 0 : Math.max(0, (s.now - k.oldestUnsentTs) / 1000);
      return h('tr', { 'data-testid': 'sink', 'data-sink': k.sink, 'data-lag-s': lagS.toFixed(0) },
        h('td', {}, k.sink, ' ', h('span', { class: `badge ${s.sinks[k.sink] ?? ''}` }, s.sinks[k.sink] ?? '?')),
        h('td', {}, k.pending === 0 ? 'up to date' : `${k.pending} pending, ${k.oldestUnsentTs === null ? '' : `lag ${age(k.oldestUnsentTs, s.now).replace(' ago', '')}`}`),
        h('td', {}, k.deadLetters ? `${k.deadLetters} dead-lettered` : ''));
    }))));
}

function alarmRows(a: Alarms): HTMLElement[] {
  if (a.alarms.length === 0) return [h('tr', {}, h('td', { class: 'muted' }, 'no alarms'))];
  return a.alarms.map((r) => h('tr', { 'data-testid': 'alarm' },
    h('td', {}, new Date(r.ts).toLocaleString(), h('div', { class: 'small' }, r.deviceId)),
    h('td', {}, h('span', { class: r.alarm?.severity ?? '' }, r.alarm?.severity ?? ''), ` ${r.alarm?.rule ?? ''}: ${r.alarm?.message ?? ''}`)));
}

async function refreshNow(): Promise<void> {
  try {
    const [d, s, a] = await Promise.all([get<Devices>('api/devices'), get<Status>('api/status'), get<Alarms>('api/alarms?limit=20')]);
    devices = d.devices;
    const sel = selected();
    latest = sel === undefined ? undefined : await get<Latest>(`api/devices/${encodeURIComponent(sel)}/latest`);
    $('gateway').textContent = `gateway ${d.gateway}`;
    $('clock').textContent = s.clockTrusted ? 'clock synchronised' : 'clock NOT trusted';
    $('clock').className = s.clockTrusted ? '' : 'warning';
    fill($('devices'), ...deviceChips(sel));
    fill($('now'), latest ? nowView(latest, s.now) : h('p', {}, 'no devices configured'));
    fill($('buffer-sinks'), bufferView(s));
    fill($('alarms'), ...alarmRows(a));
    $('updated').textContent = `updated ${new Date(s.now).toLocaleTimeString()}`;
    document.body.dataset.ready = '1';
  } catch (err) {
    $('updated').textContent = `update failed: ${(err as Error).message}`;
  }
}

let historyFor = '';
async function refreshHistory(): Promise<void> {
  const sel = selected();
  if (sel === undefined || !latest) return;
  try {
    const points = Math.min(600, Math.max(120, Math.round(window.innerWidth / 1.5)));
    const s = await get<Series>(`api/devices/${encodeURIComponent(sel)}/series?hours=${hours()}&points=${points}`);
    const view = historyView(s, latest);
    fill($('history'), ...view);
    pruneCharts(new Set(view.flatMap((el) => [...el.querySelectorAll<HTMLElement>('[data-chart]'), el]).map((el) => el.dataset.chart ?? '').filter(Boolean)));
    historyFor = `${sel}/${hours()}`;
    $('history').dataset.device = sel;
  } catch (err) {
    fill($('history'), h('p', { class: 'warning' }, `history failed: ${(err as Error).message}`));
  }
}

async function refreshAll(): Promise<void> {
  await refreshNow();
  if (historyFor !== `${selected()}/${hours()}`) await refreshHistory();
}

window.addEventListener('hashchange', () => void refreshAll());
$('hours').addEventListener('change', () => void refreshAll());
await refreshNow();
await refreshHistory();
setInterval(() => void refreshAll(), NOW_MS);
setInterval(() => void refreshHistory(), HISTORY_MS);
