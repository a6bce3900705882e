/**
 * Runs tasks with the same key one after another within this process. Firestore transactions stay the
 * guarantee across processes; this only stops one server instance from throwing dozens of transactions at the
 * same document at once, where contention makes each retry (and each retry's reads) slower than waiting.
 */
export class KeyedLock {
  private tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await current;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }
}
