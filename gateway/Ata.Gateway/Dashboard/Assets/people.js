// People and keys: your own second factor and API tokens; for admins, the people who sign in and the
// programs' API keys. Every change sends this page's anti-forgery token; names are set as textContent only.
"use strict";

(() => {
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const problem = document.getElementById("problem");
  const $ = (id) => document.getElementById(id);
  const { t } = window.ataText;

  async function call(method, path, body) {
    const options = { method, headers: { "X-CSRF-Token": requestToken }, credentials: "same-origin" };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    const response = await fetch(path, options);
    const text = await response.text();
    const data = text ? JSON.parse(text) : null;
    if (!response.ok) {
      const details = data && data.errors ? Object.values(data.errors).flat().join(" ") : (data && (data.detail || data.title)) || response.statusText;
      throw new Error(details);
    }
    return data;
  }

  function show(error) {
    problem.textContent = error ? error.message : "";
    problem.hidden = !error;
  }

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function button(td, label, action) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", () => action().then(() => { show(null); return load(); }).catch(show));
    td.appendChild(b);
  }

  const when = (iso) => new Date(iso).toLocaleString();

  async function load() {
    const me = await call("GET", "/api/me");
    $("who").textContent = `${me.name} (${me.role})`;
    $("my-account").hidden = !me.person;
    $("my-language").hidden = !me.person;
    if (me.person) {
      $("language").value = me.language || "";
      $("totp-state").textContent = t(me.totpEnabled ? "people.totpOn" : "people.totpOff");
      $("totp-start").textContent = t(me.totpEnabled ? "people.totpMove" : "people.totpStart");
      const tokens = await call("GET", "/api/me/tokens");
      const rows = $("my-tokens");
      rows.replaceChildren();
      for (const token of tokens) {
        const row = document.createElement("tr");
        cell(row, token.label);
        cell(row, when(token.createdAt));
        button(cell(row, ""), t("people.revoke"), () => call("DELETE", `/api/me/tokens/${encodeURIComponent(token.id)}`));
        rows.appendChild(row);
      }
    }
    const admin = me.role === "admin";
    $("people").hidden = !admin;
    $("keys").hidden = !admin;
    if (!admin) return;
    const people = await call("GET", "/api/people");
    const rows = $("people-rows");
    rows.replaceChildren();
    for (const person of people) {
      const row = document.createElement("tr");
      row.dataset.person = person.name;
      cell(row, person.name);
      cell(row, person.role);
      const factor = cell(row, person.totpEnabled ? `${t("people.factorOn")} ` : t("people.factorOff"));
      if (person.totpEnabled) button(factor, t("people.turnOff"), () => call("DELETE", `/api/people/${encodeURIComponent(person.name)}/totp`));
      cell(row, t("people.addedBy", { time: when(person.createdAt), by: person.createdBy }));
      const actions = cell(row, "");
      button(actions, t("people.setPassword"), () => {
        const password = prompt(t("people.newPassword", { name: person.name }));
        return password ? call("POST", `/api/people/${encodeURIComponent(person.name)}/password`, { password }) : Promise.resolve();
      });
      button(actions, t("people.remove"), () => confirm(t("people.confirmRemove", { name: person.name }))
        ? call("DELETE", `/api/people/${encodeURIComponent(person.name)}`) : Promise.resolve());
      rows.appendChild(row);
    }
    const keys = await call("GET", "/api/keys");
    const keyRows = $("key-rows");
    keyRows.replaceChildren();
    for (const key of keys) {
      const row = document.createElement("tr");
      cell(row, key.name);
      cell(row, key.role);
      cell(row, when(key.createdAt));
      cell(row, key.createdBy);
      button(cell(row, ""), t("people.revoke"), () => confirm(t("people.confirmRevokeKey", { name: key.name }))
        ? call("DELETE", `/api/keys/${encodeURIComponent(key.name)}`) : Promise.resolve());
      keyRows.appendChild(row);
    }
  }

  $("totp-start").addEventListener("click", () => call("POST", "/api/me/totp").then((enrolment) => {
    $("totp-secret").textContent = enrolment.secret;
    $("totp-uri").href = enrolment.uri;
    $("totp-setup").hidden = false;
    show(null);
  }).catch(show));

  $("totp-confirm").addEventListener("click", () => call("POST", "/api/me/totp/confirm", { code: $("totp-code").value.trim() }).then(() => {
    $("totp-setup").hidden = true;
    $("totp-code").value = "";
    show(null);
    return load();
  }).catch(show));

  $("token-create").addEventListener("click", () => call("POST", "/api/me/tokens", { label: $("token-label").value.trim() }).then((made) => {
    const shown = $("token-new");
    shown.querySelector("code").textContent = made.token;
    shown.hidden = false;
    $("token-label").value = "";
    show(null);
    return load();
  }).catch(show));

  $("person-add").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.target;
    call("POST", "/api/people", { name: form.elements["name"].value.trim(), role: form.elements["role"].value, password: form.elements["password"].value })
      .then(() => { form.reset(); show(null); return load(); }).catch(show);
  });

  // A language chosen (or the browser's again): the page reloads in it.
  $("language-save").addEventListener("click", () => call("PUT", "/api/me/language", { language: $("language").value || null })
    .then(() => location.reload()).catch(show));

  window.ataText.ready.then(load).catch(show);
})();
