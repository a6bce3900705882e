/**
 * Endpoints that set or use the session cookie answer only pages of this site: the browser's Origin header must
 * name the site's configured origin (HERALD_BASE_URL), scheme and port included. Browsers always send Origin on
 * cross-site POST/DELETE, so this refuses another site's form or script riding on the admin's cookie. The Host
 * header is not trusted: a client sets it freely, and proxies in front of the app may rewrite it.
 */
export function isSameOrigin(request: Request, baseUrl: string): boolean {
  const origin = request.headers.get("origin");
  if (!origin) return false;
  try {
    return new URL(origin).origin === new URL(baseUrl).origin;
  } catch {
    return false;
  }
}
