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
  const code = (error: unknown) => (error as { code?: string }).code ?? "";
  let uid: string | undefined;
  // Right after start the emulator may still be importing saved accounts: retry briefly rather than
  // mistaking "not ready" for "no such user".
  for (let attempt = 0; attempt < 20 && !uid; attempt++) {
    try {
      const user = await auth.getUserByEmail(options.email);
      await auth.updateUser(user.uid, { password: options.password, emailVerified: true });
      uid = user.uid;
    } catch (error) {
      if (code(error) === "auth/user-not-found") {
        try {
          uid = (
            await auth.createUser({ email: options.email, password: options.password, emailVerified: true, displayName: "Local admin" })
          ).uid;
        } catch (createError) {
          if (code(createError) !== "auth/email-already-exists") throw createError;
        }
      }
      if (!uid) await new Promise((r) => setTimeout(r, 500));
    }
  }
  if (!uid) throw new Error(`Could not create the local admin ${options.email} in the Auth emulator`);
  await auth.setCustomUserClaims(uid, { admin: true });
  return uid;
}
