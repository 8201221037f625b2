/**
 * `ev-edge doctor`: one line per check, each failure with a fix hint. Checks the config, the data
 * folder, each device's port/interface/file, the shipped models against their cards, and whether
 * each configured upstream accepts a TCP connection. Exit 0 when nothing failed.
 */
import { constants, accessSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../config/load.js';
import type { AgentConfig, DeviceConfig } from '../../config/schema.js';
import { modelsDir } from '../paths.js';
import { knownRuntimeProblem } from '../runtime.js';
import { parseFlags } from '../../core/flags.js';
import type { TimescaleConfig } from '../../sync/config.js';
import type { ExtensionCase } from '../../sync/timescale/extension.js';
import type { Command } from './command.js';
import { configPath } from './run.js';

type Status = 'ok' | 'warn' | 'fail';
interface Check { status: Status; name: string; detail: string; fix?: string }

function dataDirCheck(config: AgentConfig): Check {
  const dir = config.data_dir;
  try {
    if (!existsSync(dir)) mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.R_OK | constants.W_OK);
    return { status: 'ok', name: 'data folder', detail: `${dir} is writable` };
  } catch (err) {
    return { status: 'fail', name: 'data folder', detail: `${dir}: ${(err as Error).message}`, fix: `create it and give the agent's user write access (systemd: StateDirectory=ev-edge does this)` };
  }
}

function deviceCheck(device: DeviceConfig): Check {
  const name = `device ${device.id}`;
  const fallback = device.fallback === 'simulator' ? ' (falls back to the simulator meanwhile)' : '';
  const exists = (path: string, what: string, fix: string): Check => {
    if (!existsSync(path)) return { status: device.fallback === 'simulator' ? 'warn' : 'fail', name, detail: `${what} ${path} not found${fallback}`, fix };
    try {
      accessSync(path, constants.R_OK | constants.W_OK);
      return { status: 'ok', name, detail: `${what} ${path} present` };
    } catch {
      return { status: 'fail', name, detail: `${what} ${path} is not readable and writable`, fix: 'add the agent user to the dialout group (systemd unit does: SupplementaryGroups=dialout)' };
    }
  };
  switch (device.driver) {
    case 'simulator':
      return { status: 'ok', name, detail: 'simulator (no hardware needed)' };
    case 'serial':
      return exists(device.serial!.path, 'serial port', 'check the cable and adapter; a udev rule gives it a stable name (systemd/99-ev-edge-serial.rules.example)');
    case 'modbus':
      if (device.modbus!.transport === 'rtu') return exists(device.modbus!.path ?? '', 'serial port', 'check the RS-485 adapter and its path');
      return { status: 'ok', name, detail: `Modbus TCP ${device.modbus!.host}:${device.modbus!.port} (probed by the agent)` };
    case 'ocpp': {
      const ocpp = device.ocpp!;
      const target = ocpp.mode === 'proxy' ? `proxy to ${ocpp.csms!.url}` : 'standalone central system';
      return { status: 'ok', name, detail: `OCPP connector on ${ocpp.listen}${ocpp.path} (${target}; the charger connects to the agent)` };
    }
    case 'can': {
      const can = device.can!;
      if (can.replay) return exists(can.replay.file, 'replay log', 'fix can.replay.file');
      const iface = can.interface ?? 'can0';
      return existsSync(`/sys/class/net/${iface}`)
        ? { status: 'ok', name, detail: `CAN interface ${iface} present` }
        : { status: device.fallback === 'simulator' ? 'warn' : 'fail', name, detail: `CAN interface ${iface} not found${fallback}`, fix: `ip link set ${iface} up type can bitrate 500000` };
    }
  }
}

function modelChecks(): Check[] {
  const dir = modelsDir();
  if (!existsSync(dir)) return [{ status: 'warn', name: 'models', detail: `${dir} not found`, fix: 'reinstall the release (models/*.onnx ship with it)' }];
  return readdirSync(dir).filter((f) => f.endsWith('.card.json')).sort().map((cardFile): Check => {
    const name = `model ${cardFile.replace('.card.json', '')}`;
    try {
      const card = JSON.parse(readFileSync(join(dir, cardFile), 'utf8')) as { file: string; sha256: string; version: string };
      const bytes = readFileSync(join(dir, card.file));
      const sha = createHash('sha256').update(bytes).digest('hex');
      if (sha !== card.sha256) return { status: 'fail', name, detail: `${card.file} does not match its card's sha256`, fix: 'the file is corrupt or was replaced: reinstall it or retrain (npm run train)' };
      return { status: 'ok', name, detail: `${card.file} v${card.version} matches its card` };
    } catch (err) {
      return { status: 'fail', name, detail: (err as Error).message, fix: 'reinstall the model and its card' };
    }
  });
}

function tcpCheck(name: string, host: string, port: number, timeoutMs = 3000): Promise<Check> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (check: Check) => {
      socket.destroy();
      resolve(check);
    };
    socket.setTimeout(timeoutMs, () => done({ status: 'fail', name, detail: `${host}:${port} did not answer within ${timeoutMs} ms`, fix: 'check the network route and firewall; the agent keeps buffering meanwhile' }));
    socket.once('connect', () => done({ status: 'ok', name, detail: `${host}:${port} accepts connections` }));
    socket.once('error', (err) => done({ status: 'fail', name, detail: `${host}:${port}: ${err.message}`, fix: 'check the address in the config and that the server runs; the agent keeps buffering meanwhile' }));
  });
}

