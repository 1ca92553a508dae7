// The dashboard's words in its reader's language, from GET /api/strings (the gateway's resources: the
// person's chosen language, else the browser's, else English). Loaded before the other scripts, which
// wait for ataText.ready. t("key", { name: value }) fills {name} placeholders; tn() picks the key's
// ".one" or ".other" form by count; tOr() gives a code's words when there are some (else the code).
// Elements marked data-i18n (text), data-i18n-placeholder and data-i18n-title take their words when
// the strings arrive; data-i18n-args holds their placeholders' values as JSON.
"use strict";

(() => {
  let strings = {};
  let language = "en";
  let plurals = new Intl.PluralRules("en");

  function format(text, args) {
    return args ? text.replace(/\{(\w+)\}/g, (whole, name) => (name in args ? String(args[name]) : whole)) : text;
  }

  function t(key, args) {
    return format(Object.hasOwn(strings, key) ? strings[key] : key, args);
  }

  function tOr(key, fallback, args) {
    return Object.hasOwn(strings, key) ? t(key, args) : fallback;
  }

  function tn(key, count, args) {
    return t(`${key}.${plurals.select(count) === "one" ? "one" : "other"}`, { count, ...args });
  }

  function argsOf(element) {
    return element.dataset.i18nArgs ? JSON.parse(element.dataset.i18nArgs) : undefined;
  }

  function apply(root) {
    for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n, argsOf(element));
    for (const element of root.querySelectorAll("[data-i18n-placeholder]")) element.placeholder = t(element.dataset.i18nPlaceholder);
    for (const element of root.querySelectorAll("[data-i18n-title]")) element.title = t(element.dataset.i18nTitle);
    for (const template of root.querySelectorAll("template")) apply(template.content);
  }

  // Without the strings (a gateway that cannot be reached), the pages keep the English they were written in.
  const ready = fetch("/api/strings", { cache: "no-store", headers: { Accept: "application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((body) => {
      if (body) {
        strings = body.strings;
        language = body.language;
        plurals = new Intl.PluralRules(language);
        document.documentElement.lang = language;
        apply(document);
      }
    })
    .catch(() => {});

  window.ataText = { t, tOr, tn, apply, ready, get language() { return language; } };
})();
