/**
 * The status page's static files, served by the agent (no CDN: gateways are often offline):
 *   /vendor/uPlot.iife.min.js, /vendor/uPlot.min.css   uPlot (MIT), from node_modules/uplot/dist
 *   /web/NAME.js                                       the page's modules, compiled from ./web/*.ts
 * Only names found in those two folders are served (no path from the URL reaches the filesystem
 * except a whitelisted file name). Files are read once, on first request, and kept (about 80 KB).
 * They are open routes: public code, no device data, and a browser fetches module imports
 * without the page's token.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { text, type HttpEndpoint, type HttpReply } from '../http.js';
import { packageRoot } from '../paths.js';

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

function uplotDir(): string {
  return dirname(createRequire(import.meta.url).resolve('uplot/dist/uPlot.iife.min.js'));
}

/** The compiled page modules (npm run build puts them there; the sources are ./web/*.ts). */
export function webDir(): string {
  return join(packageRoot(), 'dist', 'agent', 'status', 'web');
}

function servedFiles(): Map<string, string> {
  const files = new Map<string, string>();
  const vendor = uplotDir();
  files.set('/vendor/uPlot.iife.min.js', join(vendor, 'uPlot.iife.min.js'));
  files.set('/vendor/uPlot.min.css', join(vendor, 'uPlot.min.css'));
  const web = webDir();
  if (existsSync(web)) for (const name of readdirSync(web)) if (name.endsWith('.js')) files.set(`/web/${name}`, join(web, name));
  return files;
}

export function registerAssets(http: HttpEndpoint): void {
  const files = servedFiles();
  const cache = new Map<string, HttpReply>();
  const serve = (url: URL): HttpReply => {
    const file = files.get(url.pathname);
    if (!file) {
      return url.pathname.startsWith('/web/') && files.size <= 2
        ? text(503, `status page scripts not built: run npm run build (expected in ${webDir()})\n`)
        : text(404, 'not found\n');
    }
    let reply = cache.get(url.pathname);
    if (!reply) {
      reply = { status: 200, contentType: TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream', body: readFileSync(file) };
      cache.set(url.pathname, reply);
    }
    return reply;
  };
  http.routePrefix('/vendor/', serve, { open: true }).routePrefix('/web/', serve, { open: true });
}
