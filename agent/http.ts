/**
 * The local HTTP endpoint: /metrics for Prometheus, /healthz and /readyz for systemd/Docker
 * health checks, and whatever read-only routes the agent adds (status page, JSON API).
 * Read-only by design: every route answers GET/HEAD only. With a token configured, everything
 * except the health probes and routes registered `{ open: true }` requires
 * `Authorization: Bearer TOKEN` (or `?token=` for a browser). Open routes are for static files
 * that carry no data (the status page's scripts: a browser fetches module imports without the
 * page's token).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';

export interface HttpReply {
  status: number;
  contentType: string;
  body: string | Buffer;
}
export type RouteHandler = (url: URL, req: IncomingMessage) => HttpReply | Promise<HttpReply>;


export function json(status: number, value: unknown): HttpReply {
  return { status, contentType: 'application/json; charset=utf-8', body: `${JSON.stringify(value)}\n` };
}

export function text(status: number, body: string): HttpReply {
  return { status, contentType: 'text/plain; charset=utf-8', body };
}

export class HttpEndpoint {
  private server: Server | undefined;
  private readonly exact = new Map<string, RouteHandler>();
  private readonly prefixes: Array<[string, RouteHandler]> = [];
  private readonly openPaths = new Set(['/healthz', '/readyz']);
  private readonly openPrefixes: string[] = [];

  constructor(private readonly token?: string) {}

  route(path: string, handler: RouteHandler, options: { open?: boolean } = {}): this {
    this.exact.set(path, handler);
    if (options.open) this.openPaths.add(path);
    return this;
  }

  /** A handler for every path under `prefix` (e.g. '/api/devices/'). */
  routePrefix(prefix: string, handler: RouteHandler, options: { open?: boolean } = {}): this {
    this.prefixes.push([prefix, handler]);
    if (options.open) this.openPrefixes.push(prefix);
    return this;
  }

  async listen(listen: string): Promise<{ host: string; port: number }> {
    const at = listen.lastIndexOf(':');
    const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(listen.slice(at + 1));
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address();
    return { host, port: typeof address === 'object' && address ? address.port : port };
  }

  private authorised(url: URL, req: IncomingMessage): boolean {
    if (!this.token || this.openPaths.has(url.pathname) || this.openPrefixes.some((p) => url.pathname.startsWith(p))) return true;
    const header = req.headers.authorization ?? '';
    const offered = header.startsWith('Bearer ') ? header.slice(7) : (url.searchParams.get('token') ?? '');
    const a = Buffer.from(offered);
    const b = Buffer.from(this.token);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let reply: HttpReply;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET' && req.method !== 'HEAD') reply = text(405, 'read-only endpoint: GET only\n');
      else if (!this.authorised(url, req)) reply = text(401, 'missing or wrong token\n');
      else {
        const handler = this.exact.get(url.pathname) ?? this.prefixes.find(([p]) => url.pathname.startsWith(p))?.[1];
        reply = handler ? await handler(url, req) : text(404, 'not found\n');
      }
    } catch (err) {
      reply = text(500, `internal error: ${(err as Error).message}\n`);
    }
    res.writeHead(reply.status, { 'content-type': reply.contentType, 'cache-control': 'no-store' });
    res.end(req.method === 'HEAD' ? undefined : reply.body);
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
