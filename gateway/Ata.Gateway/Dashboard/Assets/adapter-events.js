// The adapter page's one event stream (/api/adapters/{id}/events), shared by its scripts: each says
// ataAdapterEvents.on("adapter" | "commands" | "refused-logins" | "onboarding" | "changed" | "removed", handler)
// and gets the event's data when the gateway pushes it; nothing is polled. "problem" is told (with the
// words to show) when the stream cannot be opened, "open" when it is open again. Signed out: to /login.
// Loaded after dashboard-text.js and before the scripts that listen.
"use strict";

(() => {
  const match = /^\/adapters\/([A-Za-z0-9._-]{1,64})$/.exec(location.pathname);
  const handlers = new Map();

  function on(name, handler) {
    if (!handlers.has(name)) handlers.set(name, []);
    handlers.get(name).push(handler);
  }

  function tell(name, data) {
    for (const handler of handlers.get(name) || []) handler(data);
  }

  const path = match ? `/api/adapters/${encodeURIComponent(match[1])}` : null;
  let stream = null;
  let retry = 0;

  // Opens the stream, once, when the page's scripts have said what they listen to (dashboard.js, having
  // its words, starts it; the other scripts listen from when they run).
  function start() {
    if (path && stream === null) open();
  }

  window.ataAdapterEvents = { on, start };

  function open() {
    const opened = new EventSource(`${path}/events`);
    stream = opened;
    for (const name of ["adapter", "commands", "refused-logins", "onboarding", "changed"]) {
      opened.addEventListener(name, (event) => tell(name, JSON.parse(event.data)));
    }
    opened.addEventListener("open", () => {
      retry = 0;
      tell("open");
    });
    opened.addEventListener("removed", () => {
      opened.close();
      tell("removed");
    });
    opened.addEventListener("error", async () => {
      if (opened.readyState !== EventSource.CLOSED || stream !== opened) {
        return;
      }
      // Refused (signed out, or no such adapter) or unreachable: say which, and try again.
      const { t } = window.ataText;
      try {
        const response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" } });
        if (response.status === 401) {
          location.assign("/login");
          return;
        }
        if (response.status === 404) {
          tell("removed");
          return;
        }
        tell("problem", t("problem.unreachable", { reason: t("error.answered", { status: response.status }) }));
      } catch (error) {
        tell("problem", t("problem.unreachable", { reason: error.message }));
      }
      retry = Math.min(retry + 1, 5);
      setTimeout(() => stream === opened && open(), 1000 * retry);
    });
  }

})();
