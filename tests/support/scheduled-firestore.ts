import type { Scheduler } from "fast-check";
import type { Firestore } from "firebase-admin/firestore";
import type { BurnMeter } from "@/lib/adapters/firestore/burn-meter";
import type { CollectionDef, DocRef, QuerySpec } from "@/lib/adapters/firestore/collection";
import { MeteredFirestore, type Batch, type TransactionScope, type UpdateData } from "@/lib/adapters/firestore/db";

/**
 * Lets fast-check's scheduler choose the order in which several actors' Firestore operations (and sends)
 * happen. Every operation waits at a gate the scheduler opens, then runs alone: one operation at a time, in
 * the order the gates were opened. The driver opens one gate only once everything else has settled, so each
 * run is a sequence of whole operations whose order the scheduler picked.
 */
export class Interleaver {
  readonly steps: string[] = [];
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  constructor(readonly scheduler: Scheduler) {}

  /** An operation the scheduler orders against every other. */
  async step<T>(label: string, op: () => Promise<T>): Promise<T> {
    await this.scheduler.schedule(Promise.resolve(label), label);
    return this.exclusive(() => {
      this.steps.push(label);
      return op();
    });
  }

  /** Runs `op` alone, without waiting for the scheduler (for the test's own reads of the truth). */
  exclusive<T>(op: () => Promise<T>): Promise<T> {
    this.pending++;
    const run = this.tail.then(op);
    this.tail = run.catch(() => undefined).finally(() => this.pending--);
    return run;
  }

  private async settled(): Promise<void> {
    do {
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    } while (this.pending > 0);
  }

  /** Opens gates one at a time until `done` settles. */
  async drive<T>(done: Promise<T>): Promise<T> {
    let finished = false;
    void done.then(
      () => (finished = true),
      () => (finished = true),
    );
    while (!finished) {
      await this.settled();
      if (finished) break;
      if (this.scheduler.count() > 0) await this.scheduler.waitOne();
      // Nothing at a gate: an actor waits on something unscheduled (a listener's first snapshot).
      else await new Promise((r) => setTimeout(r, 2));
    }
    return done;
  }
}

/** A MeteredFirestore whose every read, write, transaction and listener delivery is a step of `actor`. */
export function interleavedFirestore(raw: Firestore, meter: BurnMeter, interleaver: Interleaver, actor: string): MeteredFirestore {
  const step = <T>(op: string, run: () => Promise<T>) => interleaver.step(`${actor}:${op}`, run);
  class Interleaved extends MeteredFirestore {
    override get<T>(op: string, ref: DocRef<T>) {
      return step(op, () => super.get(op, ref));
    }
    override getAll<T>(op: string, refs: DocRef<T>[]) {
      return step(op, () => super.getAll(op, refs));
    }
    override query<T>(op: string, collection: CollectionDef<T>, spec: QuerySpec) {
      return step(op, () => super.query(op, collection, spec));
    }
    override queryIds(op: string, collection: CollectionDef<unknown>, spec: QuerySpec) {
      return step(op, () => super.queryIds(op, collection, spec));
    }
    override count(op: string, collection: CollectionDef<unknown>, spec: QuerySpec) {
      return step(op, () => super.count(op, collection, spec));
    }
    override create<T>(op: string, ref: DocRef<T>, data: T) {
      return step(op, () => super.create(op, ref, data));
    }
    override set<T>(op: string, ref: DocRef<T>, data: T) {
      return step(op, () => super.set(op, ref, data));
    }
    override merge<T>(op: string, ref: DocRef<T>, data: UpdateData) {
      return step(op, () => super.merge(op, ref, data));
    }
    override update<T>(op: string, ref: DocRef<T>, data: UpdateData) {
      return step(op, () => super.update(op, ref, data));
    }
    override delete<T>(op: string, ref: DocRef<T>) {
      return step(op, () => super.delete(op, ref));
    }
    override batch(op: string): Batch {
      const inner = super.batch(op);
      return {
        create: (r, d) => inner.create(r, d),
        set: (r, d) => inner.set(r, d),
        merge: (r, d) => inner.merge(r, d),
        update: (r, d, pre) => inner.update(r, d, pre),
        delete: (r) => inner.delete(r),
        get size() {
          return inner.size;
        },
        commit: () => step(op, () => inner.commit()),
      };
    }
    override transaction<R>(op: string, body: (tx: TransactionScope) => Promise<R>) {
      return step(op, () => super.transaction(op, body));
    }
    override watch<T>(op: string, ref: DocRef<T>, onChange: (data: T | null) => void, onError: (e: Error) => void) {
      // Deliveries keep their order, but when each reaches the actor is the scheduler's choice.
      let chain: Promise<unknown> = Promise.resolve();
      return super.watch(
        op,
        ref,
        (data) => {
          chain = chain.then(() => step(op, async () => onChange(data)));
        },
        onError,
      );
    }
  }
  return new Interleaved(raw, meter);
}
