// The fleet dashboard: one page of the fleet (server-side filters, sort and keyset paging), kept current
// by server-sent events (/api/events: the page, the changed adapters on it, the counts; nothing when
// nothing changes), one card per adapter; the overview tiles filter the list.
// /adapters/{id} shows one adapter: its LEDs, lines and their settings, a timeline of faults and
// service codes dialled, health charts, config versions and the support actions, kept current by its own
// event stream (adapter-events.js: the adapter when it changed, and which histories grew, fetched then
// alone). Device-reported text is only ever set as textContent, never as markup.
"use strict";

(() => {
  const source = document.getElementById("adapters").dataset.source;
  const eventsSource = document.getElementById("adapters").dataset.events;
  const list = document.getElementById("adapters");
  const template = document.getElementById("adapter-card");
  const summary = document.getElementById("summary");
  const problem = document.getElementById("problem");
  const empty = document.getElementById("empty");
  const cards = new Map();
  const codeAnimations = new Set();
  // How often the adapter page writes its times again ("12 s ago"), from what it has, without asking the gateway.
  const clockMs = 5000;
  const search = document.getElementById("search");
  const pageMatch = /^\/adapters\/([A-Za-z0-9._-]{1,64})$/.exec(location.pathname);
  const pageId = pageMatch ? pageMatch[1] : null;
  // This page's anti-forgery token: the gateway refuses a change made with the session cookie without it.
  const requestToken = document.querySelector('meta[name="request-token"]').content;
  const { t, tOr, tn } = window.ataText;
  // The adapter page's last adapter, refused logins and histories, as the stream gave them.
  const shown = { adapter: null, refused: null, events: [], services: [] };
  // The fleet page asked for: filters and sort (as /api/adapters takes them), and the cursors of the pages before.
  const fleet = { q: "", state: "", fault: "", registrar: "", firmware: "", customer: "", sort: "deviceId", after: "", limit: 50 };
  const cursors = [];
  let stream = null;
  let streamRetry = 0;
  let page = { items: [], next: null, total: null };
  let counts = null;
  let incidentsAt = 0;
  let incidentsTimer = null;
  // Replaced by the core's LED table (/dashboard/leds.json) once loaded.
  let timing = { slowPeriodMs: 1000, fastPeriodMs: 200, codeBlinkMs: 400, codePauseMs: 1600 };

  const ledNames = { pwr: "PWR", wan: "WAN", tel1: "TEL1", tel2: "TEL2" };

  function describePattern(pattern) {
    switch (pattern) {
      case "off": return t("led.off");
      case "solid": return t("led.on");
      case "slow-blink": return t("led.slow");
      case "fast-blink": return t("led.fast");
      default: {
        const count = codeCount(pattern);
        return count ? t("led.code", { count }) : t("led.unknown");
      }
    }
  }

  // What the LED means in this pattern, from the core's LED guide (/dashboard/leds.json), in the
  // reader's language when there is a translation (ledMeaning.{pwr|wan|tel}.{pattern}).
  function meaningOf(led, pattern) {
    const meaning = ((timing.guide || {})[led] || {})[pattern] || null;
    return meaning === null ? null : tOr(`ledMeaning.${led.startsWith("tel") ? "tel" : led}.${pattern}`, meaning);
  }

  // The LED guide beside the drawn LEDs: each LED's patterns and what they mean, as the printed guide says.
  function renderLedGuide() {
    const guide = document.getElementById("led-guide");
    if (!guide || !timing.guide) {
      return;
    }
    const tables = Object.keys(ledNames).map((led) => {
      const table = document.createElement("table");
      table.className = "led-guide-table";
      table.dataset.led = led;
      const caption = document.createElement("caption");
      caption.textContent = ledNames[led];
      const body = document.createElement("tbody");
      for (const pattern of Object.keys(timing.guide[led] || {})) {
        const row = document.createElement("tr");
        const shown = document.createElement("td");
        const sample = document.createElement("span");
        sample.className = "led";
        sample.dataset.led = led;
        setLed(sample, pattern);
        shown.append(sample, ` ${describePattern(pattern)}`);
        const what = document.createElement("td");
        what.textContent = meaningOf(led, pattern);
        row.append(shown, what);
        body.append(row);
      }
      table.append(caption, body);
      return table;
    });
    guide.replaceChildren(...tables);
  }

  function codeCount(pattern) {
    const match = /^code-([1-9][0-9]?)$/.exec(pattern || "");
    return match ? Number(match[1]) : 0;
  }

  // A counted blink code, as the adapter shows it: n blinks (lit for half of each), then a dark pause.
  function codeAnimation(count) {
    const name = `led-code-${count}`;
    const period = count * timing.codeBlinkMs + timing.codePauseMs;
    if (!codeAnimations.has(name)) {
      const at = (ms) => `${((ms / period) * 100).toFixed(3)}%`;
      const frames = [];
      for (let i = 0; i < count; i++) {
        frames.push(`${at(i * timing.codeBlinkMs)} { background-color: var(--led-fault); box-shadow: var(--glow-fault); }`);
        frames.push(`${at(i * timing.codeBlinkMs + timing.codeBlinkMs / 2)} { background-color: var(--led-off); box-shadow: none; }`);
      }
      frames.push("100% { background-color: var(--led-off); box-shadow: none; }");
      const sheet = [...document.styleSheets].find((s) => (s.href || "").endsWith("/dashboard.css"));
      sheet.insertRule(`@keyframes ${name} { ${frames.join(" ")} }`, sheet.cssRules.length);
      codeAnimations.add(name);
    }
    return { name, duration: `${period}ms` };
  }

  function setLed(led, pattern) {
    if (led.dataset.pattern === pattern) {
      return;
    }
    led.dataset.pattern = pattern;
    led.className = "led";
    led.style.animationName = "";
    led.style.animationDuration = "";
    led.style.animationTimingFunction = "";
    led.style.animationIterationCount = "";
    led.replaceChildren();
    const count = codeCount(pattern);
    if (pattern === "solid") {
      led.classList.add("lit");
    } else if (pattern === "slow-blink") {
      led.classList.add("lit", "slow");
      led.style.animationDuration = `${timing.slowPeriodMs}ms`;
    } else if (pattern === "fast-blink") {
      led.classList.add("lit", "fast");
      led.style.animationDuration = `${timing.fastPeriodMs}ms`;
    } else if (count) {
      const animation = codeAnimation(count);
      led.classList.add("fault", "code");
      led.style.animationName = animation.name;
      led.style.animationDuration = animation.duration;
      led.style.animationTimingFunction = "step-end";
      led.style.animationIterationCount = "infinite";
      const badge = document.createElement("span");
      badge.className = "count";
      badge.setAttribute("aria-hidden", "true");
      badge.textContent = String(count);
      led.append(badge);
    } else if (pattern !== "off") {
      led.classList.add("unknown");
    }
    const meaning = meaningOf(led.dataset.led, pattern);
    const label = `${ledNames[led.dataset.led]}: ${describePattern(pattern)}${meaning ? ` (${meaning})` : ""}`;
    led.setAttribute("aria-label", label);
    led.title = label;
  }

  function setText(element, text) {
    if (element.textContent !== text) {
      element.textContent = text;
    }
  }

  function ago(iso) {
    if (!iso) {
      return t("time.never");
    }
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return t("time.seconds", { n: seconds });
    if (seconds < 3600) return t("time.minutes", { n: Math.floor(seconds / 60) });
    if (seconds < 86400) return t("time.hours", { n: Math.floor(seconds / 3600) });
    return new Date(iso).toLocaleString();
  }

  // Rebuilds a section only when its data changed, so nothing flickers.
  function renderOnce(element, data, render) {
    const key = JSON.stringify(data);
    if (element.dataset.key !== key) {
      element.dataset.key = key;
      element.replaceChildren(...render(data));
    }
  }

  function lineRows(lines) {
    return lines.map((line) => {
      const row = document.createElement("tr");
      const cells = [String(line.line), `${line.username} @ ${line.registrar}`, tOr(`registration.${line.registration}`, line.registration), line.sipCode ? String(line.sipCode) : "—"];
      cells.forEach((text, i) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (i === 2) {
          cell.className = `registration ${line.registration}`;
        }
        row.append(cell);
      });
      return row;
    });
  }

  function faultItems(faults) {
    if (faults.length === 0) {
      const none = document.createElement("li");
      none.className = "none";
      none.textContent = t("common.none");
      return [none];
    }
    return faults.map((fault) => {
      const item = document.createElement("li");
      const what = document.createElement("span");
      what.className = "fault-what";
      what.textContent = fault.description;
      const context = [];
      if (fault.line) context.push(t("fault.line", { line: fault.line }));
      if (fault.sipCode) context.push(t("fault.sip", { code: fault.sipCode }));
      context.push(t("fault.since", { time: new Date(fault.since).toLocaleString() }));
      const details = document.createElement("span");
      details.className = "fault-context";
      details.textContent = ` (${context.join(", ")})${fault.detail ? `: ${fault.detail}` : ""}`;
      item.append(what, details);
      return item;
    });
  }

  function configText(adapter) {
    let text = `v${adapter.configVersion} ${tOr(`config.status.${adapter.configStatus}`, adapter.configStatus)}`;
    if (adapter.configStatus === "pending" && adapter.appliedConfigVersion !== null) {
      text += ` ${t("config.runs", { version: adapter.appliedConfigVersion })}`;
    }
    return text;
  }

  function card(adapter) {
    let element = cards.get(adapter.deviceId);
    if (!element) {
      element = template.content.firstElementChild.cloneNode(true);
      const link = element.querySelector(".adapter-link");
      link.textContent = adapter.deviceId;
      link.href = `/adapters/${encodeURIComponent(adapter.deviceId)}`;
      element.setAttribute("aria-label", `Adapter ${adapter.deviceId}`);
      cards.set(adapter.deviceId, element);
    }
    return element;
  }

  function update(element, adapter) {
    element.classList.toggle("offline", !adapter.online);
    const presence = element.querySelector(".presence");
    const state = presenceOf(adapter);
    for (const name of ["online", "offline", "silent", "never"]) {
      presence.classList.toggle(name, state === name);
    }
    setText(presence, t(`presence.${state}`));
    const customer = element.querySelector(".customer");
    setText(customer, adapter.customerReference ? t("card.customer", { ref: adapter.customerReference }) : "");
    customer.hidden = !adapter.customerReference;
    element.querySelector(".stale").hidden = adapter.online || adapter.lastHealthAt === null;
    for (const led of element.querySelectorAll(".led")) {
      setLed(led, adapter.leds[led.dataset.led] || "off");
    }
    renderOnce(element.querySelector(".lines tbody"), adapter.lines, lineRows);
    renderOnce(element.querySelector(".faults"), adapter.faults, faultItems);
    const config = element.querySelector(".config");
    setText(config, configText(adapter) + (adapter.configRefusedReason ? ` — ${t("config.refusedBecause", { reason: adapter.configRefusedReason })}` : ""));
    config.classList.toggle("refused", adapter.configStatus === "refused");
    setText(element.querySelector(".firmware"), adapter.firmware || "—");
    setText(element.querySelector(".last-seen"), ago(adapter.lastSeen));
  }

  // Where an adapter is: online; offline from the moment its Last Will (or goodbye) came; silent when
  // it stopped reporting without one; never connected.
  function presenceOf(adapter) {
    if (adapter.silent) {
      return "silent";
    }
    if (adapter.online) {
      return "online";
    }
    return adapter.lastSeen === null ? "never" : "offline";
  }

  // Shows one page of the fleet: cards in the page's order, the pager and the summary.
  function render(next) {
    page = next;
    const seen = new Set();
    page.items.forEach((adapter, index) => {
      seen.add(adapter.deviceId);
      const element = card(adapter);
      update(element, adapter);
      if (list.children[index] !== element) {
        list.insertBefore(element, list.children[index] || null);
      }
    });
    for (const [id, element] of cards) {
      if (!seen.has(id)) {
        element.remove();
        cards.delete(id);
      }
    }
    renderPager();
    renderSummary();
    empty.hidden = page.items.length > 0 || filtered() || cursors.length > 0;
  }

  // Adapters on the page that changed: their cards only.
  function applyAdapters(adapters) {
    for (const adapter of adapters) {
      const index = page.items.findIndex((shown) => shown.deviceId === adapter.deviceId);
      if (index >= 0) {
        page.items[index] = adapter;
        update(card(adapter), adapter);
      }
    }
    renderSummary();
  }

  function filtered() {
    return ["q", "state", "fault", "registrar", "firmware", "customer"].some((key) => fleet[key] !== "");
  }

  // How many match: the page's own total, or (a state alone) the tile's count, which the events keep current.
  function matching() {
    const onlyState = !["q", "fault", "registrar", "firmware", "customer"].some((key) => fleet[key] !== "");
    if (counts && onlyState) {
      return fleet.state === "" ? counts.adapters : counts[fleet.state];
    }
    return page.total;
  }

  function renderPager() {
    const first = cursors.length * fleet.limit + 1;
    const total = matching();
    const shown = page.items.length === 0 ? t("pager.none") : `${first}–${first + page.items.length - 1}`;
    setText(document.getElementById("page-info"), t("pager.info", {
      shown, total: total === null ? t("pager.moreThan", { count: (10000).toLocaleString() }) : total.toLocaleString() }));
    document.getElementById("page-first").disabled = cursors.length === 0;
    document.getElementById("page-previous").disabled = cursors.length === 0;
    document.getElementById("page-next").disabled = page.next === null;
  }

  function renderSummary() {
    const total = matching();
    const time = new Date().toLocaleTimeString();
    if (total === null) {
      setText(summary, t("summary.many", { count: (10000).toLocaleString(), time }));
    } else if (filtered()) {
      setText(summary, tn("summary.match", total, { count: total.toLocaleString(), time }));
    } else if (counts) {
      setText(summary, tn("summary.fleet", total, {
        count: total.toLocaleString(), online: counts.online.toLocaleString(), faulty: counts.faulted.toLocaleString(), time }));
    } else {
      setText(summary, tn("summary.plain", total, { count: total.toLocaleString(), time }));
    }
  }

  function renderCounts(next) {
    counts = next;
    for (const tile of document.querySelectorAll("#tiles li")) {
      const name = tile.dataset.tile;
      setText(tile.querySelector(".tile-count"), (name === "all" ? counts.adapters : counts[name]).toLocaleString());
      tile.querySelector("button").setAttribute("aria-pressed", String(fleet.state === (name === "all" ? "" : name)));
    }
    renderPager();
    renderSummary();
    loadIncidentsSoon();
  }

  // The open incidents, again when the fleet changed (at most every 2 s) and once a minute anyway.
  function loadIncidentsSoon() {
    if (incidentsTimer !== null) {
      return;
    }
    incidentsTimer = setTimeout(async () => {
      incidentsTimer = null;
      incidentsAt = Date.now();
      try {
        await loadIncidents();
      } catch {
        // Shown again with the next change.
      }
    }, Math.max(0, 2000 - (Date.now() - incidentsAt)));
  }

  function streamQuery() {
    const query = new URLSearchParams();
    for (const key of ["q", "state", "fault", "registrar", "firmware", "customer", "after"]) {
      if (fleet[key] !== "") query.set(key, fleet[key]);
    }
    query.set("sort", fleet.sort);
    query.set("limit", String(fleet.limit));
    return query;
  }

  // Opens the page's event stream (again after any change of filter, sort or page): it sends the page and
  // the counts at once, then only what changes.
  function openStream() {
    if (stream) {
      stream.close();
    }
    const query = streamQuery();
    const shown = new URLSearchParams(query);
    shown.delete("limit");
    if (shown.get("sort") === "deviceId") shown.delete("sort");
    history.replaceState(null, "", shown.toString() ? `/?${shown}` : "/");
    const opened = new EventSource(`${eventsSource}?${query}`);
    stream = opened;
    opened.addEventListener("page", (event) => {
      streamRetry = 0;
      problem.hidden = true;
      render(JSON.parse(event.data));
    });
    opened.addEventListener("adapters", (event) => {
      applyAdapters(JSON.parse(event.data));
      loadIncidentsSoon();
    });
    opened.addEventListener("counts", (event) => renderCounts(JSON.parse(event.data)));
    opened.addEventListener("error", async () => {
      if (opened.readyState !== EventSource.CLOSED || stream !== opened) {
        return;
      }
      // Refused (signed out, or a filter the gateway cannot take) or unreachable: say which, and try again.
      try {
        const response = await fetch(`${source}?${query}`, { cache: "no-store", headers: { Accept: "application/json" } });
        if (response.status === 401) {
          location.assign("/login");
          return;
        }
        if (response.status === 400) {
          const body = await response.json();
          problem.textContent = Object.values(body.errors || {}).flat().join(" ") || body.title;
          problem.hidden = false;
          return;
        }
      } catch (error) {
        problem.textContent = t("problem.unreachable", { reason: error.message });
        problem.hidden = false;
      }
      streamRetry = Math.min(streamRetry + 1, 5);
      setTimeout(() => stream === opened && openStream(), 1000 * streamRetry);
    });
  }

  // A new filter, search or sort starts again from the first page.
  function refilter(changes) {
    Object.assign(fleet, changes, { after: "" });
    cursors.length = 0;
    for (const element of cards.values()) element.remove();
    cards.clear();
    const form = document.getElementById("filters");
    for (const key of ["state", "fault", "registrar", "firmware", "customer", "sort"]) {
      if (form.elements[key].value !== fleet[key]) form.elements[key].value = fleet[key];
    }
    if (counts) renderCounts(counts);
    openStream();
  }

  function startFleet() {
    const asked = new URLSearchParams(location.search);
    for (const key of ["q", "state", "fault", "registrar", "firmware", "customer", "sort"]) {
      if (asked.get(key)) fleet[key] = asked.get(key);
    }
    search.value = fleet.q;
    let typing = null;
    search.addEventListener("input", () => {
      clearTimeout(typing);
      typing = setTimeout(() => refilter({ q: search.value.trim() }), 250);
    });
    const form = document.getElementById("filters");
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("change", (event) => refilter({ [event.target.name]: event.target.value.trim() }));
    for (const button of document.querySelectorAll("#tiles button")) {
      button.addEventListener("click", () => refilter({ state: fleet.state === button.dataset.state ? "" : button.dataset.state }));
    }
    document.getElementById("page-next").addEventListener("click", () => {
      if (page.next === null) return;
      cursors.push(fleet.after);
      fleet.after = page.next;
      openStream();
    });
    document.getElementById("page-previous").addEventListener("click", () => {
      if (cursors.length === 0) return;
      fleet.after = cursors.pop();
      openStream();
    });
    document.getElementById("page-first").addEventListener("click", () => {
      cursors.length = 0;
      fleet.after = "";
      openStream();
    });
    refilter({});
    setInterval(loadIncidentsSoon, 60000);
  }

  function renderPage(adapter) {
    const detail = document.getElementById("adapter-detail");
    const element = card(adapter);
    element.classList.add("large");
    update(element, adapter);
    if (detail.firstElementChild !== element) {
      detail.replaceChildren(element);
    }
    // Each line's voicemail light (from its health) in words next to its TEL LED.
    adapter.lines.forEach((line) => {
      const cell = element.querySelector(`.led[data-led="tel${line.line}"]`)?.parentElement;
      if (!cell) return;
      let note = cell.querySelector(".voicemail");
      if (!note) {
        note = document.createElement("span");
        note.className = "voicemail";
        cell.append(note);
      }
      setText(note, line.voicemail ? tOr(`voicemail.${line.voicemail}`, "") : "");
    });
    let facts = element.querySelector(".more-facts");
    if (!facts) {
      facts = document.createElement("dl");
      facts.className = "facts more-facts";
      element.append(facts);
    }
    const uptime = adapter.uptimeMs === null ? "—" : `${(adapter.uptimeMs / 3600000).toFixed(1)} h`;
    // Signal only for an adapter with a radio: a wired one reports none.
    renderOnce(facts, [adapter.hardware, adapter.mac, adapter.wan, adapter.wanAddress, adapter.rssi, uptime, adapter.resetReason], () =>
      [[t("fact.hardware"), adapter.hardware], [t("fact.mac"), adapter.mac], [t("fact.wan"), adapter.wan], [t("fact.wanAddress"), adapter.wanAddress],
        [t("fact.signal"), adapter.rssi === null ? undefined : `${adapter.rssi} dBm`], [t("fact.uptime"), uptime], [t("fact.lastReset"), adapter.resetReason]]
        .filter(([, value]) => value !== undefined)
        .map(([name, value]) => {
          const pair = document.createElement("div");
          const dt = document.createElement("dt");
          dt.textContent = name;
          const dd = document.createElement("dd");
          dd.textContent = value || "—";
          pair.append(dt, dd);
          return pair;
        }));
    setText(summary, t("summary.adapter", { id: adapter.deviceId, time: new Date().toLocaleTimeString() }));
  }

  function drawChart(canvas, samples, value, unit) {
    const context = canvas.getContext("2d");
    const width = canvas.width;
    const height = canvas.height;
    context.clearRect(0, 0, width, height);
    const points = samples.map((s) => [Date.parse(s.at), value(s)]).filter(([, v]) => v !== null && v !== undefined);
    context.fillStyle = "#5b6475";
    context.font = "12px system-ui, sans-serif";
    if (points.length === 0) {
      context.fillText(t("chart.empty"), 10, height / 2);
      return;
    }
    const xs = points.map(([x]) => x);
    const ys = points.map(([, y]) => y);
    const minX = Math.min(...xs);
    const maxX = Math.max(...xs, minX + 1);
    let minY = Math.min(...ys);
    let maxY = Math.max(...ys);
    if (maxY - minY < 1) {
      minY -= 1;
      maxY += 1;
    }
    const pad = 28;
    const px = (x) => pad + ((x - minX) / (maxX - minX)) * (width - pad - 8);
    const py = (y) => height - 16 - ((y - minY) / (maxY - minY)) * (height - 28);
    context.strokeStyle = "#d9dde5";
    context.beginPath();
    context.moveTo(pad, 8);
    context.lineTo(pad, height - 16);
    context.lineTo(width - 8, height - 16);
    context.stroke();
    context.fillText(`${maxY.toFixed(1)}`, 2, 14);
    context.fillText(`${minY.toFixed(1)}`, 2, height - 18);
    context.fillText(`${new Date(minX).toLocaleTimeString()} – ${new Date(maxX).toLocaleTimeString()} ${unit}`, pad + 4, height - 2);
    context.strokeStyle = "#1f9d55";
    context.lineWidth = 2;
    context.beginPath();
    points.forEach(([x, y], i) => (i === 0 ? context.moveTo(px(x), py(y)) : context.lineTo(px(x), py(y))));
    context.stroke();
  }

  // Faults raised and cleared, and service codes dialled on the adapter (e.g. #21#), newest first.
  function timelineItems({ events, services }) {
    const entries = events.map((event) => ({ at: event.at, event }))
      .concat(services.map((service) => ({ at: service.at, service })))
      .sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    if (entries.length === 0) {
      const none = document.createElement("li");
      none.className = "none";
      none.textContent = t("timeline.empty");
      return [none];
    }
    return entries.map(({ at, event, service }) => {
      const item = document.createElement("li");
      const when = document.createElement("time");
      when.dateTime = at;
      when.textContent = new Date(at).toLocaleString();
      const what = document.createElement("span");
      if (service) {
        item.className = "service";
        const dialled = { code: service.serviceCode, line: service.line, description: service.description, outcome: service.outcome };
        what.textContent = ` ${t(service.line ? "timeline.dialledOnLine" : "timeline.dialled", dialled)}`;
      } else {
        item.className = event.raised ? "raised" : "cleared";
        const context = [];
        if (event.line) context.push(t("fault.line", { line: event.line }));
        if (event.sipCode) context.push(t("fault.sip", { code: event.sipCode }));
        what.textContent = ` ${event.raised ? t("timeline.raised") : t("timeline.cleared")}: ${event.description}${context.length ? ` (${context.join(", ")})` : ""}${event.detail ? ` — ${event.detail}` : ""}`;
      }
      item.append(when, what);
      return item;
    });
  }

  // What each line is provisioned with beyond its account; "default" where the adapter's own applies.
  function lineSettingItems(lines) {
    return lines.map((line) => {
      const item = document.createElement("li");
      const name = document.createElement("strong");
      name.textContent = t("settings.line", { line: line.line });
      const standard = t("settings.default");
      const tones = line.tones ? Object.entries(line.tones).map(([tone, text]) => `${tone} ${text}`).join("; ") : standard;
      const settings = [
        [t("settings.country"), line.country || standard],
        [t("settings.tonePlan"), line.tonePlan || t("settings.asCountry")],
        [t("settings.dialPlan"), line.dialPlan || standard],
        [t("settings.barring"), line.barring.length ? line.barring.join(", ") : t("settings.none")],
        [t("settings.flash"), line.flashMs ? `${line.flashMs} ms` : standard],
        [t("settings.interDigit"), t("settings.timers", {
          short: line.shortTimerMs ? `${line.shortTimerMs} ms` : standard, long: line.longTimerMs ? `${line.longTimerMs} ms` : standard })],
        [t("settings.tones"), tones],
        [t("settings.transport"), line.transport],
        [t("settings.callWaiting"), line.callWaiting === false ? t("settings.off") : t("settings.on")],
        [t("settings.messageWaiting"), line.messageWaiting === false ? t("settings.off") : t("settings.on")],
      ];
      const text = document.createElement("span");
      text.className = "line-settings-text";
      text.textContent = ` ${settings.map(([key, value]) => `${key}: ${value}`).join(" · ")}`;
      item.append(name, text);
      return item;
    });
  }

  function configRows(versions) {
    return versions.map((version) => {
      const row = document.createElement("tr");
      [`v${version.version}`, new Date(version.createdAt).toLocaleString(), version.actor,
        tOr(`config.status.${version.status}`, version.status) + (version.reason ? `: ${version.reason}` : "")].forEach((text, i) => {
        const cell = document.createElement("td");
        cell.textContent = text;
        if (i === 3) cell.className = `config-status ${version.status}`;
        row.append(cell);
      });
      return row;
    });
  }

  // A request that changes something, as only this page can make it: with its token.
  function send(path) {
    return fetch(path, { method: "POST", headers: { Accept: "application/json", "X-CSRF-Token": requestToken } });
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
    if (response.status === 401) {
      location.assign("/login");
      throw new Error("signed out");
    }
    if (!response.ok) {
      throw new Error(t("error.answered", { status: response.status }));
    }
    return response.json();
  }

  function incidentItems(incidents) {
    if (incidents.length === 0) {
      const none = document.createElement("li");
      none.className = "none";
      none.textContent = t("common.none");
      return [none];
    }
    return incidents.filter((incident) => incident.parentId === null).map((incident) => {
      const item = document.createElement("li");
      item.className = incident.kind;
      const what = document.createElement("strong");
      if (incident.kind === "registrar") {
        what.textContent = t("incident.registrar", { registrar: incident.registrar, adapters: incident.adapters, description: incident.description });
      } else {
        const link = document.createElement("a");
        link.href = `/adapters/${encodeURIComponent(incident.deviceId)}`;
        link.textContent = incident.deviceId;
        const where = [incident.line ? t("incident.line", { line: incident.line }) : null,
          incident.customerReference ? t("incident.customer", { ref: incident.customerReference }) : null]
          .filter((part) => part !== null).join(", ");
        what.append(link, where ? ` (${where})` : "", `: ${incident.description}`);
      }
      const since = document.createElement("span");
      since.className = "fault-context";
      since.textContent = ` ${[t("incident.since", { time: new Date(incident.openedAt).toLocaleString() }),
        incident.flaps ? t("incident.flapping", { flaps: incident.flaps }) : null, incident.clearedAt ? t("incident.clearing") : null]
        .filter((part) => part !== null).join(", ")}`;
      const step = document.createElement("div");
      step.className = "next-step";
      step.textContent = incident.nextStep;
      item.append(what, since, step);
      return item;
    });
  }

  // The broker refusing this adapter's login (a wrong device secret): shown while it goes on.
  function renderRefusedLogins(refused) {
    shown.refused = refused;
    const panel = document.getElementById("refused-logins-panel");
    panel.hidden = refused === null;
    setText(document.getElementById("refused-logins"), refused === null ? ""
      : tn("refused.text", refused.attempts, { first: ago(refused.firstAt), last: ago(refused.lastAt), address: refused.lastAddress }));
  }

  async function loadIncidents() {
    renderOnce(document.getElementById("incidents"), await getJson("/api/incidents?open=true"), incidentItems);
  }

  // The histories the stream said grew (faults, health, configs, services), each fetched alone.
  async function loadDetails(id, parts) {
    const base = `/api/adapters/${encodeURIComponent(id)}`;
    const wanted = ["faults", "health", "configs", "services"].filter((part) => parts.includes(part));
    if (wanted.length === 0) {
      return;
    }
    const got = Object.fromEntries(await Promise.all(wanted.map(async (part) => [part, await getJson(`${base}/${part}`)])));
    if (got.faults) shown.events = got.faults;
    if (got.services) shown.services = got.services;
    if (got.faults || got.services) {
      renderOnce(document.getElementById("timeline"), { events: shown.events, services: shown.services }, timelineItems);
    }
    if (got.configs) {
      renderOnce(document.getElementById("configs"), got.configs, configRows);
    }
    if (got.health) {
      drawHealth(got.health);
    }
  }

  function drawHealth(health) {
    const radio = health.some((s) => s.rssi !== null);
    for (const element of document.querySelectorAll(".signal-only")) {
      element.hidden = !radio;
    }
    if (radio) {
      drawChart(document.getElementById("rssi-chart"), health, (s) => s.rssi, "");
    }
    drawChart(document.getElementById("uptime-chart"), health, (s) => (s.uptimeMs === null ? null : s.uptimeMs / 3600000), "");
  }

  async function act(action, button) {
    const result = document.getElementById("action-result");
    button.disabled = true;
    try {
      const response = await send(`/api/adapters/${encodeURIComponent(pageId)}/actions/${action}`);
      const body = response.headers.get("content-type")?.includes("json") ? await response.json() : {};
      result.textContent = response.ok
        ? (body.commandId && body.commandId !== "config"
          ? t("action.sentCommand", { action: button.textContent, id: body.commandId }) : t("action.sent", { action: button.textContent }))
        : t("action.failed", { action: button.textContent, reason: body.title || response.status });
      result.classList.toggle("refused", !response.ok);
    } catch (error) {
      result.textContent = t("action.failed", { action: button.textContent, reason: error.message });
      result.classList.add("refused");
    } finally {
      button.disabled = false;
    }
  }

  function showProblem(text) {
    problem.textContent = text;
    problem.hidden = false;
  }

  // The adapter page takes its adapter and its histories' changes from its own event stream, as the fleet page does.
  function startAdapter() {
    const events = window.ataAdapterEvents;
    events.on("adapter", (adapter) => {
      shown.adapter = adapter;
      renderPage(adapter);
      renderOnce(document.getElementById("line-settings"), adapter.lines, lineSettingItems);
      problem.hidden = true;
    });
    events.on("refused-logins", renderRefusedLogins);
    events.on("changed", async ({ parts }) => {
      try {
        await loadDetails(pageId, parts);
      } catch (error) {
        showProblem(t("problem.unreachable", { reason: error.message }));
      }
    });
    events.on("open", () => {
      problem.hidden = true;
    });
    events.on("problem", showProblem);
    events.on("removed", () => showProblem(t("problem.adapterRemoved", { id: pageId })));
    setInterval(() => {
      if (shown.adapter) renderPage(shown.adapter);
      if (shown.refused) renderRefusedLogins(shown.refused);
    }, clockMs);
    events.start();
  }

  async function start() {
    await window.ataText.ready;
    document.getElementById("overview").hidden = pageId !== null;
    document.getElementById("adapter-page").hidden = pageId === null;
    for (const button of document.querySelectorAll("[data-action]")) {
      button.addEventListener("click", () => act(button.dataset.action, button));
    }
    document.getElementById("sign-out").addEventListener("click", async () => {
      const response = await send("/logout");
      if (!response.ok) {
        problem.textContent = t("problem.signOut", { status: response.status });
        problem.hidden = false;
        return;
      }
      location.assign("/login");
    });
    try {
      const response = await fetch("/dashboard/leds.json", { cache: "no-store" });
      if (response.ok) {
        timing = await response.json();
        renderLedGuide();
      }
    } catch {
      // Keep the built-in timing; the adapters still show.
    }
    if (pageId) {
      startAdapter();
    } else {
      startFleet();
    }
  }

  start();
})();
