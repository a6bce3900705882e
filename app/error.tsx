"use client";

/**
 * Whatever went wrong on the server stays there: the browser gets a plain apology and a digest the logs can
 * be searched for, never a message or a stack trace.
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <main className="centered">
      <section className="card narrow stack" role="alert">
        <h1>Something went wrong</h1>
        <p>Herald could not finish that. Nothing was half-saved; try again in a moment.</p>
        {error.digest ? <p className="muted">Reference: {error.digest}</p> : null}
        <button className="button" type="button" onClick={reset}>
          Try again
        </button>
      </section>
    </main>
  );
}
