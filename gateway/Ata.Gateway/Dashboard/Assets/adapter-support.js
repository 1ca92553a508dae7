// The adapter page's support tools, kept apart from dashboard.js: commands (re-register, reboot, a
// test ring of one line, a health report now) with their outcomes
// (queued, pending, done, failed, expired), a reboot that asks first and is sent unforced (the adapter
// waits for idle lines) unless forced, and a partial change of one line setting (PATCH, JSON merge
// patch) with the reason asked for. The commands come from the page's event stream (adapter-events.js) as
// their outcomes change. Text from the gateway is only ever set as textContent.
"use strict";

(() => {
  const match = /^\/adapters\/([A-Za-z0-9._-]{1,64})$/.exec(location.pathname);
  if (!match) return;
  const id = match[1];
  const base = `/api/adapters/${encodeURIComponent(id)}`;
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const result = document.getElementById("action-result");
  const { t, tOr } = window.ataText;

  async function change(method, path, body, contentType) {
    const response = await fetch(path, {
      method,
      headers: { Accept: "application/json", "Content-Type": contentType, "X-CSRF-Token": requestToken },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    const data = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const fields = data.errors ? Object.entries(data.errors).map(([field, problems]) => `${field}: ${problems.join(" ")}`).join("; ") : "";
      throw new Error([data.title, fields || data.detail].filter(Boolean).join(" ") || t("error.answered", { status: response.status }));
    }
    return data;
  }

  function commandRows(commands) {
    return commands.map((command) => {
      const row = document.createElement("tr");
      row.dataset.command = command.id;
      const outcome = `${tOr(`command.status.${command.status}`, command.status)}${command.detail ? `: ${command.detail}` : ""}`;
      [[tOr(`command.name.${command.command}`, command.command), command.line ? t("command.line", { line: command.line }) : null,
        command.force ? t("command.forced") : null].filter((part) => part !== null).join(" "), new Date(command.sentAt || command.createdAt).toLocaleString(), command.actor, outcome]
        .forEach((text, i) => {
          const cell = document.createElement("td");
          cell.textContent = text;
          if (i === 3) cell.className = `command-status ${command.status}`;
          row.append(cell);
        });
      return row;
    });
  }

  function showCommands(commands) {
    document.getElementById("commands").replaceChildren(...commandRows(commands));
  }

  async function send(command, button) {
    const force = command === "reboot" && document.getElementById("reboot-force").checked;
    if (command === "reboot" && !confirm(t(force ? "confirm.rebootForced" : "confirm.reboot", { id }))) return;
    const line = button.dataset.line ? Number(button.dataset.line) : undefined;
    const reason = command === "reboot" || command === "reregister"
      ? prompt(t(command === "reboot" ? "prompt.whyReboot" : "prompt.whyReregister", { id })) ?? undefined
      : undefined;
    button.disabled = true;
    try {
      let sent;
      try {
        sent = await change("POST", `${base}/commands`, { command, force, line, reason: reason || undefined }, "application/json");
      } catch (error) {
        if (!/offline|never connected/.test(error.message) || !confirm(`${error.message}\n\n${t("confirm.queue")}`)) throw error;
        sent = await change("POST", `${base}/commands`, { command, force, line, whenOffline: "queue", reason: reason || undefined }, "application/json");
      }
      result.textContent = t("action.status", { action: button.textContent, status: tOr(`command.status.${sent.status}`, sent.status), id: sent.id });
      result.classList.remove("refused");
    } catch (error) {
      result.textContent = t("action.failed", { action: button.textContent, reason: error.message });
      result.classList.add("refused");
    } finally {
      button.disabled = false;
    }
  }

  function lineChange(form) {
    const setting = form.elements.setting.value;
    const raw = form.elements.value.value;
    const flag = { on: true, true: true, off: false, false: false }[raw.trim().toLowerCase()];
    const value = setting === "barring" ? raw.split(",").map((s) => s.trim()).filter(Boolean)
      : setting === "messageWaiting" ? (flag ?? raw)
        : (raw.trim() === "" && setting === "dialPlan" ? null : raw);
    const patch = { lines: { [form.elements.line.value]: { [setting]: value } } };
    const reason = form.elements.reason.value.trim();
    if (reason) patch.reason = reason;
    return patch;
  }

  document.getElementById("line-change").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.target;
    const shown = document.getElementById("line-change-result");
    if (!form.elements.reason.value.trim()) {
      const reason = prompt(t("change.whyPrompt"));
      if (reason === null) return;
      form.elements.reason.value = reason;
    }
    try {
      const answer = await change("PATCH", base, lineChange(form), "application/merge-patch+json");
      shown.textContent = answer.changed.length ? t("change.done", { fields: answer.changed.join(", "), version: answer.configVersion }) : t("change.nothing");
      shown.classList.remove("refused");
      form.elements.value.value = "";
      form.elements.reason.value = "";
    } catch (error) {
      shown.textContent = t("change.failed", { reason: error.message });
      shown.classList.add("refused");
    }
  });

  for (const button of document.querySelectorAll("[data-command]")) {
    button.addEventListener("click", () => send(button.dataset.command, button));
  }
  window.ataAdapterEvents.on("commands", showCommands);
})();
