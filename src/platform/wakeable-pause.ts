/**
 * The pause a background loop takes between rounds, which another part can cut short. A wake
 * that comes while no pause is under way is kept: the next pause ends at once, so a wake is
 * never lost between a round and the pause after it.
 */
export class WakeablePause {
  private woken = false;
  private cutShort?: () => void;

  /** Resolves after ms, or as soon as wake() is called (at once if it was called since the last pause). */
  async wait(ms: number): Promise<void> {
    if (!this.woken) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, ms);
        this.cutShort = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.cutShort = undefined;
    }
    this.woken = false;
  }

  /** Whether a wake came since the last pause: the next pause will end at once. */
  get wakePending(): boolean {
    return this.woken;
  }

  wake(): void {
    this.woken = true;
    this.cutShort?.();
  }
}
