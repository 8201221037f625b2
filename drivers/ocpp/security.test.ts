/**
 * Security profiles 1-2 on both sides, against the hand-written peers: the allow-list, basic auth
 * (identity as user) and TLS, towards the chargers and towards the CSMS. The certificate is made
 * for the test by openssl (a self-signed one for 127.0.0.1); the test skips without openssl.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CSMS_PASSWORD, ocppConfig, PASSWORD, startConnectors, testRig } from './testdata/harness.js';
import { RawChargePoint, RawCsms, waitFor } from './testdata/peer.js';

const haveOpenssl = (() => {
  try {
    execFileSync('openssl', ['version']);
    return true;
  } catch {
    return false;
  }
})();

const rig = testRig();
const peers = rig.peers;

async function refused(url: string, identity: string, password: string | undefined): Promise<number | undefined> {
  const cp = new RawChargePoint(url, identity, { ...(password !== undefined ? { password } : {}) });
  peers.push(cp);
  await cp.connect().catch(() => undefined);
  await waitFor(() => cp.lastUpgradeStatus !== undefined, 2000, `a refusal for ${identity}`);
  await cp.stop();
  return cp.lastUpgradeStatus;
}

describe.skipIf(!haveOpenssl)('OCPP security profiles 1-2 (needs openssl to make a test certificate)', () => {
  let cert: { cert_file: string; key_file: string };
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'ocpp-tls-'));
    cert = { cert_file: join(dir, 'cert.pem'), key_file: join(dir, 'key.pem') };
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1', '-keyout', cert.key_file, '-out', cert.cert_file], { stdio: 'ignore' });
  });

  it('admits only allow-listed identities with their password, on the configured path, and counts each refusal', async () => {
    rig.endpoint = await startConnectors(ocppConfig({ mode: 'central_system' }));
    expect(await refused(rig.endpoint.url, 'CP-STRANGER', PASSWORD)).toBe(404);
    expect(await refused(rig.endpoint.url, 'CP1', 'not-the-right-password')).toBe(401);
    expect(await refused(rig.endpoint.url, 'CP1', undefined)).toBe(401);
    expect(await refused(rig.endpoint.url.replace('/ocpp', '/other'), 'CP1', PASSWORD)).toBe(404);
    const good = new RawChargePoint(rig.endpoint.url, 'CP1', { password: PASSWORD });
    peers.push(good);
    await good.connect();
    expect(rig.endpoint.drivers[0]!.sharedEndpoint!.errorCounts()).toEqual({ bad_password: 1, no_password: 1, unknown_identity: 2 });
  });

  it('profile 2: chargers connect over TLS with basic auth, and the proxy reaches a wss:// CSMS with its own password', async () => {
    const tls = { cert: readFileSync(cert.cert_file), key: readFileSync(cert.key_file) };
    const csms = new RawCsms({ CP1: CSMS_PASSWORD }, tls);
    const csmsPort = await csms.start();
    peers.push(csms);
    rig.endpoint = await startConnectors(
      ocppConfig({ mode: 'proxy', security_profile: 2, tls: cert, csms: { url: `wss://127.0.0.1:${csmsPort}/ocpp`, ca_file: cert.cert_file } }),
      'wss',
    );
    const cp = new RawChargePoint(rig.endpoint.url, 'CP1', { password: PASSWORD, ca: tls.cert });
    peers.push(cp);
    await cp.connect();
    const boot = await cp.call('BootNotification', { chargePointVendor: 'Acme', chargePointModel: 'Wall-22' });
    expect(boot![2]).toMatchObject({ status: 'Accepted' });
    expect(csms.calls('CP1').map((c) => c.action)).toEqual(['BootNotification']);
    // Plain ws:// to a TLS rig.endpoint gets nowhere.
    const plain = new RawChargePoint(rig.endpoint.url.replace('wss:', 'ws:'), 'CP1', { password: PASSWORD });
    await expect(plain.connect()).rejects.toThrow();
    await plain.stop();
  });

  it('refuses the charger (503) when the CSMS rejects the gateway\'s credentials', async () => {
    const csms = new RawCsms({ CP1: 'a-different-csms-password' });
    const csmsPort = await csms.start();
    peers.push(csms);
    rig.endpoint = await startConnectors(ocppConfig({ mode: 'proxy', csms: { url: `ws://127.0.0.1:${csmsPort}/ocpp` } }));
    expect(await refused(rig.endpoint.url, 'CP1', PASSWORD)).toBe(503);
    expect(rig.endpoint.ctx('CP1.1').count('csms_unreachable')).toBe(1);
  });
});
