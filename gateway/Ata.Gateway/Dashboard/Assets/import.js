// Import adapters from CSV: sends the file to POST /api/adapters/import with this page's anti-forgery
// token and shows the report as it streams in (one JSON object per line): progress, each row not
// imported with its reason, and the end. Its words come from dashboard-text.js in the reader's
// language; the reasons rows were not imported are the gateway's own. Only admins import: anyone else
// is told so and gets no form. Values are set as textContent only; the report never holds a secret.
"use strict";

(() => {
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const $ = (id) => document.getElementById(id);
  const { t, tn } = window.ataText;
  const form = $("import-form");
  const progress = $("import-progress");
  const status = $("import-status");
  const errors = $("import-errors");
  const errorRows = $("import-error-rows");
  const problem = $("problem");
  let refused = false;

  function show(message) {
    problem.textContent = message || "";
    problem.hidden = !message;
  }

  // The form stays, greyed out, so that the page still shows what an import takes.
  function refuse() {
    refused = true;
    show(t("import.adminOnly"));
    for (const control of form.elements) control.disabled = true;
  }

  function countRows(text) {
    let rows = 0;
    for (const line of text.split("\n")) {
      if (line.trim() !== "") rows++;
    }
    return Math.max(0, rows - 1);
  }

  function addError(report) {
    const tr = document.createElement("tr");
    for (const value of [report.row, report.deviceId || "", report.mac || "", report.reason]) {
      const td = document.createElement("td");
      td.textContent = String(value);
      tr.appendChild(td);
    }
    errorRows.appendChild(tr);
    errors.hidden = false;
  }

  function handle(report, total) {
    const counts = { created: report.created, failed: report.failed };
    if (report.type === "error") {
      addError(report);
    } else if (report.type === "progress") {
      progress.value = report.rows;
      status.textContent = tn("import.progress", total, { rows: report.rows, ...counts });
    } else if (report.type === "done") {
      progress.value = progress.max;
      status.textContent = tn("import.done", report.rows, counts);
      status.dataset.state = report.type;
    } else if (report.type === "stopped") {
      status.textContent = tn("import.stopped", report.rows, { row: report.row, reason: report.reason, ...counts });
      status.dataset.state = report.type;
    }
  }

  // Why the gateway would not take the file, from its problem details (or its status alone).
  async function refusal(response) {
    const data = await response.json().catch(() => null);
    return data && data.errors ? Object.values(data.errors).flat().join(" ")
      : (data && (data.detail || data.title)) || t("error.answered", { status: response.status });
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = $("import-file").files[0];
    if (!file) return;
    show("");
    errorRows.replaceChildren();
    errors.hidden = true;
    delete status.dataset.state;
    const text = await file.text();
    const total = countRows(text);
    progress.max = Math.max(1, total);
    progress.value = 0;
    progress.hidden = false;
    status.textContent = tn("import.starting", total);
    $("import-start").disabled = true;
    let started = false;
    try {
      const response = await fetch("/api/adapters/import", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "text/csv", Accept: "application/x-ndjson", "X-CSRF-Token": requestToken },
        body: text,
      });
      if (response.status === 401) {
        location.assign("/login");
        return;
      }
      if (response.status === 403) {
        progress.hidden = true;
        status.textContent = "";
        refuse();
        return;
      }
      if (!response.ok) throw new Error(await refusal(response));
      started = true;
      const reader = response.body.getReader();
      const decoder = new TextDecoder();
      let buffered = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffered.indexOf("\n")) >= 0) {
          const line = buffered.slice(0, end).trim();
          buffered = buffered.slice(end + 1);
          if (line) handle(JSON.parse(line), total);
        }
      }
      if (buffered.trim()) handle(JSON.parse(buffered), total);
    } catch (error) {
      show(t(started ? "import.cutOff" : "import.failed", { reason: error.message }));
      status.textContent = "";
    } finally {
      $("import-start").disabled = refused;
    }
  });

  window.ataText.ready
    .then(() => fetch("/api/me", { cache: "no-store", headers: { Accept: "application/json" } }))
    .then((response) => {
      if (response.status === 401) location.assign("/login");
      return response.ok ? response.json() : null;
    })
    .then((me) => {
      if (me && me.role !== "admin") refuse();
    })
    .catch(() => {});
})();
