/**
 * Shipped code is signed: every function definition a client sends (inline source, a module URL,
 * a registry op) carries an HMAC-SHA256 made with a key derived from the cluster token, and a
 * worker runs only definitions whose signature matches its own token. Someone who can write to
 * Redis but does not know the token cannot make workers run code.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The signing key: derived from the token so the token itself is never what signs. */
export function signingKey(token: string): Buffer {
  return createHmac('sha256', token).update('shoal code signing v1').digest();
}

/**
 * The signature of a value (a function spec, a session hello), over its JSON form.
 * @example
 * verify(key, spec, sign(key, spec));   // true
 */
export function sign(key: Buffer, value: unknown): string {
  return createHmac('sha256', key).update(JSON.stringify(value)).digest('base64');
}

export function verify(key: Buffer, value: unknown, sig: unknown): boolean {
  if (typeof sig !== 'string') return false;
  const want = Buffer.from(sign(key, value), 'base64');
  const got = Buffer.from(sig, 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
}

/** The key that signs whole jobs (instruction batches, events): derived apart from the code key. */
export function jobKey(token: string): Buffer {
  return createHmac('sha256', token).update('shoal job signing v1').digest();
}

/** An HMAC over raw job bytes (base64 text or v8 bytes). */
export function mac(key: Buffer, data: string | Uint8Array): string {
  return createHmac('sha256', key).update(data).digest('base64');
}

export function macOk(key: Buffer, data: string | Uint8Array, sig: unknown): boolean {
  if (typeof sig !== 'string') return false;
  const want = Buffer.from(mac(key, data), 'base64');
  const got = Buffer.from(sig, 'base64');
  return got.length === want.length && timingSafeEqual(got, want);
}