/** Logs in as the sink would and names the TimescaleDB case the sink will find (extension.ts). */
async function timescaleCheck(o: TimescaleConfig): Promise<Check[]> {
  const tcp = await tcpCheck('sink timescale', o.host, o.port);
  if (tcp.status !== 'ok' || o.timescale === 'off') return [tcp];
  const name = 'sink timescale extension';
  // Imported here: pg is loaded by the processes that talk to PostgreSQL, not by every command.
  const { newClient } = await import('../../sync/timescale/connection.js');
  const { explainExtension, inspectExtension } = await import('../../sync/timescale/extension.js');
  const client = newClient(o);
  client.on('error', () => {});
  try {
    await client.connect();
    const found = explainExtension(await inspectExtension(client, o.extension_schema), o.extension_schema);
    const status: Record<ExtensionCase, Status> = {
      'installed': 'ok', 'creatable': 'ok', 'installed-elsewhere': 'warn', 'installed-unusable': 'fail',
      'not-creatable': o.timescale === 'require' ? 'fail' : 'warn', 'unavailable': o.timescale === 'require' ? 'fail' : 'warn',
    };
    return [tcp, { status: status[found.case], name, detail: `${found.case}: ${found.detail}`, ...(found.fix ? { fix: found.fix } : {}) }];
  } catch (err) {
    return [tcp, { status: 'fail', name, detail: `login as ${o.user} to ${o.database}: ${(err as Error).message}`, fix: 'check user, password or password_file, database and TLS settings' }];
  } finally {
    await client.end().catch(() => {});
  }
}

function upstreamChecks(config: AgentConfig): Array<Promise<Check | Check[]>> {
  const checks: Array<Promise<Check | Check[]>> = [];
  const sinks = config.sinks;
  if (sinks.timescale?.enabled) checks.push(timescaleCheck(sinks.timescale));
  if (sinks.mqtt?.enabled) {
    const url = new URL(sinks.mqtt.url);
    const port = Number(url.port || (url.protocol === 'mqtts:' ? 8883 : url.protocol === 'wss:' ? 443 : url.protocol === 'ws:' ? 80 : 1883));
    checks.push(tcpCheck('sink mqtt', url.hostname, port));
  }
  if (sinks.kafka?.enabled) {
    for (const broker of sinks.kafka.brokers) {
      const at = broker.lastIndexOf(':');
      checks.push(tcpCheck(`sink kafka ${broker}`, broker.slice(0, at), Number(broker.slice(at + 1))));
    }
  }
  // Every CSMS an OCPP proxy forwards to (once per URL, however many connectors share it).
  const csmsUrls = new Set(config.devices.flatMap((d) => (d.driver === 'ocpp' && d.ocpp?.csms ? [d.ocpp.csms.url] : [])));
  for (const csms of csmsUrls) {
    const url = new URL(csms);
    checks.push(tcpCheck(`csms ${csms}`, url.hostname, Number(url.port || (url.protocol === 'wss:' ? 443 : 80))));
  }
  return checks;
}

export const doctorCommand: Command = {
  name: 'doctor',
  summary: 'check config, data folder, devices, models and upstreams',
  usage: `ev-edge doctor [--config FILE]

Prints one line per check (ok / warn / FAIL) with a fix hint for each problem:
the Node.js runtime (releases known to crash the agent), the config file, the data folder's permissions, each device's serial port, CAN interface or
replay file, every shipped model against its card (sha256), and a TCP connection to each
configured upstream (sinks, and the CSMS of each OCPP proxy); for timescale also a login as the
sink and which TimescaleDB case it finds (extension installed and where, creatable by this role,
needs a DBA, unavailable). Exits 0 when no check failed, 1 otherwise.`,
  async run(args) {
    const { flags } = parseFlags(args);
    const file = configPath(flags);
    let config: AgentConfig;
    try {
      config = loadConfig(file);
      print({ status: 'ok', name: 'config', detail: `${file ?? 'built-in default'}: valid, ${config.devices.length} device(s)` });
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      print({ status: 'fail', name: 'config', detail: err.message.split('\n').join(' | '), fix: `fix the lines named above; ev-edge check-config ${file ?? 'FILE'}` });
      return 1;
    }
    const runtimeProblem = knownRuntimeProblem();
    const runtime: Check = runtimeProblem
      ? { status: 'fail', name: 'node.js', detail: runtimeProblem, fix: 'install Node.js 22 or 26 (scripts/install.sh uses the node on PATH)' }
      : { status: 'ok', name: 'node.js', detail: `${process.version}: no known problem` };
    const checks = [runtime, dataDirCheck(config), ...config.devices.map(deviceCheck), ...modelChecks(), ...(await Promise.all(upstreamChecks(config))).flat()];
    checks.forEach(print);
    const failed = checks.filter((c) => c.status === 'fail').length;
    process.stdout.write(`${failed === 0 ? 'all checks passed' : `${failed} check(s) failed`}\n`);
    return failed === 0 ? 0 : 1;
  },
};

function print(check: Check): void {
  const tag = check.status === 'ok' ? 'ok  ' : check.status === 'warn' ? 'warn' : 'FAIL';
  process.stdout.write(`${tag}  ${check.name}: ${check.detail}${check.fix ? `\n      fix: ${check.fix}` : ''}\n`);
}
