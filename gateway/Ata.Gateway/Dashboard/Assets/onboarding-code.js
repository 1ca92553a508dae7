// The adapter page's onboarding code, for admins only: one button makes a new one-time code (the
// adapter's device secret is replaced at once) and shows it once, with the broker's CA certificate
// it pins, for the technician to paste on the adapter's console (`onboard CODE`, then the PEM). The
// code is never kept by the page or shown again. Beside it, the factory reset (admins only, asked
// first): the adapter erases itself and then needs a new code, which the panel says.
"use strict";

(() => {
  const match = /^\/adapters\/([A-Za-z0-9._-]{1,64})$/.exec(location.pathname);
  if (!match) return;
  const id = match[1];
  const panel = document.getElementById("onboarding-panel");
  const button = document.getElementById("onboarding-code-make");
  const shown = document.getElementById("onboarding-code");
  const caBlock = document.getElementById("onboarding-ca");
  const note = document.getElementById("onboarding-result");
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const resetButton = document.getElementById("factory-reset");
  const state = document.getElementById("onboarding-state");

  async function showState() {
    const response = await fetch(`/api/adapters/${encodeURIComponent(id)}/onboarding`, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) return;
    const onboarding = await response.json();
    state.textContent = onboarding.needed
      ? `Needs onboarding: ${onboarding.reason} on ${new Date(onboarding.since).toLocaleString()}. Make a code and onboard it on its console.`
      : "";
    state.classList.toggle("refused", onboarding.needed);
  }

  async function factoryReset() {
    if (!confirm(`Factory reset ${id}? It erases its settings, device secret, CA and provisioning and restarts unprovisioned: it stays off the gateway until a technician onboards it with a new code.`)) return;
    resetButton.disabled = true;
    try {
      const response = await fetch(`/api/adapters/${encodeURIComponent(id)}/commands`, {
        method: "POST",
        cache: "no-store",
        headers: { Accept: "application/json", "Content-Type": "application/json", "X-CSRF-Token": requestToken },
        body: JSON.stringify({ command: "factory-reset" }),
      });
      const text = await response.text();
      const data = text ? JSON.parse(text) : {};
      if (!response.ok) throw new Error(data.detail || data.title || `the gateway answered ${response.status}`);
      note.textContent = `Factory reset: ${data.status} (command ${data.id}); its outcome is in the commands list.`;
      note.classList.remove("refused");
    } catch (error) {
      note.textContent = `Factory reset not sent: ${error.message}`;
      note.classList.add("refused");
    } finally {
      resetButton.disabled = false;
    }
  }

  async function makeCode() {
    if (!confirm(`Make an onboarding code for ${id}? Its device secret is replaced now: the adapter stays off the gateway until it is onboarded with the new code.`)) return;
    button.disabled = true;
    shown.textContent = "";
    caBlock.hidden = true;
    try {
      const response = await fetch(`/api/adapters/${encodeURIComponent(id)}/onboarding-code`, {
        method: "POST",
        cache: "no-store",
        headers: { Accept: "application/json", "X-CSRF-Token": requestToken },
      });
      const text = await response.text();
      const data = text ? JSON.parse(text) : {};
      if (!response.ok) throw new Error(data.detail || data.title || `the gateway answered ${response.status}`);
      // What the technician enters on the console: "onboard CODE", then the CA certificate it pins (TLS).
      shown.textContent = data.code;
      caBlock.textContent = data.caPem ? data.caPem.trim() : "";
      caBlock.hidden = !data.caPem;
      note.textContent = `Shown once: on the adapter's console type "onboard" and this code${data.caPem ? ", then paste the CA certificate below" : ""}. `
        + `It sends the adapter to ${data.broker}${data.caFingerprint ? ` over TLS, trusting only the CA with SHA-256 ${data.caFingerprint}` : " in plaintext"}, `
        + `works for the first login only, and expires ${new Date(data.expiresAt).toLocaleString()} if unused.`;
      note.classList.remove("refused");
    } catch (error) {
      note.textContent = `No code made: ${error.message}`;
      note.classList.add("refused");
    } finally {
      button.disabled = false;
    }
  }

  fetch("/api/me", { cache: "no-store", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((me) => {
      if (!me || me.role !== "admin") return;
      panel.hidden = false;
      button.addEventListener("click", makeCode);
      resetButton.addEventListener("click", factoryReset);
      showState();
      setInterval(showState, 5000);
    });
})();
