/**
 * Config schema of the ocpp block (`devices[].ocpp`), pure: no socket is opened here. Every key is
 * explained in drivers/ocpp/example.yaml.
 *
 * One `driver: ocpp` entry describes one OCPP endpoint of the gateway (a listening address, its
 * mode and the charge points allowed to connect). `expandOcppDevices` turns it into one device per
 * connector, id `<identity>.<connector>`, so every connector gets its own records, state and
 * metrics through the ordinary Driver contract; all of them share the endpoint (see hub.ts).
 */
import { z } from 'zod';

/** Same rule as a device id: identities become part of device ids. */
const identitySchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/, 'expected 1-48 letters, digits, ".", "_" or "-" (it becomes part of device ids)');

const listenSchema = z
  .string()
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected HOST:PORT, e.g. 0.0.0.0:8887');

/** OCPP security profile 1 and 2: HTTP basic auth, the user is the identity. 16-40 chars per OCPP 1.6 security whitepaper. */
const passwordSchema = z.string().min(16, 'OCPP basic-auth passwords are 16-40 characters').max(40, 'OCPP basic-auth passwords are 16-40 characters');

export const OCPP_PROTOCOLS = ['ocpp1.6', 'ocpp2.0.1'] as const;

const chargePointSchema = z.strictObject({
  identity: identitySchema,
  /** Connectors 1..N (OCPP 2.0.1: EVSEs 1..N) each become a device `<identity>.<n>`. */
  connectors: z.number().int().min(1).max(32).default(1),
  /** The password this charge point presents to the gateway (security profile 1-2). */
  password: passwordSchema.optional(),
  /** Proxy: the password the gateway presents to the CSMS for this charge point. */
  csms_password: passwordSchema.optional(),
  /** Date of the last maintenance (ISO 8601); feeds days_since_maintenance. Omit if unknown. */
  maintained_at: z.iso.datetime({ offset: true }).or(z.iso.date()).optional(),
});
export type ChargePointConfig = z.infer<typeof chargePointSchema>;

const idTagSchema = z.strictObject({
  id_tag: z.string().min(1).max(20),
  status: z.enum(['Accepted', 'Blocked', 'Expired']).default('Accepted'),
  expiry: z.iso.datetime({ offset: true }).optional(),
});
export type IdTagConfig = z.infer<typeof idTagSchema>;

export const ocppConfigSchema = z
  .strictObject({
    /** proxy: forward to a CSMS and tap; central_system: the gateway is the central system. */
    mode: z.enum(['proxy', 'central_system']),
    /** Chargers connect to ws(s)://HOST:PORT<path>/<identity>. */
    listen: listenSchema.default('0.0.0.0:8887'),
    path: z.string().regex(/^(\/[A-Za-z0-9._~-]+)*$/, 'expected "" or a path such as /ocpp').default('/ocpp'),
    protocols: z.array(z.enum(OCPP_PROTOCOLS)).min(1).default(['ocpp1.6']),
    /** Security profile: 0 none (closed networks only), 1 basic auth, 2 basic auth over TLS. */
    security_profile: z.union([z.literal(0), z.literal(1), z.literal(2)]).default(2),
    tls: z.strictObject({ cert_file: z.string().min(1), key_file: z.string().min(1) }).optional(),
    csms: z
      .strictObject({
        /** The CSMS endpoint without the identity, e.g. wss://csms.example.com/ocpp. */
        url: z.url({ protocol: /^wss?$/ }),
        /** Extra CA (PEM) to trust for the CSMS's certificate, e.g. a private CA. */
        ca_file: z.string().min(1).optional(),
        connect_timeout_ms: z.number().int().min(100).max(60_000).default(10_000),
      })
      .optional(),
    /** Central system: the heartbeat interval sent in BootNotification.conf. Both modes: the staleness horizon. */
    heartbeat_interval_s: z.number().int().min(10).max(86_400).default(300),
    /** Central system: the local authorisation list (idTags and their status). */
    authorization_list: z.array(idTagSchema).default([]),
    /** A charger whose messages fail this many times in a row is disconnected (it may reconnect). */
    max_bad_messages: z.number().int().min(1).max(10_000).default(20),
    charge_points: z.array(chargePointSchema).min(1, 'list the charge points allowed to connect (the allow-list)'),
  })
  .superRefine((c, ctx) => {
    if (c.mode === 'proxy' && !c.csms) ctx.addIssue({ code: 'custom', path: ['csms'], message: 'mode proxy needs csms.url' });
    if (c.mode === 'central_system' && c.csms) ctx.addIssue({ code: 'custom', path: ['csms'], message: 'csms is only used in mode proxy' });
    if (c.security_profile === 2 && !c.tls) ctx.addIssue({ code: 'custom', path: ['tls'], message: 'security_profile 2 needs tls.cert_file and tls.key_file' });
    const seen = new Set<string>();
    c.charge_points.forEach((cp, i) => {
      if (seen.has(cp.identity)) ctx.addIssue({ code: 'custom', path: ['charge_points', i, 'identity'], message: `duplicate identity "${cp.identity}"` });
      seen.add(cp.identity);
      if (c.security_profile >= 1 && !cp.password) {
        ctx.addIssue({ code: 'custom', path: ['charge_points', i, 'password'], message: `security_profile ${c.security_profile} needs a password per charge point` });
      }
      if (c.mode === 'proxy' && c.csms?.url.startsWith('wss:') && !cp.csms_password) {
        ctx.addIssue({ code: 'custom', path: ['charge_points', i, 'csms_password'], message: 'a wss:// CSMS needs csms_password (security profile 2 towards the CSMS)' });
      }
    });
  });
export type OcppConfig = z.infer<typeof ocppConfigSchema>;

/** The device id of a connector. */
export function connectorDeviceId(identity: string, connector: number): string {
  return `${identity}.${connector}`;
}

/** Which charge point and connector a device id names, given its endpoint block. */
export function connectorOf(config: OcppConfig, deviceId: string): { chargePoint: ChargePointConfig; connector: number } | undefined {
  for (const chargePoint of config.charge_points) {
    for (let connector = 1; connector <= chargePoint.connectors; connector++) {
      if (connectorDeviceId(chargePoint.identity, connector) === deviceId) return { chargePoint, connector };
    }
  }
  return undefined;
}

interface ExpandableDevice {
  id: string;
  driver: string;
  ocpp?: OcppConfig | undefined;
  stale_after_ms?: number | undefined;
}

/**
 * Replaces each ocpp endpoint entry by its connectors. A connector goes stale when its charger
 * disconnects (the driver says so at once) or when nothing arrived for two heartbeat intervals
 * and a minute, unless the entry sets stale_after_ms itself.
 */
export function expandOcppDevices<D extends ExpandableDevice>(devices: D[]): D[] {
  return devices.flatMap((device) => {
    if (device.driver !== 'ocpp' || !device.ocpp) return [device];
    const block = device.ocpp;
    const staleAfter = device.stale_after_ms ?? (2 * block.heartbeat_interval_s + 60) * 1000;
    return block.charge_points.flatMap((cp) =>
      Array.from({ length: cp.connectors }, (_, i) => ({ ...device, id: connectorDeviceId(cp.identity, i + 1), stale_after_ms: staleAfter })),
    );
  });
}
