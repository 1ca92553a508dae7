// The adapter page's onboarding code, for admins only: one button makes a new one-time code (the
// adapter's device secret is replaced at once) and shows it once, with the broker's CA certificate
// it pins, for the technician to paste on the adapter's console (`onboard CODE`, then the PEM). The
// code is never kept by the page or shown again. Beside it, the factory reset (admins only, asked
// first): the adapter erases itself and then needs a new code, which the panel says (its state from the
// page's event stream, adapter-events.js).
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
  const { t } = window.ataText;

  let admin = false;
  let latest = null;

  function showState(onboarding) {
    latest = onboarding;
    if (!admin || onboarding === null) return;
    state.textContent = onboarding.needed
      ? t("onboarding.needed", { reason: onboarding.reason, since: new Date(onboarding.since).toLocaleString() })
      : "";
    state.classList.toggle("refused", onboarding.needed);
  }

  async function factoryReset() {
    if (!confirm(t("onboarding.reset.confirm", { id }))) return;
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
      if (!response.ok) throw new Error(data.detail || data.title || t("error.answered", { status: response.status }));
      note.textContent = t("onboarding.reset.sent", { status: data.status, command: data.id });
      note.classList.remove("refused");
    } catch (error) {
      note.textContent = t("onboarding.reset.failed", { reason: error.message });
      note.classList.add("refused");
    } finally {
      resetButton.disabled = false;
    }
  }

  async function makeCode() {
    if (!confirm(t("onboarding.confirm", { id }))) return;
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
      if (!response.ok) throw new Error(data.detail || data.title || t("error.answered", { status: response.status }));
      // What the technician enters on the console: "onboard CODE", then the CA certificate it pins (TLS).
      shown.textContent = data.code;
      caBlock.textContent = data.caPem ? data.caPem.trim() : "";
      caBlock.hidden = !data.caPem;
      const expires = new Date(data.expiresAt).toLocaleString();
      note.textContent = data.caFingerprint
        ? t("onboarding.shown.tls", { broker: data.broker, fingerprint: data.caFingerprint, expires })
        : t("onboarding.shown", { broker: data.broker, expires });
      note.classList.remove("refused");
    } catch (error) {
      note.textContent = t("onboarding.failed", { reason: error.message });
      note.classList.add("refused");
    } finally {
      button.disabled = false;
    }
  }

  window.ataAdapterEvents.on("onboarding", showState);
  window.ataText.ready
    .then(() => fetch("/api/me", { cache: "no-store", headers: { Accept: "application/json" } }))
    .then((response) => (response.ok ? response.json() : null))
    .then((me) => {
      if (!me || me.role !== "admin") return;
      panel.hidden = false;
      button.addEventListener("click", makeCode);
      resetButton.addEventListener("click", factoryReset);
      admin = true;
      showState(latest);
    });
})();
