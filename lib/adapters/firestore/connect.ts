import { getApps, initializeApp, type App } from "firebase-admin/app";
import { getFirestore, type Firestore } from "firebase-admin/firestore";
import type { Clock } from "@/lib/ports/clock";
import { BurnMeter } from "./burn-meter";
import { firestoreBurnSink } from "./burn-sink";
import { MeteredFirestore } from "./db";

export interface FirestoreContext {
  app: App;
  db: MeteredFirestore;
  meter: BurnMeter;
  /** For the burn sink and for test set-up only; services never see it. */
  raw: Firestore;
}

/**
 * One firebase-admin app per project id: tests run several isolated projects against one emulator, and the
 * Next server, worker and function each call this once at boot. With FIRESTORE_EMULATOR_HOST set, the SDK
 * talks to the emulator without credentials.
 */
export function connectFirestore(options: { projectId: string; clock: Clock; burnShards: number }): FirestoreContext {
  const name = `herald-${options.projectId}`;
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId: options.projectId }, name);
  const raw = getFirestore(app);
  try {
    // ignoreUndefinedProperties: optional fields left undefined by zod-parsed input are simply absent.
    raw.settings({ ignoreUndefinedProperties: true });
  } catch {
    // settings() may be called once per instance; a second connect() reuses the configured one.
  }
  const meter = new BurnMeter(options.clock, firestoreBurnSink(raw, options.burnShards));
  return { app, raw, meter, db: new MeteredFirestore(raw, meter) };
}
