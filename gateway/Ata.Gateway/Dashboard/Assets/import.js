// Import adapters from CSV: sends the file to POST /api/adapters/import with this page's anti-forgery
// token and shows the report as it streams in (one JSON object per line): progress, each row not
// imported with its reason, and the end. Values are set as textContent only; the report never holds a secret.
"use strict";

(() => {
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const $ = (id) => document.getElementById(id);
  const form = $("import-form");
  const progress = $("import-progress");
  const status = $("import-status");
  const errors = $("import-errors");
  const errorRows = $("import-error-rows");
  const problem = $("problem");

  function show(message) {
    problem.textContent = message || "";
    problem.hidden = !message;
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
    if (report.type === "error") {
      addError(report);
    } else if (report.type === "progress") {
      progress.value = report.rows;
      status.textContent = `${report.rows} of about ${total} rows: ${report.created} imported, ${report.failed} not imported`;
    } else if (report.type === "done" || report.type === "stopped") {
      progress.value = report.type === "done" ? progress.max : progress.value;
      status.textContent = (report.type === "done" ? "Done: " : `Stopped at row ${report.row}: ${report.reason} `)
        + `${report.created} imported, ${report.failed} not imported (${report.rows} rows).`;
      status.dataset.state = report.type;
    }
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
    status.textContent = `Importing ${total} rows…`;
    $("import-start").disabled = true;
    try {
      const response = await fetch("/api/adapters/import", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "text/csv", Accept: "application/x-ndjson", "X-CSRF-Token": requestToken },
        body: text,
      });
      if (!response.ok) {
        const data = await response.json().catch(() => null);
        const details = data && data.errors ? Object.values(data.errors).flat().join(" ") : (data && (data.detail || data.title)) || response.statusText;
        throw new Error(details);
      }
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
      show(`Nothing more was imported: ${error.message}`);
      status.textContent = "";
    } finally {
      $("import-start").disabled = false;
    }
  });
})();
