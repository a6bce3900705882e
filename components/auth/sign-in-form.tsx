"use client";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { GoogleAuthProvider, signInWithEmailAndPassword, signInWithPopup, signOut } from "firebase/auth";
import { browserAuth, type PublicFirebaseConfig } from "@/lib/client/firebase";

interface Props {
  config: PublicFirebaseConfig;
  /** The Auth emulator offers email/password for the local admin; production uses Google sign-in. */
  emailPassword: boolean;
}

export function SignInForm({ config, emailPassword }: Props) {
  const router = useRouter();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function exchange(getIdToken: () => Promise<string>) {
    setBusy(true);
    setError(null);
    try {
      const idToken = await getIdToken();
      const res = await fetch("/api/session", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ idToken }),
      });
      if (!res.ok) {
        const body = (await res.json().catch(() => ({}))) as { error?: string };
        throw new Error(body.error ?? "Sign-in failed");
      }
      router.replace("/admin");
      router.refresh();
    } catch (e) {
      setError(friendly(e));
      setBusy(false);
    }
  }

  async function onPassword(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const email = String(form.get("email") ?? "");
    const password = String(form.get("password") ?? "");
    await exchange(async () => {
      const auth = await browserAuth(config);
      const credential = await signInWithEmailAndPassword(auth, email, password);
      const token = await credential.user.getIdToken();
      await signOut(auth);
      return token;
    });
  }

  async function onGoogle() {
    await exchange(async () => {
      const auth = await browserAuth(config);
      const credential = await signInWithPopup(auth, new GoogleAuthProvider());
      const token = await credential.user.getIdToken();
      await signOut(auth);
      return token;
    });
  }

  return (
    <div className="stack">
      {emailPassword ? (
        <form className="stack" onSubmit={onPassword} aria-describedby={error ? "signin-error" : undefined}>
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" name="email" type="email" autoComplete="username" required />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input id="password" name="password" type="password" autoComplete="current-password" required />
          </div>
          <button className="button primary" type="submit" disabled={busy}>
            {busy ? "Signing in…" : "Sign in"}
          </button>
        </form>
      ) : null}
      <button className="button" type="button" onClick={onGoogle} disabled={busy}>
        Sign in with Google
      </button>
      {error ? (
        <p id="signin-error" role="alert" className="error-text">
          {error}
        </p>
      ) : null}
    </div>
  );
}

function friendly(e: unknown): string {
  const code = (e as { code?: string }).code ?? "";
  if (code.includes("invalid-credential") || code.includes("wrong-password") || code.includes("user-not-found")) {
    return "That email and password do not match an account.";
  }
  if (code.includes("popup-closed")) return "The Google window was closed before signing in.";
  if (code.includes("network")) return "Could not reach the sign-in service. Check your connection.";
  return e instanceof Error && !code ? e.message : "Sign-in failed. Try again.";
}
