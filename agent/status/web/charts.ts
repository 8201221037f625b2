/**
 * Time-series charts with uPlot (served by the agent from node_modules/uplot, loaded as the global
 * `uPlot` by a classic <script> before this module). One helper, one look: every chart is a
 * phone-width line chart over the same time window, x in seconds (uPlot's convention).
 *
 * Every live chart is registered in window.evEdgeCharts under its key, so the browser tests can
 * read back exactly what each chart was given (u.data, u.series) and what it drew (its canvas).
 */
import type UPlot from 'uplot';
import { h } from './dom.js';

declare global {
  interface Window {
    uPlot: typeof UPlot;
    evEdgeCharts: Record<string, UPlot>;
  }
}
window.evEdgeCharts = {};

export interface Line {
  label: string;
  values: Array<number | null>;
  stroke: string;
  /** Draw a step (a state that holds until the next reading) instead of a slope. */
  step?: boolean;
  /** Markers only (events on a timeline), no connecting line. */
  pointsOnly?: boolean;
  dash?: number[];
}

export interface ChartSpec {
  key: string;
  title: string;
  t: number[];
  /** The window [from, to] in seconds: every chart spans the same one, so they line up. */
  x: [number, number];
  lines: Line[];
  /** Names for integer y values (connector status, maintenance level, alarm severity). */
  yLabels?: readonly string[];
  /** Fixed y range, e.g. [0, 100] for SoC. */
  yRange?: [number, number];
  height?: number;
}

const HEIGHT = 150;

function width(): number {
  const main = document.querySelector('main');
  return Math.max(260, Math.min(main ? main.clientWidth - 26 : 360, 860));
}

function options(spec: ChartSpec): UPlot.Options {
  const U = window.uPlot;
  const labels = spec.yLabels;
  const series: UPlot.Series[] = [{}, ...spec.lines.map((l): UPlot.Series => ({
    label: l.label,
    stroke: l.stroke,
    width: 1.5,
    ...(l.dash ? { dash: l.dash } : {}),
    ...(l.step ? { paths: U.paths.stepped!({ align: 1 }) } : {}),
    ...(l.pointsOnly ? { paths: () => null, points: { show: true, size: 8, fill: l.stroke, stroke: l.stroke } } : { points: { show: false } }),
  }))];
  // Named levels (up to nine OCPP statuses) need room: 16 px a level and a smaller font.
  const y: UPlot.Axis = labels ? { size: 112, font: '11px system-ui, sans-serif' } : { size: 48 };
  if (labels) {
    y.splits = () => labels.map((_, i) => i);
    y.values = (_u, splits) => splits.map((v) => labels[v] ?? '');
  }
  return {
    title: spec.title,
    width: width(),
    height: spec.height ?? (labels ? Math.max(HEIGHT, 16 * labels.length + 60) : HEIGHT),
    series,
    scales: { x: { time: true, range: spec.x }, y: labels ? { range: [-0.5, labels.length - 0.5] } : spec.yRange ? { range: spec.yRange } : {} },
    axes: [{}, y],
    legend: { live: false },
    cursor: { drag: { x: false, y: false } },
  };
}

/** A chart, or a one-line note when the window holds no data for it. Replaces any chart under the same key. */
export function chart(spec: ChartSpec): HTMLElement {
  window.evEdgeCharts[spec.key]?.destroy();
  delete window.evEdgeCharts[spec.key];
  const box = h('div', { class: 'chart', 'data-chart': spec.key });
  if (spec.t.length === 0) {
    box.append(h('div', { class: 'chart-title' }, spec.title), h('p', { class: 'muted small', 'data-testid': 'chart-empty' }, 'no data in this window'));
    return box;
  }
  const data: UPlot.AlignedData = [spec.t, ...spec.lines.map((l) => l.values)];
  window.evEdgeCharts[spec.key] = new window.uPlot(options(spec), data, box);
  return box;
}

/** Drop charts whose keys are not in `keep` (a device switch). */
export function pruneCharts(keep: Set<string>): void {
  for (const [key, u] of Object.entries(window.evEdgeCharts)) {
    if (!keep.has(key)) {
      u.destroy();
      delete window.evEdgeCharts[key];
    }
  }
}

/** Follow the phone turning sideways. */
window.addEventListener('resize', () => {
  for (const u of Object.values(window.evEdgeCharts)) u.setSize({ width: width(), height: u.height });
});
