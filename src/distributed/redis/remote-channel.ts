/**
 * A worker slot as the scheduler's `Channel`: `post` puts the message into the slot's worker's
 * outbox (one BullMQ job per worker per tick carries every slot's batch), messages from the
 * session's event queue are delivered to `onMessage`, and `exit` is called when the worker is
 * declared lost or leaves.
 */
import type { Channel } from '../../schedulers/channel.ts';
import type { FromWorker, ToWorker } from '../protocol.ts';

export class RemoteChannel implements Channel {
  private messageCb: ((msg: FromWorker) => void) | undefined;
  private exitCb: ((detail: string) => void) | undefined;
  private gone = false;
  private markClosed!: () => void;
  readonly closed = new Promise<void>((r) => (this.markClosed = r));

  constructor(
    readonly name: string,
    readonly pid: number,
    private readonly send: (msg: ToWorker) => void,
  ) {}

  post(msg: never): void {
    if (!this.gone) this.send(msg as ToWorker);
  }
  onMessage(cb: (msg: never) => void): void {
    this.messageCb = cb as (msg: FromWorker) => void;
  }
  deliver(msg: FromWorker): void {
    if (!this.gone) this.messageCb?.(msg);
  }
  onExit(cb: (detail: string) => void): void {
    this.exitCb = cb;
  }
  /** The worker is gone: the scheduler hears it once. */
  exit(detail: string): void {
    if (this.gone) return;
    this.gone = true;
    this.exitCb?.(detail);
    this.markClosed();
  }
  // The Redis connections, not the channels, keep the program alive (until the client closes).
  ref(): void {}
  unref(): void {}
  async kill(): Promise<void> {
    this.exit('closed');
  }
  running(): boolean {
    return !this.gone;
  }
}
