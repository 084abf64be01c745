/**
 * Proof of the cluster key, both ways, without ever sending it (DESIGN.md §11). The key is derived
 * from the cluster secret for the data plane alone (apart from the keys that sign code and jobs).
 *
 * A request carries
 *
 *   x-shoal-time   milliseconds since the epoch        x-shoal-nonce  16 random bytes, base64url
 *   x-shoal-body   SHA-256 of the body, hex             x-shoal-auth   HMAC over all of it:
 *   HMAC(key, "shoal-request v1" LF method LF host LF path LF time LF nonce LF body digest)
 *
 * and the server checks the MAC in constant time before it reads the body, refuses a time more
 * than REPLAY_WINDOW_MS from its own clock, and refuses a nonce it saw within that window (a
 * replay). The nonces it remembers are bounded (MAX_NONCES): when full, it forgets the oldest and
 * from then on refuses every request no newer than the one forgotten, so memory stays bounded and
 * a replay is still refused.
 *
 * The answer proves the server holds the key too: `x-shoal-proof` = HMAC(key, "shoal-response v1"
 * LF request MAC LF status), which only a key holder can make and which is bound to this request.
 * The body is then authenticated section by section (`SectionMac`; where the tags go: frames.ts):
 * each tag is HMAC(key, previous tag ‖ the bytes since it), the first chained to the proof, so no
 * byte can be changed, dropped, reordered or spliced in from another response without the fetcher
 * noticing, and the fetcher decodes a section only once its tag matched.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { sameMac, type Secret } from '../secret.ts';

/** Requests whose time is further than this from the server's clock are refused (and clocks must agree this well). */
export const REPLAY_WINDOW_MS = 60_000;
/** At most this many nonces are remembered (~10 MB). */
const MAX_NONCES = 100_000;
/** Bytes of one section tag in a response body. */
export const TAG_BYTES = 32;

/** The data plane's own key, derived from the cluster secret. */
export function dataKey(secret: Secret): Secret {
  return secret.derive('shoal data plane v1');
}

export function bodyDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

function requestMac(key: Secret, method: string, host: string, path: string, time: string, nonce: string, digest: string): Buffer {
  return key.mac(['shoal-request v1', method, host, path, time, nonce, digest].join('\n'));
}

/**
 * The headers that authenticate one request, and its MAC (which the answer's proof is bound to).
 * @example
 * const { headers, tag } = signRequest(key, 'POST', '127.0.0.1:8788', '/data', body);
 */
export function signRequest(key: Secret, method: string, host: string, path: string, body: Uint8Array, now = Date.now()): { headers: Record<string, string>; tag: Buffer } {
  const time = String(now);
  const nonce = randomBytes(16).toString('base64url');
  const digest = bodyDigest(body);
  const tag = requestMac(key, method, host, path, time, nonce, digest);
  return { headers: { 'x-shoal-time': time, 'x-shoal-nonce': nonce, 'x-shoal-body': digest, 'x-shoal-auth': tag.toString('base64url') }, tag };
}

/** A request that passed: its MAC (to prove the answer with) and the body digest it claims. */
export interface CheckedRequest {
  tag: Buffer;
  digest: string;
}

/** The server's side: checks requests' MACs, times and nonces. */
export class RequestChecker {
  /** nonce → its request's time, in arrival order. */
  private readonly seen = new Map<string, number>();
  /** Requests at or before this time are refused: a nonce of theirs may have been forgotten. */
  private floor = 0;

  constructor(private readonly key: Secret) {}

  /** The checked request, or why it is refused (the server answers 401 with it). */
  check(method: string, host: string, path: string, h: IncomingHttpHeaders, now = Date.now()): CheckedRequest | string {
    const [time, nonce, digest, auth] = [h['x-shoal-time'], h['x-shoal-nonce'], h['x-shoal-body'], h['x-shoal-auth']];
    if (typeof time !== 'string' || typeof nonce !== 'string' || typeof digest !== 'string' || typeof auth !== 'string') {
      return 'no proof of the cluster key (x-shoal-auth and its fields)';
    }
    const tag = requestMac(this.key, method, host, path, time, nonce, digest);
    if (!sameMac(Buffer.from(auth, 'base64url'), tag)) return 'wrong proof of the cluster key (another SHOAL_TOKEN?)';
    const t = Number(time);
    if (!Number.isFinite(t) || Math.abs(now - t) > REPLAY_WINDOW_MS) {
      return `stale request: its time is ${Math.round((t - now) / 1000)} s from this server's clock (at most ${REPLAY_WINDOW_MS / 1000} s: are the machines' clocks set?)`;
    }
    if (!this.remember(nonce, t, now)) return 'replayed request (its nonce was seen before)';
    return { tag, digest };
  }

  private remember(nonce: string, time: number, now: number): boolean {
    // Entries the window refuses anyway are forgotten (arrival order is close to time order).
    for (const [n, t] of this.seen) {
      if (t >= now - REPLAY_WINDOW_MS) break;
      this.seen.delete(n);
    }
    if (time <= this.floor || this.seen.has(nonce)) return false;
    this.seen.set(nonce, time);
    if (this.seen.size > MAX_NONCES) {
      const [n, t] = this.seen.entries().next().value as [string, number];
      this.seen.delete(n);
      this.floor = Math.max(this.floor, t);
    }
    return true;
  }
}

/** The answer's proof that its server holds the key, bound to the request's MAC and the status. */
export function responseProof(key: Secret, requestTag: Buffer, status: number): Buffer {
  return key.mac('shoal-response v1\n', requestTag, `\n${status}`);
}

/**
 * Tags for a stream cut into sections: `update` with the bytes, `tag()` at the end of a section.
 * Both sides run one, seeded with the response's proof.
 */
export class SectionMac {
  private h;
  constructor(
    private readonly key: Secret,
    seed: Buffer,
  ) {
    this.h = key.hmac().update(seed);
  }

  update(bytes: Uint8Array): void {
    this.h.update(bytes);
  }

  /** The tag of the section just ended; the next section is chained to it. */
  tag(): Buffer {
    const t = this.h.digest();
    this.h = this.key.hmac().update(t);
    return t;
  }
}
