/**
 * Listeners of a change that carries no data ("look again"): the core calls `notify()`, readers
 * such as a gRPC stream re-read what they show. Listeners run synchronously; one that throws is
 * reported through `onError` and does not keep the change from the others.
 */
export class ChangeListeners {
  private readonly listeners = new Set<() => void>();

  constructor(private readonly onError: (error: unknown) => void = () => {}) {}

  /** Adds `listener`; the returned function removes it (idempotent). */
  add(listener: () => void): () => void {
    // A wrapper, so the same function added twice gets two independent subscriptions.
    const entry = (): void => listener();
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  notify(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (error) {
        this.onError(error);
      }
    }
  }

  /** Listeners currently added. */
  get size(): number {
    return this.listeners.size;
  }
}
