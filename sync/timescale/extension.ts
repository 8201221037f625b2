/**
 * Where the timescaledb extension is, and whether this role may create it. Read by the sink before
 * it sets up hypertables and by `ev-edge doctor`, so both name the same case.
 *
 * Why this matters: timescaledb is a trusted extension (its 2.x control file says `trusted = true`),
 * so any role with CREATE on the database may create it, and a bare `CREATE EXTENSION timescaledb`
 * puts it in the first schema of the search_path. PostgreSQL's default search_path is
 * `"$user", public`, and the documented setup names the schema like the role (`ev_edge`): the
 * extension then lands in the sink's schema, where Grafana's read-only role (`time_bucket`) and a
 * second gateway's role (`create_hypertable`) do not find it. So the sink names the schema
 * (`CREATE EXTENSION ... SCHEMA <extension_schema>`, default public) and qualifies every call.
 */
import type pg from 'pg';

export interface ExtensionState {
  /** Schema the installed extension lives in; undefined when not installed in this database. */
  installedIn?: string;
  installedVersion?: string;
  /** Version the server could install (its files are there); undefined when it has none. */
  availableVersion?: string;
  trusted: boolean;
  /**
   * timescaledb in shared_preload_libraries: without it CREATE EXTENSION fails. Read from a setting
   * the preloaded loader defines, because shared_preload_libraries is hidden from non-superusers.
   */
  preloaded: boolean;
  superuser: boolean;
  /** CREATE on the database: what a trusted extension needs. */
  mayCreateInDatabase: boolean;
  /** USAGE on the schema the extension is in (or would be created in). */
  mayUseSchema: boolean;
  extensionSchemaExists: boolean;
}

export type ExtensionCase =
  | 'installed' // in the configured schema (or one every role can reach)
  | 'installed-elsewhere' // in another schema, e.g. the sink's own, by an older ev-edge
  | 'installed-unusable' // this role has no USAGE on the extension's schema
  | 'creatable' // not installed; this role may create it
  | 'not-creatable' // not installed; needs a DBA
  | 'unavailable'; // the server has no timescaledb (or it is not preloaded)

export async function inspectExtension(client: pg.Client, extensionSchema: string): Promise<ExtensionState> {
  const { rows } = await client.query<{
    installed_in: string | null; installed_version: string | null; available_version: string | null; trusted: boolean | null;
    preloaded: boolean; superuser: boolean; may_create: boolean; may_use: boolean | null; schema_exists: boolean;
  }>(`SELECT n.nspname AS installed_in, e.extversion AS installed_version,
       (SELECT default_version FROM pg_catalog.pg_available_extensions WHERE name = 'timescaledb') AS available_version,
       (SELECT bool_or(trusted) FROM pg_catalog.pg_available_extension_versions WHERE name = 'timescaledb') AS trusted,
       current_setting('timescaledb.max_background_workers', true) IS NOT NULL AS preloaded,
       (SELECT rolsuper FROM pg_catalog.pg_roles WHERE rolname = current_user) AS superuser,
       has_database_privilege(current_database(), 'CREATE') AS may_create,
       has_schema_privilege(coalesce(n.nspname, (SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname = $1)), 'USAGE') AS may_use,
       EXISTS (SELECT 1 FROM pg_catalog.pg_namespace WHERE nspname = $1) AS schema_exists
     FROM (SELECT 1) one
     LEFT JOIN pg_catalog.pg_extension e ON e.extname = 'timescaledb'
     LEFT JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace`, [extensionSchema]);
  const r = rows[0]!;
  return {
    ...(r.installed_in ? { installedIn: r.installed_in } : {}),
    ...(r.installed_version ? { installedVersion: r.installed_version } : {}),
    ...(r.available_version ? { availableVersion: r.available_version } : {}),
    trusted: r.trusted === true, preloaded: r.preloaded, superuser: r.superuser,
    mayCreateInDatabase: r.may_create, mayUseSchema: r.may_use === true, extensionSchemaExists: r.schema_exists,
  };
}

export function extensionCase(s: ExtensionState, extensionSchema: string): ExtensionCase {
  if (s.installedIn) {
    if (!s.mayUseSchema) return 'installed-unusable';
    return s.installedIn === extensionSchema ? 'installed' : 'installed-elsewhere';
  }
  if (!s.availableVersion || !s.preloaded) return 'unavailable';
  if (!s.extensionSchemaExists || !s.mayUseSchema) return 'not-creatable';
  return s.superuser || (s.trusted && s.mayCreateInDatabase) ? 'creatable' : 'not-creatable';
}

/** One sentence per case and, where someone must act, what to run: for the log and for doctor. */
export function explainExtension(s: ExtensionState, extensionSchema: string): { case: ExtensionCase; detail: string; fix?: string } {
  const c = extensionCase(s, extensionSchema);
  const dba = `as a superuser: CREATE EXTENSION timescaledb SCHEMA ${extensionSchema}; (see README "TimescaleDB: least privilege")`;
  switch (c) {
    case 'installed':
      return { case: c, detail: `timescaledb ${s.installedVersion} is installed in schema ${s.installedIn}` };
    case 'installed-elsewhere':
      return {
        case: c,
        detail: `timescaledb ${s.installedVersion} is installed in schema ${s.installedIn}, not ${extensionSchema}: the sink calls it there, `
          + `but roles whose search_path lacks ${s.installedIn} (Grafana's read-only role, other gateways) do not find time_bucket or create_hypertable`,
        fix: `the extension cannot be moved (relocatable = false): set extension_schema: ${s.installedIn} and grant USAGE ON SCHEMA ${s.installedIn} `
          + `to the other roles and add it to their search_path (ALTER ROLE ... SET search_path = "$user", public, ${s.installedIn}), `
          + 'or dump, drop and recreate it in public with a DBA',
      };
    case 'installed-unusable':
      return { case: c, detail: `timescaledb is installed in schema ${s.installedIn}, but this role has no USAGE on that schema`, fix: `GRANT USAGE ON SCHEMA ${s.installedIn} TO <this role>` };
    case 'creatable':
      return { case: c, detail: `timescaledb ${s.availableVersion} is not installed; this role may create it (${s.superuser ? 'superuser' : 'trusted extension, CREATE on the database'}) and the sink will, in schema ${extensionSchema}` };
    case 'not-creatable':
      return {
        case: c,
        detail: `timescaledb ${s.availableVersion} is available but not installed, and this role may not create it`
          + (s.extensionSchemaExists ? '' : ` (schema ${extensionSchema} does not exist)`) + ': the sink keeps plain tables',
        fix: dba,
      };
    case 'unavailable':
      return {
        case: c,
        detail: s.availableVersion ? 'timescaledb is installed on the server but not in shared_preload_libraries: plain tables'
          : 'the server has no timescaledb extension: plain PostgreSQL tables',
        fix: s.availableVersion ? "shared_preload_libraries = 'timescaledb' in postgresql.conf, then restart" : 'install TimescaleDB on the server, or set timescale: off to say plain tables are meant',
      };
  }
}
