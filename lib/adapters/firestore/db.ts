import {
  FieldValue,
  Timestamp,
  type DocumentData,
  type DocumentSnapshot,
  type Firestore,
  type Query,
  type Transaction,
  type WriteBatch,
} from "firebase-admin/firestore";
import type { BurnMeter } from "./burn-meter";
import type { CollectionDef, DocRef, QuerySpec, Snapshot } from "./collection";

/**
 * The only place Herald touches the Firestore SDK's read and write methods. Every call names the operation
 * it belongs to (e.g. "invite.create"), and every document read, written or deleted is counted by the burn
 * meter under that name and the collection. Raw SDK objects never leave this module, so no call site can
 * run a query or a write the meter does not see.
 *
 * Billing rules mirrored here: a query costs one read per document returned and one read when it returns
 * none; a count() aggregation costs one read per 1,000 index entries (at least one); reads inside a
 * transaction attempt that later retries are billed too, so they are counted per attempt.
 */

/** Firestore Timestamps become Dates at this edge, recursively, before the schema sees the document. */
function toPlain(value: unknown): unknown {
  if (value instanceof Timestamp) return value.toDate();
  if (Array.isArray(value)) return value.map(toPlain);
  if (value && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toPlain(v);
    return out;
  }
  return value;
}

export class DocumentSchemaError extends Error {
  constructor(collection: string, id: string, detail: string) {
    super(`Document ${collection}/${id} does not match its schema: ${detail}`);
    this.name = "DocumentSchemaError";
  }
}

