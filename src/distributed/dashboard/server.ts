/**
 * The live dashboard's HTTP server (node:http, no dependency): `/status` serves the page,
 * `/events` streams snapshots as server-sent events (4 a second), `/snapshot.json` gives one.
 * It listens on 127.0.0.1 (port 8787, or a free port when that one is taken) and never keeps
 * the program alive. A request whose `Host` is not the dashboard's own address is refused (421),
 * so a web page cannot read it through DNS rebinding (host-check.ts).
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { messages, OptionError } from '../../errors.ts';
import { allowedHosts, hostRefusal } from '../host-check.ts';
import type { DashboardModel } from './model.ts';
import { dashboardPage } from './page.ts';

const TICK_MS = 250;

export class Dashboard {
  private constructor(
    private readonly http: Server,
    readonly host: string,
    readonly port: number,
    private readonly streams: Set<ServerResponse>,
    private readonly timer: ReturnType<typeof setInterval>,
    private readonly model: DashboardModel,
  ) {}

  /** `http://127.0.0.1:<port>/status` */
  get link(): string {
    return `http://${this.host}:${this.port}/status`;
  }

  /** Serve `model` at `address` (':8787', 'host:port'; port 0 picks a free one). */
  static async start(address: string, model: DashboardModel, title: string): Promise<Dashboard> {
    const m = /^([^:]*):(\d+)$/.exec(address);
    if (!m) throw new OptionError(messages.badOption('dashboardAddress', address, "must look like ':8787' or '127.0.0.1:0'"));
    const host = m[1] || '127.0.0.1';
    const wanted = Number(m[2]);
    const streams = new Set<ServerResponse>();
    const seen = new WeakMap<ServerResponse, number>();
    const page = dashboardPage(title);
    let allowed = new Set<string>(); // known once the port is bound
    const http = createServer((req, res) => {
      const misdirected = hostRefusal(req.headers.host, allowed);
      if (misdirected) {
        res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
        res.end(`shoal dashboard: ${misdirected}\n`);
        return;
      }
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/' || path === '/status') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(page);
      } else if (path === '/snapshot.json') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(model.snapshot()));
      } else if (path === '/events') {
        res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
        const snap = model.snapshot();
        seen.set(res, snap.seq);
        res.write(`data: ${JSON.stringify(snap)}\n\n`);
        streams.add(res);
        req.on('close', () => streams.delete(res));
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    const port = await listen(http, host, wanted).catch((e: NodeJS.ErrnoException) => {
      // Taken (another cluster's dashboard): any free port, as Dask does.
      if (e.code === 'EADDRINUSE' && wanted !== 0) return listen(http, host, 0);
      throw e;
    });
    allowed = allowedHosts(host, port);
    http.unref();
    const timer = setInterval(() => {
      for (const res of streams) {
        const snap = model.snapshot(seen.get(res) ?? 0);
        seen.set(res, snap.seq);
        res.write(`data: ${JSON.stringify(snap)}\n\n`);
      }
    }, TICK_MS);
    timer.unref();
    return new Dashboard(http, host, port, streams, timer, model);
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    for (const res of this.streams) res.end();
    this.streams.clear();
    this.model.detach();
    this.http.closeAllConnections();
    await new Promise<void>((r) => this.http.close(() => r()));
  }
}

function listen(http: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (e: Error) => reject(e);
    http.once('error', onError);
    http.listen(port, host, () => {
      http.off('error', onError);
      resolve((http.address() as AddressInfo).port);
    });
  });
}
