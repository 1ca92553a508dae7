// Calls on the adapter page (/adapters/{id}): the per-call table (outcome, SIP status and reason, who
// ended it, loss, jitter, round trip, MOS) and the call quality chart over days (median and lowest MOS
// per day against the poor call quality threshold), fetched again when the page's event stream
// (adapter-events.js) says calls were recorded. Kept apart from dashboard.js; device-reported text
// is only ever set as textContent, never as markup.
"use strict";

(() => {
  const match = /^\/adapters\/([A-Za-z0-9._-]{1,64})$/.exec(location.pathname);
  const panel = document.getElementById("calls-panel");
  if (!match || !panel) {
    return;
  }
  const base = `/api/adapters/${encodeURIComponent(match[1])}/calls`;
  const rows = document.getElementById("calls");
  const chart = document.getElementById("call-quality-chart");
  const lines = document.getElementById("call-lines");
  const status = document.getElementById("calls-status");
  const { t, tOr, tn } = window.ataText;

  async function getCallsJson(path) {
    const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
    if (!response.ok) {
      throw new Error(t("error.answered", { status: response.status }));
    }
    return response.json();
  }

  function callCell(text, className) {
    const cell = document.createElement("td");
    cell.textContent = text;
    if (className) cell.className = className;
    return cell;
  }

  function callDuration(ms) {
    const seconds = Math.round(ms / 1000);
    return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
  }

  function callRows(calls, threshold) {
    if (calls.length === 0) {
      const row = document.createElement("tr");
      const cell = callCell(t("calls.none"), "none");
      cell.colSpan = 12;
      row.append(cell);
      return [row];
    }
    return calls.map((call) => {
      const row = document.createElement("tr");
      const q = call.quality;
      row.className = `call ${call.outcome}${q && q.mos < threshold ? " poor" : ""}`;
      const sip = call.sipCode ? `${call.sipCode}${call.reason ? ` ${call.reason}` : ""}` : (call.reason || "—");
      row.append(
        callCell(new Date(call.endedAt).toLocaleString()),
        callCell(String(call.line)),
        callCell(`${tOr(`calls.dir.${call.direction}`, call.direction)}${call.emergency ? ` ${t("calls.emergency")}` : ""}`),
        callCell(call.farEnd || t("calls.withheld")),
        callCell(call.outcome),
        callCell(sip, "call-sip"),
        callCell(call.endedBy),
        callCell(callDuration(call.durationMs)),
        callCell(q ? `${q.lossPercent.toFixed(1)} %` : "—"),
        callCell(q ? `${q.jitterMs.toFixed(1)} ms` : "—"),
        callCell(q && q.roundTripMs !== null ? `${q.roundTripMs} ms` : "—"),
        callCell(q ? q.mos.toFixed(2) : "—", "call-mos"));
      return row;
    });
  }

  function callLineItems(quality) {
    return quality.lines.map((line) => {
      const item = document.createElement("li");
      item.className = line.poor ? "poor" : "fine";
      const median = line.medianMos === null ? "—" : line.medianMos.toFixed(2);
      item.textContent = t("calls.lineSummary", { line: line.line, median, calls: line.calls }) +
        (line.poor ? ` — ${t("calls.linePoor")}` : "");
      return item;
    });
  }

  // One bar per day for the median MOS, a dot for the lowest, a dashed line at the threshold.
  function drawCallQuality(canvas, quality) {
    const context = canvas.getContext("2d");
    const width = canvas.width;
    const height = canvas.height;
    context.clearRect(0, 0, width, height);
    context.font = "12px system-ui, sans-serif";
    context.fillStyle = "#5b6475";
    const days = quality.days;
    canvas.dataset.days = String(days.length);
    if (days.length === 0) {
      context.fillText(t("calls.noAudio"), 10, height / 2);
      canvas.setAttribute("aria-label", "Call quality over days: no calls with audio yet");
      return;
    }
    const pad = 28;
    const bottom = height - 16;
    const py = (mos) => bottom - ((mos - 1) / 3.5) * (bottom - 8);
    const slot = (width - pad - 8) / days.length;
    context.strokeStyle = "#d9dde5";
    context.beginPath();
    context.moveTo(pad, 8);
    context.lineTo(pad, bottom);
    context.lineTo(width - 8, bottom);
    context.stroke();
    context.fillText("4.5", 2, 14);
    context.fillText("1", 2, bottom);
    days.forEach((day, i) => {
      const x = pad + i * slot + slot * 0.2;
      context.fillStyle = day.medianMos < quality.poorMosBelow ? "#d64545" : "#1f9d55";
      context.fillRect(x, py(day.medianMos), slot * 0.6, bottom - py(day.medianMos));
      context.fillStyle = "#1d2433";
      context.beginPath();
      context.arc(x + slot * 0.3, py(day.lowestMos), 3, 0, 2 * Math.PI);
      context.fill();
    });
    context.strokeStyle = "#d64545";
    context.setLineDash([4, 4]);
    context.beginPath();
    context.moveTo(pad, py(quality.poorMosBelow));
    context.lineTo(width - 8, py(quality.poorMosBelow));
    context.stroke();
    context.setLineDash([]);
    context.fillStyle = "#5b6475";
    context.fillText(t("calls.chartLegend", { from: days[0].day, to: days[days.length - 1].day, threshold: quality.poorMosBelow }), pad + 4, height - 2);
    canvas.setAttribute("aria-label", `Call quality over ${days.length} days: ` +
      days.map((day) => `${day.day} median MOS ${day.medianMos.toFixed(2)} over ${day.calls} calls`).join("; "));
  }

  async function loadCalls() {
    try {
      const [calls, quality] = await Promise.all([getCallsJson(base), getCallsJson(`${base}/quality`)]);
      rows.replaceChildren(...callRows(calls, quality.poorMosBelow));
      lines.replaceChildren(...callLineItems(quality));
      drawCallQuality(chart, quality);
      status.textContent = tn("calls.status", calls.length, { time: new Date().toLocaleTimeString() });
    } catch (error) {
      status.textContent = t("calls.loadFailed", { reason: error.message });
    }
  }

  window.ataAdapterEvents.on("changed", ({ parts }) => {
    if (parts.includes("calls")) loadCalls();
  });
})();
