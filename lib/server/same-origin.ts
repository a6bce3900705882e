import "server-only";

/**
 * Endpoints that set or use the session cookie answer only pages of this site: the browser's Origin header must
 * name our own host. Browsers always send Origin on cross-site POST/DELETE, so this refuses another site's form
 * or script riding on the admin's cookie.
 */
export function isSameOrigin(request: Request): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).host === request.headers.get("host");
  } catch {
    return false;
  }
}