function parseDoc<T>(collection: CollectionDef<T>, snap: DocumentSnapshot): T {
  const result = collection.schema.safeParse(toPlain(snap.data()));
  if (!result.success) {
    const detail = result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".")}: ${i.message}`)
      .join("; ");
    throw new DocumentSchemaError(collection.name, snap.id, detail);
  }
  return result.data;
}

/** Values a write may hold besides plain data: sentinels the SDK resolves on the server. */
export const fieldOps = {
  increment: (n: number) => FieldValue.increment(n),
  serverTimestamp: () => FieldValue.serverTimestamp(),
  delete: () => FieldValue.delete(),
  arrayUnion: (...values: unknown[]) => FieldValue.arrayUnion(...values),
  arrayRemove: (...values: unknown[]) => FieldValue.arrayRemove(...values),
};

/** The exact update time of a snapshot, encoded so it survives being stored (e.g. in a lease) and compared. */
function versionOf(snap: DocumentSnapshot): string {
  const t = snap.updateTime!;
  return `${t.seconds}.${String(t.nanoseconds).padStart(9, "0")}`;
}

function timestampOf(version: string): Timestamp {
  const [seconds, nanos] = version.split(".");
  return new Timestamp(Number(seconds), Number(nanos));
}

function snapshotOf<T>(collection: CollectionDef<T>, snap: DocumentSnapshot): Snapshot<T> {
  return { id: snap.id, data: parseDoc(collection, snap), version: versionOf(snap) };
}

/** Partial update: dotted field paths are allowed, as are fieldOps sentinels. */
export type UpdateData = Record<string, unknown>;

export interface WriteSet {
  create<T>(ref: DocRef<T>, data: T): void;
  set<T>(ref: DocRef<T>, data: T): void;
  /** Merges the given fields into the document, creating it if absent (no read needed). */
  merge<T>(ref: DocRef<T>, data: UpdateData): void;
  /**
   * Fails the whole batch/transaction if the document does not exist, or, with `ifVersion`, if it changed since
   * the read that returned that version (Firestore's last-update-time precondition).
   */
  update<T>(ref: DocRef<T>, data: UpdateData, precondition?: { ifVersion: string }): void;
  delete<T>(ref: DocRef<T>): void;
}

export interface TransactionScope extends WriteSet {
  get<T>(ref: DocRef<T>): Promise<T | null>;
  getAll<T>(refs: DocRef<T>[]): Promise<(T | null)[]>;
  /** Like getAll, with each document's version for a later conditional write. */
  getSnapshots<T>(refs: DocRef<T>[]): Promise<(Snapshot<T> | null)[]>;
  query<T>(collection: CollectionDef<T>, spec: QuerySpec): Promise<Snapshot<T>[]>;
}

export interface Batch extends WriteSet {
  readonly size: number;
  commit(): Promise<void>;
}

/** Firestore's own limit on writes in one batch or transaction. */
export const MAX_WRITES_PER_COMMIT = 500;

type Counted = { collection: string; id: string; kind: "writes" | "deletes" };

export class MeteredFirestore {
  constructor(
    private readonly raw: Firestore,
    readonly meter: BurnMeter,
  ) {}

  private ref<T>(ref: DocRef<T>) {
    return this.raw.collection(ref.collection.name).doc(ref.id);
  }

  private buildQuery<T>(collection: CollectionDef<T>, spec: QuerySpec): Query {
    let q: Query = this.raw.collection(collection.name);
    for (const [field, op, value] of spec.where ?? []) q = q.where(field, op, value);
    for (const [field, dir] of spec.orderBy ?? []) q = q.orderBy(field, dir);
    if (spec.startAfter) q = q.startAfter(...spec.startAfter);
    if (spec.startAt) q = q.startAt(...spec.startAt);
    if (spec.limit !== undefined) q = q.limit(spec.limit);
    return q;
  }

  private countReads(collection: string, op: string, n: number) {
    this.meter.record(collection, op, "reads", n);
  }

  private countWrites(op: string, writes: Counted[]) {
    for (const w of writes) this.meter.record(w.collection, op, w.kind, 1);
    if (this.documentWrites) {
      const at = Date.now();
      for (const w of writes) {
        const path = `${w.collection}/${w.id}`;
        const times = this.documentWrites.get(path);
        if (times) times.push(at);
        else this.documentWrites.set(path, [at]);
      }
    }
  }

  private documentWrites: Map<string, number[]> | null = null;

  /**
   * From now on, remember when each document was written (committed writes only). Firestore sustains about one
   * write per second per document; benchmarks use this to find the hottest document. Off by default: it keeps
   * one number per write.
   */
  trackDocumentWrites(): ReadonlyMap<string, readonly number[]> {
    this.documentWrites ??= new Map();
    return this.documentWrites;
  }

  async get<T>(op: string, ref: DocRef<T>): Promise<Snapshot<T> | null> {
    const snap = await this.ref(ref).get();
    this.countReads(ref.collection.name, op, 1);
    if (!snap.exists) return null;
    return snapshotOf(ref.collection, snap);
  }

  async getAll<T>(op: string, refs: DocRef<T>[]): Promise<(Snapshot<T> | null)[]> {
    if (refs.length === 0) return [];
    const snaps = await this.raw.getAll(...refs.map((r) => this.ref(r)));
    for (const r of refs) this.countReads(r.collection.name, op, 1);
    return snaps.map((snap, i) => (snap.exists ? snapshotOf(refs[i]!.collection, snap) : null));
  }

  async query<T>(op: string, collection: CollectionDef<T>, spec: QuerySpec): Promise<Snapshot<T>[]> {
    const result = await this.buildQuery(collection, spec).get();
    this.countReads(collection.name, op, Math.max(1, result.size));
    return result.docs.map((snap) => snapshotOf(collection, snap));
  }

  /** Only the ids: still one read per document, but no payload transferred or parsed. */
  async queryIds(op: string, collection: CollectionDef<unknown>, spec: QuerySpec): Promise<string[]> {
    const result = await this.buildQuery(collection, spec).select().get();
    this.countReads(collection.name, op, Math.max(1, result.size));
    return result.docs.map((d) => d.id);
  }

  async count(op: string, collection: CollectionDef<unknown>, spec: QuerySpec): Promise<number> {
    const result = await this.buildQuery(collection, spec).count().get();
    const n = result.data().count;
    this.countReads(collection.name, op, Math.max(1, Math.ceil(n / 1000)));
    return n;
  }

  async create<T>(op: string, ref: DocRef<T>, data: T): Promise<void> {
    await this.ref(ref).create(data as DocumentData);
    this.countWrites(op, [{ collection: ref.collection.name, id: ref.id, kind: "writes" }]);
  }

  async set<T>(op: string, ref: DocRef<T>, data: T): Promise<void> {
    await this.ref(ref).set(data as DocumentData);
    this.countWrites(op, [{ collection: ref.collection.name, id: ref.id, kind: "writes" }]);
  }

  async merge<T>(op: string, ref: DocRef<T>, data: UpdateData): Promise<void> {
    await this.ref(ref).set(data, { merge: true });
    this.countWrites(op, [{ collection: ref.collection.name, id: ref.id, kind: "writes" }]);
  }

  async update<T>(op: string, ref: DocRef<T>, data: UpdateData): Promise<void> {
    await this.ref(ref).update(data);
    this.countWrites(op, [{ collection: ref.collection.name, id: ref.id, kind: "writes" }]);
  }

  async delete<T>(op: string, ref: DocRef<T>): Promise<void> {
    await this.ref(ref).delete();
    this.countWrites(op, [{ collection: ref.collection.name, id: ref.id, kind: "deletes" }]);
  }

  batch(op: string): Batch {
    const raw: WriteBatch = this.raw.batch();
    const writes: Counted[] = [];
    const scope = this.writeSet(
      {
        create: (r, d) => raw.create(r, d),
        set: (r, d) => raw.set(r, d),
        merge: (r, d) => raw.set(r, d, { merge: true }),
        update: (r, d, pre) => (pre ? raw.update(r, d, pre) : raw.update(r, d)),
        delete: (r) => raw.delete(r),
      },
      writes,
    );
    return {
      ...scope,
      get size() {
        return writes.length;
      },
      commit: async () => {
        if (writes.length === 0) return;
        await raw.commit();
        this.countWrites(op, writes);
      },
    };
  }

  /**
   * Runs `body` in a transaction. Bodies read first, then write, and must have no side effects: Firestore
   * retries them on contention.
   */
  async transaction<R>(op: string, body: (tx: TransactionScope) => Promise<R>): Promise<R> {
    let committedWrites: Counted[] = [];
    const result = await this.raw.runTransaction(async (tx: Transaction) => {
      const writes: Counted[] = [];
      committedWrites = writes;
      const scope: TransactionScope = {
        ...this.writeSet(
          {
            create: (r, d) => tx.create(r, d),
            set: (r, d) => tx.set(r, d),
            merge: (r, d) => tx.set(r, d, { merge: true }),
            update: (r, d, pre) => (pre ? tx.update(r, d, pre) : tx.update(r, d)),
            delete: (r) => tx.delete(r),
          },
          writes,
        ),
        get: async <T>(ref: DocRef<T>) => {
          const snap = await tx.get(this.ref(ref));
          this.countReads(ref.collection.name, op, 1);
          return snap.exists ? parseDoc(ref.collection, snap) : null;
        },
        getAll: async <T>(refs: DocRef<T>[]) => {
          if (refs.length === 0) return [];
          const snaps = await tx.getAll(...refs.map((r) => this.ref(r)));
          for (const r of refs) this.countReads(r.collection.name, op, 1);
          return snaps.map((snap, i) => (snap.exists ? parseDoc(refs[i]!.collection, snap) : null));
        },
        getSnapshots: async <T>(refs: DocRef<T>[]) => {
          if (refs.length === 0) return [];
          const snaps = await tx.getAll(...refs.map((r) => this.ref(r)));
          for (const r of refs) this.countReads(r.collection.name, op, 1);
          return snaps.map((snap, i) => (snap.exists ? snapshotOf(refs[i]!.collection, snap) : null));
        },
        query: async <T>(collection: CollectionDef<T>, spec: QuerySpec) => {
          const result = await tx.get(this.buildQuery(collection, spec));
          this.countReads(collection.name, op, Math.max(1, result.size));
          return result.docs.map((snap) => snapshotOf(collection, snap));
        },
      };
      return body(scope);
    });
    this.countWrites(op, committedWrites);
    return result;
  }

  /**
   * Server-side listener on one document (the runtime settings the drain must obey between sends). A
   * listener is billed one read per snapshot delivered, which is why it beats re-reading the document
   * before every send.
   */
  watch<T>(op: string, ref: DocRef<T>, onChange: (data: T | null) => void, onError: (e: Error) => void) {
    return this.ref(ref).onSnapshot((snap) => {
      this.countReads(ref.collection.name, op, 1);
      try {
        onChange(snap.exists ? parseDoc(ref.collection, snap) : null);
      } catch (error) {
        onError(error as Error);
      }
    }, onError);
  }

  private writeSet(
    target: {
      create(r: FirebaseFirestore.DocumentReference, d: DocumentData): unknown;
      set(r: FirebaseFirestore.DocumentReference, d: DocumentData): unknown;
      merge(r: FirebaseFirestore.DocumentReference, d: DocumentData): unknown;
      update(r: FirebaseFirestore.DocumentReference, d: DocumentData, pre?: { lastUpdateTime: Timestamp }): unknown;
      delete(r: FirebaseFirestore.DocumentReference): unknown;
    },
    writes: Counted[],
  ): WriteSet {
    const add = (collection: string, id: string, kind: Counted["kind"]) => {
      if (writes.length >= MAX_WRITES_PER_COMMIT) {
        throw new Error(`More than ${MAX_WRITES_PER_COMMIT} writes in one commit`);
      }
      writes.push({ collection, id, kind });
    };
    return {
      create: (r, d) => {
        add(r.collection.name, r.id, "writes");
        target.create(this.ref(r), d as DocumentData);
      },
      set: (r, d) => {
        add(r.collection.name, r.id, "writes");
        target.set(this.ref(r), d as DocumentData);
      },
      merge: (r, d) => {
        add(r.collection.name, r.id, "writes");
        target.merge(this.ref(r), d);
      },
      update: (r, d, pre) => {
        add(r.collection.name, r.id, "writes");
        target.update(this.ref(r), d, pre ? { lastUpdateTime: timestampOf(pre.ifVersion) } : undefined);
      },
      delete: (r) => {
        add(r.collection.name, r.id, "deletes");
        target.delete(this.ref(r));
      },
    };
  }
}

/** gRPC status codes Firestore errors carry; services branch on outcomes, never on message text. */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;
const FAILED_PRECONDITION = 9;

function code(error: unknown): unknown {
  return error && typeof error === "object" && "code" in error ? (error as { code: unknown }).code : undefined;
}

export const isAlreadyExists = (error: unknown) => code(error) === ALREADY_EXISTS;
export const isNotFound = (error: unknown) => code(error) === NOT_FOUND;
export const isFailedPrecondition = (error: unknown) => code(error) === FAILED_PRECONDITION;
