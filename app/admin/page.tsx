import Link from "next/link";
import { ADMIN_SECTIONS } from "@/components/admin/sections";
import { requireAdminPage } from "@/lib/server/session";

export default async function AdminHome() {
  await requireAdminPage();
  return (
    <section className="stack" aria-labelledby="home-title">
      <h1 id="home-title">Welcome to Herald</h1>
      <p className="muted">Create an event, invite guests, and watch today&apos;s Firestore and provider budgets.</p>
      <ul className="tiles">
        {ADMIN_SECTIONS.map((s) => (
          <li key={s.href}>
            <Link className="tile" href={s.href}>
              {s.label}
            </Link>
          </li>
        ))}
      </ul>
    </section>
  );
}
