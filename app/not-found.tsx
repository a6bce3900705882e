export default function NotFound() {
  return (
    <main className="centered">
      <section className="card narrow stack">
        <h1>Page not found</h1>
        <p className="muted">There is nothing at this address.</p>
      </section>
    </main>
  );
}
