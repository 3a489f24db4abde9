/**
 * The login form: the secret goes once in the `Authorization` header of the sign-in request
 * (never in the URL or in storage); the answer's `HttpOnly` cookie is the session from then on.
 */
import { byId, CSRF_HEADERS, errorText } from "./dom.ts";

export function startLogin(): void {
  const form = byId<HTMLFormElement>("login");
  const input = byId<HTMLInputElement>("secret");
  const error = byId("login-error");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    error.textContent = "";
    const secret = input.value.trim();
    const response = await fetch("/_/dashboard/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { authorization: `Bearer ${secret}`, ...CSRF_HEADERS },
    });
    input.value = "";
    if (response.ok) {
      location.assign("/_/dashboard");
      return;
    }
    error.textContent = await errorText(response);
  });
}

/** The header's sign-out button: ends the session on the server, then goes to the login page. */
export function startLogout(): void {
  const button = document.getElementById("logout");
  button?.addEventListener("click", async () => {
    await fetch("/_/dashboard/session", { method: "DELETE", credentials: "same-origin", headers: CSRF_HEADERS });
    location.assign("/_/dashboard/login");
  });
}
