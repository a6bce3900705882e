import "server-only";
import { getAuth, type Auth } from "firebase-admin/auth";
import { parseServerEnv, type ServerEnv } from "@/lib/config/env";
import { connectFirestore, type FirestoreContext } from "@/lib/adapters/firestore/connect";
import { createMailer } from "@/lib/adapters/email/create-mailer";
import type { MailerFactory } from "@/lib/services/provider-config";
import { systemClock, type Clock } from "@/lib/ports/clock";
import { logger } from "@/lib/log/logger";

/**
 * The Next.js composition root: parses configuration once, connects firebase-admin once, and hands services
 * their ports. Created lazily so `next build` (which imports route modules) needs no runtime configuration.
 */
export interface Container {
  env: ServerEnv;
  clock: Clock;
  firestore: FirestoreContext;
  auth: Auth;
  /** Turns a provider connection into a Mailer; services get it injected because they may not import adapters. */
  mailerFactory: MailerFactory;
}

let container: Container | undefined;

export function getContainer(): Container {
  if (container) return container;
  const env = parseServerEnv(process.env);
  const clock = systemClock;
  const firestore = connectFirestore({ projectId: env.FIREBASE_PROJECT_ID, clock, burnShards: env.HERALD_BURN_SHARDS });
  firestore.meter.startAutoFlush(env.HERALD_BURN_FLUSH_SECONDS * 1000, (error) =>
    logger.error("burn meter flush failed", { error }),
  );
  container = {
    env,
    clock,
    firestore,
    auth: getAuth(firestore.app),
    mailerFactory: (connection) => createMailer(connection, { clock }),
  };
  return container;
}

/** Flushes what the burn meter holds; called when the server is asked to stop. */
export async function shutdownContainer(): Promise<void> {
  await container?.firestore.meter.stop();
}
