import { getApps, initializeApp } from "firebase-admin/app";
import { getAuth } from "firebase-admin/auth";

/**
 * Creates (or repairs) the local admin account in the Auth emulator: verified email, known password and the
 * admin claim. Runs against the emulator only; the caller sets FIREBASE_AUTH_EMULATOR_HOST.
 */
export async function ensureLocalAdmin(options: { projectId: string; email: string; password: string }) {
  if (!process.env.FIREBASE_AUTH_EMULATOR_HOST) throw new Error("ensureLocalAdmin runs against the Auth emulator only");
  const name = `local-admin-${options.projectId}`;
  const app = getApps().find((a) => a.name === name) ?? initializeApp({ projectId: options.projectId }, name);
  const auth = getAuth(app);
  let uid: string;
  try {
    const user = await auth.getUserByEmail(options.email);
    await auth.updateUser(user.uid, { password: options.password, emailVerified: true });
    uid = user.uid;
  } catch {
    uid = (
      await auth.createUser({
        email: options.email,
        password: options.password,
        emailVerified: true,
        displayName: "Local admin",
      })
    ).uid;
  }
  await auth.setCustomUserClaims(uid, { admin: true });
  return uid;
}
