import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/auth/sign-in-form";
import { usesAuthEmulator } from "@/lib/config/env";
import { getContainer } from "@/lib/server/container";
import { readSession } from "@/lib/server/session";

export const metadata: Metadata = { title: "Sign in · Herald" };

export default async function SignInPage() {
  const session = await readSession();
  if (session.kind === "admin") redirect("/admin");
  const { env } = getContainer();
  const emulator = usesAuthEmulator(env);
  return (
    <main className="centered">
      <section className="card narrow stack" aria-labelledby="signin-title">
        <h1 id="signin-title">Sign in to Herald</h1>
        <p className="muted">Admins only. Invitees answer from the link in their email.</p>
        <SignInForm
          emailPassword={emulator}
          config={{
            apiKey: env.FIREBASE_WEB_API_KEY,
            authDomain: env.FIREBASE_AUTH_DOMAIN,
            projectId: env.FIREBASE_PROJECT_ID,
            authEmulatorUrl: emulator ? `http://${env.FIREBASE_AUTH_EMULATOR_HOST}` : undefined,
          }}
        />
        {session.kind === "forbidden" ? (
          <p className="muted">You are signed in as {session.identity.email}, which is not an admin account.</p>
        ) : null}
      </section>
    </main>
  );
}
