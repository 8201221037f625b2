/**
 * The technician's status page (GET /): one small self-contained HTML file, no build step, no
 * external assets (gateways are often offline). It polls the JSON API every 2 s. With a token
 * configured, open it as http://gateway:9100/?token=TOKEN; the script forwards the token.
 */
export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ev-edge status</title>
<style>
body{font:14px system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
header{background:#1d2430;color:#fff;padding:10px 16px;display:flex;gap:16px;align-items:baseline;flex-wrap:wrap}
header h1{font-size:18px;margin:0}main{padding:12px 16px;display:grid;gap:12px}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(300px,1fr));gap:12px}
.card{background:#fff;border-radius:6px;padding:10px 12px;box-shadow:0 1px 2px #0002}
.card h2{font-size:15px;margin:0 0 6px;display:flex;flex-wrap:wrap;gap:6px;align-items:center}.card h2 .id{white-space:nowrap;margin-right:auto}
.badge{font-size:11px;padding:1px 6px;border-radius:8px;background:#dde;text-transform:uppercase}
.simulator{background:#ffd66b}.hardware{background:#9be39b}.replay{background:#a9c8ff}
.stale,.failed{background:#f59b9b}.critical{color:#b00020;font-weight:600}.warning{color:#a45a00}
table{border-collapse:collapse;width:100%}td{padding:2px 4px;border-bottom:1px solid #eee}td:first-child{color:#556}
.muted{color:#889}
</style></head><body>
<header><h1>ev-edge</h1><span id="gateway"></span><span id="clock"></span><span id="buffer" data-testid="buffer"></span><span id="sinks" data-testid="sinks"></span><span id="updated" class="muted"></span></header>
<main><section class="cards" id="devices" data-testid="devices"></section>
<section class="card"><h2>Alarms</h2><table id="alarms" data-testid="alarms"></table></section></main>
<script>
const token = new URLSearchParams(location.search).get('token');
const headers = token ? { authorization: 'Bearer ' + token } : {};
const get = (p) => fetch(p, { headers }).then((r) => { if (!r.ok) throw new Error(p + ': ' + r.status); return r.json(); });
const esc = (v) => String(v).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const num = (v, d = 1, unit = '') => (typeof v === 'number' ? v.toFixed(d) + unit : '–');
const row = (k, v) => '<tr><td>' + esc(k) + '</td><td>' + v + '</td></tr>';
function telemetryRows(t) {
  if (!t) return row('telemetry', '<span class="muted">none yet</span>');
  if (t.type === 'battery') { const b = t.battery; return row('voltage', num(b.packVoltageV, 2, ' V')) + row('current', num(b.packCurrentA, 1, ' A')) +
    row('state of charge', num(b.socPct, 1, ' %')) + row('state of health', num(b.sohPct, 1, ' %')) +
    row('temperature', num(b.tempMinC, 1) + ' … ' + num(b.tempMaxC, 1, ' °C')) + row('cell voltage', num(b.cellVoltageMinV, 3) + ' … ' + num(b.cellVoltageMaxV, 3, ' V')) +
    row('cycles', num(b.cycleCount, 0)) + row('alarms', esc((b.alarmFlags || []).join(', ') || 'none')); }
  const c = t.charger; return row('connector', esc(c.connectorStatus || '–')) + row('power', num(c.powerW / 1000, 2, ' kW')) +
    row('energy delivered', num(c.energyDeliveredWh / 1000, 1, ' kWh')) + row('temperature', num(c.temperatureC, 1, ' °C')) +
    row('sessions', num(c.sessionCount, 0)) + row('errors', esc((c.errorCodes || []).join(', ') || 'none'));
}
async function refresh() {
  try {
    const [devices, status, alarms] = await Promise.all([get('api/devices'), get('api/status'), get('api/alarms?limit=20')]);
    const latest = await Promise.all(devices.devices.map((d) => get('api/devices/' + encodeURIComponent(d.id) + '/latest')));
    document.getElementById('gateway').textContent = 'gateway ' + devices.gateway;
    document.getElementById('clock').textContent = status.clockTrusted ? 'clock synchronised' : 'clock NOT trusted';
    const b = status.buffer;
    document.getElementById('buffer').textContent = b ? 'buffer ' + b.rows + ' rows, ' + (b.usedBytes / 1048576).toFixed(1) + ' of ' + (b.maxBytes / 1048576).toFixed(0) + ' MiB' : 'buffer closed';
    document.getElementById('sinks').textContent = Object.entries(status.sinks).map(([n, s]) => n + ': ' + s).join(' · ') || 'no sinks';
    document.getElementById('devices').innerHTML = latest.map((d) => '<div class="card" data-testid="device" data-device="' + esc(d.id) + '">' +
      '<h2><span class="id">' + esc(d.id) + '</span><span class="badge">' + esc(d.kind) + '</span><span class="badge ' + esc(d.state) + '" data-testid="state">' + esc(d.state) + '</span>' +
      '<span class="badge ' + esc(d.source || '') + '" data-testid="source">' + esc(d.source || 'no data') + '</span></h2><table>' + telemetryRows(d.telemetry) +
      d.predictions.map((p) => row(p.prediction.model + ' ' + p.prediction.modelVersion, esc(Object.entries(p.prediction.outputs).map(([k, v]) => k + ' ' + (typeof v === 'number' ? v.toFixed(3) : v)).join(', ')))).join('') +
      '</table><div class="muted" data-testid="ts">' + (d.telemetry ? new Date(d.telemetry.ts).toISOString() + ' · seq ' + d.telemetry.seq : '') + '</div></div>').join('');
    document.getElementById('alarms').innerHTML = alarms.alarms.map((a) => '<tr><td>' + new Date(a.ts).toISOString() + '</td><td>' + esc(a.deviceId) +
      '</td><td class="' + esc(a.alarm.severity) + '">' + esc(a.alarm.severity) + '</td><td>' + esc(a.alarm.message) + '</td></tr>').join('') || '<tr><td class="muted">no alarms</td></tr>';
    document.getElementById('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
  } catch (err) {
    document.getElementById('updated').textContent = 'update failed: ' + err.message;
  }
}
refresh();
setInterval(refresh, 2000);
</script></body></html>
`;
