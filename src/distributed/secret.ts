/**
 * The cluster secret (SHOAL_TOKEN) and every key derived from it, held so that it cannot leak by
 * being shown (DESIGN.md §11: secrets are redacted from every repr, log and error). The bytes live
 * in a `#private` field, which `util.inspect`, `console.log`, `JSON.stringify` and `Object.keys`
 * never see; printing the holder itself gives `Secret(<redacted>)`. Code that needs the key asks
 * for an HMAC keyed with it, never for the bytes, so no copy of them ends up in another object.
 */
import { createHmac, timingSafeEqual, type Hmac } from 'node:crypto';
import { inspect } from 'node:util';
import { OptionError } from '../errors.ts';

const REDACTED = 'Secret(<redacted>)';

export class Secret {
  readonly #key: Buffer;

  /**
   * @example
   * const secret = new Secret(process.env.SHOAL_TOKEN!);
   * console.log(secret);                 // Secret(<redacted>)
   * secret.hmac().update('x').digest();  // an HMAC-SHA256 keyed with the token
   */
  constructor(value: string | Buffer) {
    if (value.length === 0) throw new OptionError('the cluster secret must not be empty (SHOAL_TOKEN: at least 16 characters)');
    this.#key = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
  }

  /** A fresh HMAC-SHA256 keyed with this secret. */
  hmac(): Hmac {
    return createHmac('sha256', this.#key);
  }

  /**
   * The key for one purpose (`purpose` is a label such as 'shoal data plane v1'): HMAC(secret,
   * purpose). Keys for different purposes are unrelated, so a MAC made for one (a registry
   * entry) is never valid for another (a job, a request).
   */
  derive(purpose: string): Secret {
    return new Secret(this.hmac().update(purpose).digest());
  }

  /** HMAC-SHA256 of `parts` (each fed in turn), raw bytes. */
  mac(...parts: Array<string | Uint8Array>): Buffer {
    const h = this.hmac();
    for (const p of parts) h.update(p);
    return h.digest();
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** Constant-time equality of two MACs (false for different lengths, which reveals only the length). */
export function sameMac(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && timingSafeEqual(a, b);
}
