/**
 * Per-cell voltages as bars, the first thing anyone servicing a BMS looks at: which cell is
 * lowest, which highest, and how far apart they are. The bars start at a baseline just under the
 * lowest cell (so millivolt differences are visible), and that baseline is labelled on the chart,
 * so nobody reads bar height as absolute voltage. Each bar carries its cell number and voltage
 * (data-cell, data-v and a <title> a long press shows).
 */
import { h, svg } from './dom.js';

const W = 360;
const H = 130;
const TOP = 8;
const BOTTOM = 16;
const LEFT = 34;

export interface CellSummary { min: number; max: number; minCell: number; maxCell: number; mean: number; spreadMv: number }

export function summarise(volts: readonly number[]): CellSummary {
  let minCell = 0;
  let maxCell = 0;
  volts.forEach((v, i) => {
    if (v < volts[minCell]!) minCell = i;
    if (v > volts[maxCell]!) maxCell = i;
  });
  const min = volts[minCell]!;
  const max = volts[maxCell]!;
  return { min, max, minCell: minCell + 1, maxCell: maxCell + 1, mean: volts.reduce((a, b) => a + b, 0) / volts.length, spreadMv: (max - min) * 1000 };
}

/** The cell block: a summary line and the bar chart. Empty volts: a note instead. */
export function cellBars(volts: readonly number[] | undefined): HTMLElement {
  if (!volts || volts.length === 0) return h('p', { class: 'muted', 'data-testid': 'cells-none' }, 'This device reports no per-cell voltages.');
  const s = summarise(volts);
  // Baseline: 20 % of the spread (at least 5 mV) under the lowest cell; top: as far over the highest.
  const pad = Math.max((s.max - s.min) * 0.2, 0.005);
  const lo = s.min - pad;
  const hi = s.max + pad;
  const plotH = H - TOP - BOTTOM;
  const y = (v: number) => TOP + plotH * (1 - (v - lo) / (hi - lo));
  const slot = (W - LEFT) / volts.length;
  const gap = slot > 4 ? 1 : 0;
  const bars = volts.map((v, i) => {
    const cls = i + 1 === s.minCell ? 'cell min' : i + 1 === s.maxCell ? 'cell max' : 'cell';
    return svg('rect', { class: cls, x: (LEFT + i * slot).toFixed(2), y: y(v).toFixed(2), width: Math.max(slot - gap, 0.5).toFixed(2), height: (H - BOTTOM - y(v)).toFixed(2), 'data-cell': i + 1, 'data-v': v },
      svg('title', {}, `cell ${i + 1}: ${v.toFixed(3)} V`));
  });
  const ref = (v: number, cls: string) => [
    svg('line', { class: `ref ${cls}`, x1: LEFT, x2: W, y1: y(v).toFixed(2), y2: y(v).toFixed(2) }),
    svg('text', { class: 'axis', x: LEFT - 3, y: (y(v) + 3).toFixed(2), 'text-anchor': 'end' }, v.toFixed(3)),
  ];
  const every = Math.max(1, Math.ceil(volts.length / 12));
  const ticks = volts.flatMap((_, i) => (i % every === 0 || i === volts.length - 1 ? [svg('text', { class: 'axis', x: (LEFT + (i + 0.5) * slot).toFixed(2), y: H - 4, 'text-anchor': 'middle' }, String(i + 1))] : []));
  const chart = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${volts.length} cell voltages`, 'data-testid': 'cell-bars', 'data-baseline': lo },
    ...bars, ...ref(s.min, 'min'), ...ref(s.max, 'max'), ...ticks);
  return h('div', { class: 'cells' },
    h('div', { class: 'cell-summary', 'data-testid': 'cell-summary' },
      h('span', { class: 'min' }, `min ${s.min.toFixed(3)} V (#${s.minCell})`),
      h('span', { class: 'max' }, `max ${s.max.toFixed(3)} V (#${s.maxCell})`),
      h('strong', { 'data-testid': 'cell-spread' }, `spread ${s.spreadMv.toFixed(0)} mV`),
      h('span', { class: 'muted' }, `mean ${s.mean.toFixed(3)} V`)),
    chart,
    h('div', { class: 'muted small' }, `${volts.length} cells in series order; bars start at ${lo.toFixed(3)} V, not 0 V.`));
}
