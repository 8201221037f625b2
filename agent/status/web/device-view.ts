/** One device in detail: its newest values (and cells) and its history charts. */
import type { Latest, PredictionSeries, Rec, Series } from './api.js';
import { cellBars } from './cells.js';
import { chart, type ChartSpec, type Line } from './charts.js';
import { age, h, num } from './dom.js';

const C = { blue: '#1f6fd1', red: '#c62828', amber: '#c77800', green: '#2e7d32', grey: '#8a94a6', violet: '#6a3fb5' };

const row = (k: string, v: string, testid?: string) => h('tr', {}, h('td', {}, k), h('td', testid ? { 'data-testid': testid } : {}, v));

function telemetryRows(t: Rec | null): HTMLElement[] {
  if (!t) return [row('telemetry', 'none yet')];
  if (t.battery) {
    const b = t.battery;
    return [
      row('voltage', num(b.packVoltageV, 2, ' V')), row('current', num(b.packCurrentA, 1, ' A') + ' (+ = charging)'),
      row('state of charge', num(b.socPct, 1, ' %')), row('state of health', num(b.sohPct, 1, ' %')),
      row('temperature', `${num(b.tempMinC, 1)} … ${num(b.tempMaxC, 1, ' °C')}`), row('cycles', num(b.cycleCount, 0)),
      row('BMS alarm flags', (b.alarmFlags ?? []).join(', ') || 'none', 'alarm-flags'),
    ];
  }
  const c = t.charger ?? {};
  return [
    row('connector', String(c.connectorStatus ?? '–'), 'connector'), row('power', num(typeof c.powerW === 'number' ? c.powerW / 1000 : undefined, 2, ' kW')),
    row('session energy', num(typeof c.sessionEnergyWh === 'number' ? c.sessionEnergyWh / 1000 : undefined, 2, ' kWh')),
    row('energy delivered', num(typeof c.energyDeliveredWh === 'number' ? c.energyDeliveredWh / 1000 : undefined, 1, ' kWh')),
    row('temperature', num(c.temperatureC, 1, ' °C')), row('sessions', num(c.sessionCount, 0)),
    row('errors', (c.errorCodes ?? []).join(', ') || 'none', 'error-codes'),
  ];
}

/** What a prediction rests on, in words; says so when the model did not tell. */
function basisText(p: Rec['prediction']): string {
  if (!p?.basis) return 'basis not reported';
  const b = p.basis;
  return `${b.confidence} confidence · ${num(b.historyH, 1, ' h')} of history` + (b.missingInputs.length ? ` · missing: ${b.missingInputs.join(', ')}` : '');
}

function predictionValue(p: NonNullable<Rec['prediction']>): string {
  return Object.entries(p.outputs).map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(3)) : String(v)}`).join(', ');
}

export function nowView(d: Latest, now: number): HTMLElement {
  const t = d.telemetry;
  return h('div', {},
    h('table', { 'data-testid': 'summary' }, ...telemetryRows(t),
      ...d.predictions.flatMap((p) => (p.prediction ? [h('tr', { class: `prediction conf-${p.prediction.basis?.confidence ?? 'none'}`, 'data-testid': 'prediction' },
        h('td', {}, `${p.prediction.model} ${p.prediction.modelVersion}`),
        h('td', {}, predictionValue(p.prediction), h('div', { class: 'muted small', 'data-testid': 'basis' }, basisText(p.prediction))))] : []))),
    h('div', { class: 'muted small', 'data-testid': 'ts' }, t ? `reading #${t.seq} · ${new Date(t.ts).toLocaleString()} · ${age(t.ts, now)}` : ''),
    t?.battery ? h('h3', {}, 'Cells') : null,
    t?.battery ? cellBars(t.battery.cellVoltagesV) : null);
}

const col = (s: Series, name: string) => s.telemetry[name] ?? [];

