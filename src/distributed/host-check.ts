/**
 * DNS rebinding protection for shoal's HTTP servers (the dashboard, the data servers). A web page
 * can point a name it controls (evil.example) at 127.0.0.1 and have the browser send requests to
 * a server on loopback; the browser then sends the page's name as the `Host` header. A server that
 * answers only to its own names refuses those: the bound host, the loopback forms for a loopback
 * (or wildcard) bind, the advertised name and, for a wildcard bind, the machine's own IP addresses
 * (an IP literal cannot be rebound).
 */
import { hostname, networkInterfaces } from 'node:os';

/** The `Host` values (lower case, `host:port`) a server bound to `host`:`port` answers to. */
export function allowedHosts(host: string, port: number, advertised?: string): Set<string> {
  const names = new Set<string>();
  const add = (h: string) => names.add(`${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`.toLowerCase());
  add(host);
  if (advertised) add(advertised);
  const wildcard = host === '0.0.0.0' || host === '::' || host === '';
  if (wildcard || isLoopback(host)) for (const h of ['127.0.0.1', 'localhost', '::1']) add(h);
  if (wildcard) {
    add(hostname());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) add(a.address.replace(/%.*$/, ''));
  }
  return names;
}

/** True for 127.0.0.0/8, ::1 and localhost (brackets allowed). */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/**
 * Why a request's `Host` header is refused, or undefined when it is one of `allowed`. The caller
 * answers 421 (Misdirected Request) with this text.
 * @example
 * const why = hostRefusal(req.headers.host, allowed);
 * if (why) return res.writeHead(421).end(why);
 */
export function hostRefusal(host: string | undefined, allowed: Set<string>): string | undefined {
  if (host !== undefined && allowed.has(host.toLowerCase())) return undefined;
  const shown = [...allowed].slice(0, 4).join(', ');
  return `refusing Host ${JSON.stringify(host ?? '')}: this server answers only to ${shown}${allowed.size > 4 ? ', …' : ''} (a request under another name may come from a web page through DNS rebinding)`;
}
