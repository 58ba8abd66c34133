// Shows who is logged in (GET /me) and which form applies.
async function refresh() {
  const status = document.getElementById("status");
  const resp = await fetch("/me", { credentials: "same-origin" });
  const loggedIn = resp.ok;
  if (loggedIn) {
    const me = await resp.json();
    status.textContent = `Logged in as ${me.user}`;
  } else {
    status.textContent = "Not logged in";
  }
  document.getElementById("login").hidden = loggedIn;
  document.getElementById("logout").hidden = !loggedIn;
}
refresh();
