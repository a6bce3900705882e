import type { Metadata } from "next";
import { SignOutButton } from "@/components/auth/sign-out-button";
import { readSession } from "@/lib/server/session";

export const metadata: Metadata = { title: "Not authorised · Herald" };

export default async function NotAuthorisedPage() {
  const session = await readSession();
  return (
    <main className="centered">
      <section className="card narrow stack" aria-labelledby="na-title">
        <h1 id="na-title">Not authorised</h1>
        <p>
          {session.kind === "forbidden" && session.identity.email
            ? `${session.identity.email} is not a Herald admin.`
            : "This account is not a Herald admin."}{" "}
          Ask an admin to add your email to the allowlist.
        </p>
        {session.kind !== "anonymous" ? <SignOutButton /> : <a className="button" href="/signin">Sign in</a>}
      </section>
    </main>
  );
}
