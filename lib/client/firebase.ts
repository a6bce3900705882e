"use client";
import { getApps, initializeApp, type FirebaseApp } from "firebase/app";
import { connectAuthEmulator, getAuth, inMemoryPersistence, setPersistence, type Auth } from "firebase/auth";

/**
 * The browser's Firebase config arrives from the server at request time (it is public, not secret), so one
 * production build serves the emulator and a real project alike.
 */
export interface PublicFirebaseConfig {
  apiKey: string;
  authDomain?: string;
  projectId: string;
  /** e.g. http://127.0.0.1:9099 when the Auth emulator is in use. */
  authEmulatorUrl?: string;
  /** e.g. 127.0.0.1:8080 when the Firestore emulator is in use (live dashboards). */
  firestoreEmulatorHost?: string;
}

let auth: Auth | undefined;

export async function browserAuth(config: PublicFirebaseConfig): Promise<Auth> {
  if (auth) return auth;
  const app: FirebaseApp =
    getApps()[0] ?? initializeApp({ apiKey: config.apiKey, authDomain: config.authDomain, projectId: config.projectId });
  const instance = getAuth(app);
  if (config.authEmulatorUrl) connectAuthEmulator(instance, config.authEmulatorUrl, { disableWarnings: true });
  // The server session cookie is the only session: the browser keeps no Firebase credentials around.
  await setPersistence(instance, inMemoryPersistence);
  auth = instance;
  return instance;
}
