/** The admin sections, shared by the navigation (client) and the home page (server). */
export const ADMIN_SECTIONS = [
  { href: "/admin/events", label: "Events" },
  { href: "/admin/templates", label: "Templates" },
  { href: "/admin/providers", label: "Providers" },
  { href: "/admin/tracker", label: "Tracker" },
  { href: "/admin/suppressions", label: "Suppressions" },
  { href: "/admin/burn", label: "Burn monitor" },
  { href: "/admin/settings", label: "Settings" },
] as const;
