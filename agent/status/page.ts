/**
 * The technician's status page (GET /): an HTML shell and its stylesheet. The code is the ES
 * modules compiled from ./web/ (served under web/), the charts are uPlot (served under vendor/
 * from node_modules): everything comes from the agent itself, nothing from a CDN (gateways are
 * often offline). Relative URLs, so the page also works behind a reverse-proxy prefix. Laid out
 * for a phone held upright at the cabinet first; wider screens get the same column, centred.
 * With a token configured, open it as http://gateway:9100/?token=TOKEN; the script forwards it.
 */
const STYLE = `
*{box-sizing:border-box}
body{font:15px/1.35 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1d2430}
header{background:#1d2430;color:#fff;padding:8px 12px;display:flex;gap:4px 12px;align-items:baseline;flex-wrap:wrap;font-size:13px}
header h1{font-size:17px;margin:0}header .warning{color:#ffcf70;font-weight:600}
main{max-width:900px;margin:0 auto;padding:8px;display:grid;gap:8px}
section{background:#fff;border-radius:6px;padding:8px 10px;box-shadow:0 1px 2px #0002;min-width:0}
h2{font-size:16px;margin:0 0 6px;display:flex;gap:8px;align-items:center}h2 select{margin-left:auto;font-size:14px}
h3{font-size:14px;margin:12px 0 4px;color:#445}
#devices{display:flex;flex-wrap:wrap;gap:6px}
.device{display:flex;gap:4px;align-items:center;padding:6px 8px;border:1px solid #ccd;border-radius:6px;color:inherit;text-decoration:none;min-height:40px}
.device.selected{border-color:#1f6fd1;box-shadow:inset 0 0 0 1px #1f6fd1;background:#eef4fd}.device .id{font-weight:600;margin-right:2px}
.badge{font-size:11px;padding:1px 6px;border-radius:8px;background:#dde;text-transform:uppercase;white-space:nowrap}
.simulator{background:#ffd66b}.hardware{background:#9be39b}.replay{background:#a9c8ff}
.stale,.failed,.backoff,.disconnected{background:#f59b9b}.running,.connected,.idle{background:#c9ecc9}
.critical{color:#b00020;font-weight:600}.warning{color:#a45a00;font-weight:600}
table{border-collapse:collapse;width:100%}td{padding:3px 4px;border-bottom:1px solid #eee;vertical-align:top;overflow-wrap:anywhere}
td:first-child{color:#556;width:38%}.alarms td:first-child,#alarms td:first-child{width:30%}
.muted{color:#778}.small{font-size:12px}
.cell-summary{display:flex;flex-wrap:wrap;gap:2px 12px;font-size:14px}.cell-summary .min{color:#b25e00}.cell-summary .max{color:#1f6fd1}
.cells svg{width:100%;height:auto;display:block}
rect.cell{fill:#9aa8bd}rect.cell.min{fill:#e08600}rect.cell.max{fill:#1f6fd1}
line.ref{stroke-width:.8;stroke-dasharray:3 2}line.ref.min{stroke:#e08600}line.ref.max{stroke:#1f6fd1}
text.axis{font-size:9px;fill:#667}
.chart{margin:4px 0 10px}.chart-title{font-weight:600;text-align:center;font-size:14px}
.uplot .u-title{font-size:14px;font-weight:600}.uplot .u-legend{font-size:12px}
.bar{height:14px;background:#e3e6eb;border-radius:7px;overflow:hidden;margin:4px 0}.bar span{display:block;height:100%;background:#2e7d32}
.bar.high span{background:#c62828}
tr.conf-low td{color:#667}
`;

export const STATUS_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>ev-edge status</title>
<link rel="stylesheet" href="vendor/uPlot.min.css">
<style>${STYLE}</style>
<script src="vendor/uPlot.iife.min.js"></script>
<script type="module" src="web/status.js"></script>
</head><body>
<header><h1>ev-edge</h1><span id="gateway"></span><span id="clock"></span><span id="updated"></span></header>
<main>
<section><h2>Devices</h2><nav id="devices" data-testid="devices"></nav></section>
<section><h2>Now</h2><div id="now"></div></section>
<section><h2>History <select id="hours" aria-label="window"><option value="1">1 h</option><option value="6" selected>6 h</option><option value="24">24 h</option></select></h2><div id="history" data-testid="history"></div></section>
<section><h2>Buffer and sinks</h2><div id="buffer-sinks"></div></section>
<section><h2>Newest alarms, all devices</h2><table id="alarms" data-testid="alarms"></table></section>
</main></body></html>
`;
