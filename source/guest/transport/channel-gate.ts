/**
 * Limits concurrent channels on one SSH connection. sshd refuses sessions beyond MaxSessions (default 10);
 * when it refuses earlier than our limit, the limit drops to what the server took and the refused command
 * waits its turn instead of failing.
 */
export class ChannelGate {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {
    if (limit < 1) this.limit = 1;
  }

  get inFlight(): number {
    return this.active;
  }

  get capacity(): number {
    return this.limit;
  }

  acquire(): Promise<void> {
    if (this.active < this.limit) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    this.active--;
    this.pump();
  }

  /** The server refused a channel while `othersOpen` of ours were open: that is its real limit. */
  lower(othersOpen: number): void {
    this.limit = Math.max(1, Math.min(this.limit, othersOpen));
  }

  /** Drops every waiter (the connection is gone); they are resolved so they can observe the failure. */
  flush(): void {
    while (this.waiting.length) {
      this.active++;
      this.waiting.shift()!();
    }
  }

  private pump(): void {
    while (this.active < this.limit && this.waiting.length) {
      this.active++;
      this.waiting.shift()!();
    }
  }
}
