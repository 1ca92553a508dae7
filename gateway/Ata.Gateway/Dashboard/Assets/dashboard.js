// The fleet dashboard: polls the adapters API every second and keeps one card per adapter.
// Device-reported text is only ever set as textContent, never as markup.
"use strict";

(() => {
  const source = document.getElementById("adapters").dataset.source;
  const list = document.getElementById("adapters");
  const template = document.getElementById("adapter-card");
  const summary = document.getElementById("summary");
  const problem = document.getElementById("problem");
  const empty = document.getElementById("empty");
  const cards = new Map();
  const codeAnimations = new Set();
  const pollMs = 1000;
  // Replaced by the core's LED table (/dashboard/leds.json) once loaded.
  let timing = { slowPeriodMs: 1000, fastPeriodMs: 200, codeBlinkMs: 400, codePauseMs: 1600 };

  const ledNames = { pwr: "PWR", wan: "WAN", tel1: "TEL1", tel2: "TEL2" };

  function describePattern(pattern) {
    switch (pattern) {
      case "off": return "off";
      case "solid": return "on";
      case "slow-blink": return "slow blink";
      case "fast-blink": return "fast blink";
      default: {
        const count = codeCount(pattern);
        return count ? `blink code ${count} (registration fault)` : "unknown";
      }
    }
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
    const label = `${ledNames[led.dataset.led]}: ${describePattern(pattern)}`;
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
      return "never";
    }
    const seconds = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (seconds < 60) return `${seconds} s ago`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h ago`;
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
      const cells = [String(line.line), `${line.username} @ ${line.registrar}`, line.registration, line.sipCode ? String(line.sipCode) : "—"];
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
      none.textContent = "None";
      return [none];
    }
    return faults.map((fault) => {
      const item = document.createElement("li");
      const what = document.createElement("span");
      what.className = "fault-what";
      what.textContent = fault.description;
      const context = [];
      if (fault.line) context.push(`line ${fault.line}`);
      if (fault.sipCode) context.push(`SIP ${fault.sipCode}`);
      context.push(`since ${new Date(fault.since).toLocaleString()}`);
      const details = document.createElement("span");
      details.className = "fault-context";
      details.textContent = ` (${context.join(", ")})${fault.detail ? `: ${fault.detail}` : ""}`;
      item.append(what, details);
      return item;
    });
  }

  function configText(adapter) {
    let text = `v${adapter.configVersion}`;
    if (adapter.appliedConfigVersion === adapter.configVersion) {
      text += " applied";
    } else if (adapter.appliedConfigVersion !== null) {
      text += ` (runs v${adapter.appliedConfigVersion})`;
    } else {
      text += " (not applied yet)";
    }
    return text;
  }

  function card(adapter) {
    let element = cards.get(adapter.deviceId);
    if (!element) {
      element = template.content.firstElementChild.cloneNode(true);
      element.querySelector(".device-id").textContent = adapter.deviceId;
      element.setAttribute("aria-label", `Adapter ${adapter.deviceId}`);
      cards.set(adapter.deviceId, element);
    }
    return element;
  }

  function update(element, adapter) {
    element.classList.toggle("offline", !adapter.online);
    const presence = element.querySelector(".presence");
    presence.classList.toggle("online", adapter.online);
    setText(presence, adapter.online ? "online" : adapter.lastSeen === null ? "never connected" : "offline");
    element.querySelector(".stale").hidden = adapter.online || adapter.lastHealthAt === null;
    for (const led of element.querySelectorAll(".led")) {
      setLed(led, adapter.leds[led.dataset.led] || "off");
    }
    renderOnce(element.querySelector(".lines tbody"), adapter.lines, lineRows);
    renderOnce(element.querySelector(".faults"), adapter.faults, faultItems);
    const config = element.querySelector(".config");
    setText(config, configText(adapter) + (adapter.configRefusedReason ? ` — refused: ${adapter.configRefusedReason}` : ""));
    config.classList.toggle("refused", adapter.configRefusedReason !== null);
    setText(element.querySelector(".firmware"), adapter.firmware || "—");
    setText(element.querySelector(".last-seen"), ago(adapter.lastSeen));
  }

  function render(adapters) {
    const seen = new Set();
    adapters.forEach((adapter, index) => {
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
    const online = adapters.filter((a) => a.online).length;
    const faulty = adapters.filter((a) => a.faults.length > 0).length;
    setText(summary, `${adapters.length} adapter${adapters.length === 1 ? "" : "s"}, ${online} online, ${faulty} with faults · updated ${new Date().toLocaleTimeString()}`);
    empty.hidden = adapters.length > 0;
  }

  async function poll() {
    try {
      const response = await fetch(source, { cache: "no-store", headers: { Accept: "application/json" } });
      if (!response.ok) {
        throw new Error(`the gateway answered ${response.status}`);
      }
      render(await response.json());
      problem.hidden = true;
    } catch (error) {
      problem.textContent = `Cannot reach the gateway (${error.message}); retrying every second.`;
      problem.hidden = false;
    } finally {
      setTimeout(poll, pollMs);
    }
  }

  async function start() {
    try {
      const response = await fetch("/dashboard/leds.json", { cache: "no-store" });
      if (response.ok) {
        timing = await response.json();
      }
    } catch {
      // Keep the built-in timing; the adapters still show.
    }
    poll();
  }

  start();
})();
