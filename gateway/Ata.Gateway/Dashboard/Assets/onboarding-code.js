// The adapter page's onboarding code, for admins only: one button makes a new one-time code (the
// adapter's device secret is replaced at once) and shows it once, for the technician to type as
// `onboard CODE` on the adapter's console. The code is never kept by the page or shown again.
"use strict";

(() => {
  const match = /^\/adapters\/([A-Za-z0-9._-]{1,64})$/.exec(location.pathname);
  if (!match) return;
  const id = match[1];
  const panel = document.getElementById("onboarding-panel");
  const button = document.getElementById("onboarding-code-make");
  const shown = document.getElementById("onboarding-code");
  const note = document.getElementById("onboarding-result");
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const { t } = window.ataText;

  async function makeCode() {
    if (!confirm(t("onboarding.confirm", { id }))) return;
    button.disabled = true;
    shown.textContent = "";
    try {
      const response = await fetch(`/api/adapters/${encodeURIComponent(id)}/onboarding-code`, {
        method: "POST",
        cache: "no-store",
        headers: { Accept: "application/json", "X-CSRF-Token": requestToken },
      });
      const text = await response.text();
      const data = text ? JSON.parse(text) : {};
      if (!response.ok) throw new Error(data.detail || data.title || t("error.answered", { status: response.status }));
      shown.textContent = data.code;
      note.textContent = t("onboarding.shown", { broker: data.broker, expires: new Date(data.expiresAt).toLocaleString() });
      note.classList.remove("refused");
    } catch (error) {
      note.textContent = t("onboarding.failed", { reason: error.message });
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
    });
})();
