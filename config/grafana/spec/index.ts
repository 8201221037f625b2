/** Every dashboard spec, and the JSON each generates (config/grafana/dashboards/<file>). */
import { agent } from './agent.js';
import { alarms, chargers } from './events.js';
import { fleet, freshness } from './fleet.js';
import { pack, predictions } from './pack.js';
import { buildDashboard, type DashboardSpec } from './panels.js';

export const DASHBOARDS: readonly DashboardSpec[] = [fleet, freshness, pack, predictions, alarms, chargers, agent];

/** The file content Grafana loads: pretty-printed JSON with a trailing newline. */
export function dashboardFile(spec: DashboardSpec): string {
  return `${JSON.stringify(buildDashboard(spec), null, 2)}\n`;
}
