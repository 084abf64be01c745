/**
 * Everything a token holder writes into Redis is signed, and everything read back is checked
 * before it is used: function definitions (inline source, a module URL, a registry op), hellos and
 * byes, whole jobs (codec.ts) and registry entries (registry.ts). Each purpose has its own key,
 * derived from the cluster secret, so a signature made for one (a registry entry) never passes for
 * another (a job); the data plane derives its own the same way (data-plane/auth.ts). Someone who
 * can write to Redis but does not hold the secret can make workers run nothing, and make no
 * client or worker connect anywhere.
 */
import { Secret, sameMac } from '../secret.ts';

/** The keys of one cluster, derived from its secret (every one redacted when shown). */
export class ClusterKeys {
  /** The cluster secret itself: the data plane derives its key from it. */
  readonly secret: Secret;
  /** Signs function definitions, hellos and byes. */
  readonly code: Secret;
  /** Seals whole jobs (instruction batches, events). */
  readonly job: Secret;
  /** Signs the worker registry's entries. */
  readonly registry: Secret;

  /**
   * @example
   * const keys = new ClusterKeys(process.env.SHOAL_TOKEN!);
   * verify(keys.code, spec, sign(keys.code, spec));   // true
   */
  constructor(token: string | Secret) {
    this.secret = typeof token === 'string' ? new Secret(token) : token;
    this.code = this.secret.derive('shoal code signing v1');
    this.job = this.secret.derive('shoal job signing v2');
    this.registry = this.secret.derive('shoal registry signing v1');
  }
}

/**
 * The signature of a value (a function spec, a session hello, a registry entry), over its JSON form.
 * @example
 * verify(key, spec, sign(key, spec));   // true
 */
export function sign(key: Secret, value: unknown): string {
  return key.mac(JSON.stringify(value)).toString('base64');
}

/** Does `sig` sign `value` under `key`? (constant time) */
export function verify(key: Secret, value: unknown, sig: unknown): boolean {
  return typeof sig === 'string' && sameMac(Buffer.from(sig, 'base64'), key.mac(JSON.stringify(value)));
}
