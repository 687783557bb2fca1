import type { LiveMessage } from './live-log';

/**
 * Live messages this process has just committed, handed straight to its own live dispatcher:
 * the sockets connected here get them without the dispatcher reading them back from the log.
 * The log stays the truth: the dispatcher takes a hand-over only when it continues a site's
 * stream exactly, and reads the log otherwise (and for what other instances commit).
 */
export class CommittedLive {
  private listener: (messages: readonly LiveMessage[]) => void = () => undefined;

  listen(listener: (messages: readonly LiveMessage[]) => void): void {
    this.listener = listener;
  }

  /** Call only after the transaction that wrote the messages has committed. */
  committed(messages: readonly LiveMessage[]): void {
    if (messages.length > 0) this.listener(messages);
  }
}