function telemetryCharts(s: Series, x: [number, number]): ChartSpec[] {
  const t = s.telemetry.t;
  if (s.kind === 'battery') {
    return [
      { key: 'pack-voltage', title: 'Pack voltage (V)', t, x, lines: [{ label: 'pack', values: col(s, 'packVoltageV'), stroke: C.blue }] },
      { key: 'current', title: 'Current (A, + = charging)', t, x, lines: [{ label: 'current', values: col(s, 'packCurrentA'), stroke: C.violet }] },
      { key: 'soc', title: 'State of charge (%)', t, x, yRange: [0, 100], lines: [{ label: 'SoC', values: col(s, 'socPct'), stroke: C.green }] },
      { key: 'temperatures', title: 'Temperatures (°C)', t, x, lines: [{ label: 'min', values: col(s, 'tempMinC'), stroke: C.blue }, { label: 'max', values: col(s, 'tempMaxC'), stroke: C.red }] },
      { key: 'cell-range', title: 'Lowest and highest cell (V)', t, x, lines: [{ label: 'lowest', values: col(s, 'cellVoltageMinV'), stroke: C.amber }, { label: 'highest', values: col(s, 'cellVoltageMaxV'), stroke: C.blue }] },
    ];
  }
  return [
    { key: 'power', title: 'Charging power (kW)', t, x, lines: [{ label: 'power', values: col(s, 'powerW').map((v) => (v === null ? null : v / 1000)), stroke: C.violet }] },
    { key: 'connector', title: 'Connector status (OCPP)', t, x, yLabels: s.connectorStatuses ?? [], lines: [{ label: 'status', values: col(s, 'connector'), stroke: C.blue, step: true }] },
    { key: 'charger-temp', title: 'Charger temperature (°C)', t, x, lines: [{ label: 'temperature', values: col(s, 'temperatureC'), stroke: C.red }] },
  ];
}

/** One line per confidence level, so the colour says how far to trust each stretch of the trend. */
function predictionChart(p: PredictionSeries, x: [number, number]): ChartSpec {
  const only = (level: string | null) => p.v.map((v, i) => (p.confidence[i] === level ? v : null));
  const present = new Set(p.confidence);
  const lines: Line[] = [];
  if (present.has('high')) lines.push({ label: 'high confidence', values: only('high'), stroke: C.green });
  if (present.has('medium')) lines.push({ label: 'medium', values: only('medium'), stroke: C.amber });
  if (present.has('low')) lines.push({ label: 'low', values: only('low'), stroke: C.grey, dash: [4, 3] });
  if (present.has(null)) lines.push({ label: 'basis not reported', values: only(null), stroke: C.blue });
  return { key: `prediction:${p.model}:${p.output}`, title: `${p.model} ${p.modelVersion} · ${p.output}`, t: p.t, x, lines, ...(p.levels ? { yLabels: p.levels, lines: lines.map((l) => ({ ...l, step: true })) } : {}) };
}

/** The outputs worth a chart on a phone; a model with none of them gets its first output charted. */
const HEADLINE_OUTPUTS = new Set(['failure_probability', 'anomaly_score', 'remaining_cycles', 'rul_cycles', 'cycle_life', 'recommendation']);

function charted(all: PredictionSeries[]): PredictionSeries[] {
  const models = [...new Set(all.map((p) => p.model))];
  return models.flatMap((m) => {
    const own = all.filter((p) => p.model === m);
    const headline = own.filter((p) => HEADLINE_OUTPUTS.has(p.output));
    return headline.length > 0 ? headline : own.slice(0, 1);
  });
}

const SEVERITIES = ['info', 'warning', 'critical'];

function alarmTimeline(s: Series, x: [number, number]): ChartSpec {
  const alarms = [...s.alarms].sort((a, b) => a.ts - b.ts);
  const t = alarms.map((a) => a.ts / 1000);
  const at = (sev: string) => alarms.map((a) => (a.severity === sev ? SEVERITIES.indexOf(sev) : null));
  return { key: 'alarms', title: 'Alarms', t, x, yLabels: SEVERITIES, height: 110, lines: [
    { label: 'critical', values: at('critical'), stroke: C.red, pointsOnly: true },
    { label: 'warning', values: at('warning'), stroke: C.amber, pointsOnly: true },
    { label: 'info', values: at('info'), stroke: C.blue, pointsOnly: true },
  ] };
}

export function historyView(s: Series, latest: Latest): HTMLElement[] {
  const x: [number, number] = [s.from / 1000, s.to / 1000];
  const newest = new Map(latest.predictions.map((p) => [p.prediction?.model, p.prediction]));
  return [
    ...telemetryCharts(s, x).map(chart),
    h('h3', {}, 'Alarms'), chart(alarmTimeline(s, x)),
    h('table', { class: 'alarms', 'data-testid': 'device-alarms' }, ...[...s.alarms].slice(0, 20).map((a) =>
      h('tr', {}, h('td', {}, new Date(a.ts).toLocaleTimeString()), h('td', {}, h('span', { class: a.severity }, a.severity), ` ${a.rule}: ${a.message}`)))),
    h('h3', {}, 'Predictions'),
    ...(s.predictions.length === 0 ? [h('p', { class: 'muted small' }, 'no predictions in this window')] : charted(s.predictions).map((p) => {
      const box = chart(predictionChart(p, x));
      box.append(h('div', { class: 'muted small', 'data-testid': 'prediction-basis' }, basisText(newest.get(p.model))));
      return box;
    })),
  ];
}
