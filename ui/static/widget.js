/*
 * ITP questions: a chat button for any web page, from one tag.
 *
 *   <script src="https://YOUR-SERVER/widget.js" data-title="Questions about ITP" async></script>
 *
 * Options (all optional), as data-* attributes on that tag:
 *   data-title     the panel's title and the button's name       (default "Questions about ITP")
 *   data-label     the button's text                             (default: the title)
 *   data-position  "right" or "left" (bottom corner)             (default "right")
 *   data-accent    a CSS colour for the button and the chat       (default "#0f766e")
 *   data-greeting  the first line shown in the chat               (default: a general welcome)
 *   data-open      "true" opens the chat when the page loads
 *
 * The page's site must be listed in the server's ITPQA_EMBED_ORIGINS; elsewhere no button is shown.
 * window.ITPQAWidget.open() / .close() / .toggle() control it from the page's own scripts.
 */
(function () {
  "use strict";
  if (window.ITPQAWidget) return; // one widget per page, however often the tag is pasted

  var script = document.currentScript;
  if (!script) {
    var tags = document.querySelectorAll("script[src*='widget.js']");
    script = tags[tags.length - 1];
  }
  if (!script) return;
  var src = new URL(script.src, location.href);
  var base = src.href.replace(/\/widget\.js(?:[?#].*)?$/, "");
  var data = script.dataset;

  function colour(value, fallback) {
    return value && window.CSS && CSS.supports("color", value) ? value : fallback;
  }
  function textOn(bg) {
    // White text when it reads well on the accent (WCAG contrast 4.5), else near-black.
    var probe = document.createElement("span");
    probe.style.color = bg;
    document.body.appendChild(probe);
    var rgb = (getComputedStyle(probe).color.match(/[\d.]+/g) || [0, 0, 0]).slice(0, 3).map(Number);
    probe.remove();
    var lum = rgb.map(function (c) {
      c /= 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var L = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
    return 1.05 / (L + 0.05) >= 4.5 ? "#ffffff" : "#111827";
  }

  var opts = {
    title: (data.title || "Questions about ITP").slice(0, 80),
    label: (data.label || data.title || "Questions about ITP").slice(0, 40),
    side: /left/.test(data.position || "") ? "left" : "right",
    accent: colour(data.accent, "#0f766e"),
    greeting: (data.greeting || "").slice(0, 300),
    open: data.open === "" || data.open === "true",
  };

  var CSS_TEXT = [
    ":host { all: initial; }",
    ".launcher { position: fixed; bottom: 20px; __SIDE__: 20px; z-index: 2147483000; display: flex; align-items: center; gap: 8px;",
    "  border: 0; border-radius: 999px; padding: 12px 18px 12px 14px; cursor: pointer; background: __ACCENT__; color: __ON__;",
    "  font: 600 16px/1.2 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif;",
    "  box-shadow: 0 6px 20px rgba(15, 23, 42, .22); }",
    ".launcher:hover { filter: brightness(.95); }",
    ".launcher[hidden] { display: none; }",
    ".launcher:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 3px; }",
    // On the accent-coloured bar, the ring takes the bar's text colour (chosen to contrast with it).
    ".close:focus-visible { outline: 3px solid currentColor; outline-offset: 1px; }",
    ".launcher svg { width: 22px; height: 22px; flex: none; }",
    ".panel { position: fixed; bottom: 20px; __SIDE__: 20px; z-index: 2147483001; width: 390px; height: min(680px, calc(100vh - 40px));",
    "  display: flex; flex-direction: column; background: #fff; border-radius: 16px; overflow: hidden;",
    "  box-shadow: 0 12px 40px rgba(15, 23, 42, .28); font: 16px/1.4 system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif; }",
    ".panel[hidden] { display: none; }",
    ".bar { display: flex; align-items: center; justify-content: space-between; gap: 8px; padding: 10px 10px 10px 16px;",
    "  background: __ACCENT__; color: __ON__; }",
    ".bar h2 { margin: 0; font-size: 16px; font-weight: 650; }",
    ".close { border: 0; background: transparent; color: inherit; width: 44px; height: 44px; border-radius: 10px; cursor: pointer;",
    "  display: grid; place-items: center; }",
    ".close:hover { background: rgba(255, 255, 255, .18); }",
    ".close svg { width: 20px; height: 20px; }",
    "iframe { flex: 1; width: 100%; border: 0; background: #f8fafc; }",
    "@media (max-width: 480px) { .panel { inset: 0; width: 100%; height: 100%; border-radius: 0; } }",
    "@media (max-width: 360px) { .launcher .text { display: none; } .launcher { padding: 14px; } }",
  ].join("\n").replace(/__SIDE__/g, opts.side).replace(/__ACCENT__/g, opts.accent).replace(/__ON__/g, textOn(opts.accent));

  var CHAT_ICON = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M21 12a8 8 0 0 1-11.6 7.1L4 20l1-4.6A8 8 0 1 1 21 12z"/></svg>';
  var CLOSE_ICON = '<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2.2" stroke-linecap="round" aria-hidden="true"><path d="M6 6l12 12M18 6L6 18"/></svg>';

  var root, launcher, panel, frame, loaded = false;

  function embedUrl() {
    var q = new URLSearchParams();
    if (opts.greeting) q.set("greeting", opts.greeting);
    q.set("accent", opts.accent);
    return base + "/embed/?" + q.toString();
  }

  function isOpen() { return panel && !panel.hidden; }

  function open() {
    if (!panel) return;
    if (!frame.src) frame.src = embedUrl(); // the chat loads on first open only
    panel.hidden = false;
    launcher.hidden = true;
    launcher.setAttribute("aria-expanded", "true");
    frame.focus();
    if (loaded) frame.contentWindow.postMessage({ type: "itpqa:focus" }, new URL(base).origin);
  }

  function ready() {
    loaded = true;
    if (isOpen()) frame.contentWindow.postMessage({ type: "itpqa:focus" }, new URL(base).origin);
  }

  function close() {
    if (!panel) return;
    panel.hidden = true;
    launcher.hidden = false;
    launcher.setAttribute("aria-expanded", "false");
    launcher.focus();
  }

  function mount() {
    var host = document.createElement("div");
    host.id = "itpqa-widget";
    root = host.attachShadow({ mode: "open" });
    var style = document.createElement("style");
    style.textContent = CSS_TEXT;

    launcher = document.createElement("button");
    launcher.type = "button";
    launcher.className = "launcher";
    launcher.setAttribute("aria-expanded", "false");
    launcher.setAttribute("aria-controls", "itpqa-panel");
    launcher.innerHTML = CHAT_ICON + '<span class="text"></span>';
    launcher.querySelector(".text").textContent = opts.label;
    launcher.setAttribute("aria-label", "Open chat: " + opts.title);

    panel = document.createElement("div");
    panel.className = "panel";
    panel.id = "itpqa-panel";
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-label", opts.title);
    var bar = document.createElement("div");
    bar.className = "bar";
    var h = document.createElement("h2");
    h.textContent = opts.title;
    var x = document.createElement("button");
    x.type = "button";
    x.className = "close";
    x.setAttribute("aria-label", "Close chat");
    x.innerHTML = CLOSE_ICON;
    bar.append(h, x);
    frame = document.createElement("iframe");
    frame.title = opts.title;
    frame.setAttribute("allow", "clipboard-write");
    frame.setAttribute("referrerpolicy", "no-referrer");
    panel.append(bar, frame);

    root.append(style, launcher, panel);
    document.body.appendChild(host);

    launcher.addEventListener("click", open);
    x.addEventListener("click", close);
    panel.addEventListener("keydown", function (e) { if (e.key === "Escape") close(); });
    window.addEventListener("message", function (e) {
      if (e.source !== frame.contentWindow || e.origin !== new URL(base).origin || !e.data) return;
      // Escape pressed inside the chat: it tells us, as keys inside an iframe stay there.
      if (e.data.type === "itpqa:close") close();
      // The chat is ready for its focus request (on the first open, "load" comes too early).
      if (e.data.type === "itpqa:ready") ready();
    });
    frame.addEventListener("load", ready);
    if (opts.open) open();
  }

  function refuse() {
    console.warn("ITP questions widget: " + location.origin + " may not embed " + base +
      " (the server's ITPQA_EMBED_ORIGINS does not list it), so no chat button is shown.");
  }

  window.ITPQAWidget = {
    open: open, close: close,
    toggle: function () { return isOpen() ? close() : open(); },
  };

  function start() {
    // Ask the server first: it answers only to sites it lets embed the chat.
    fetch(base + "/widget/check", { mode: "cors", credentials: "omit" })
      .then(function (r) { return r.ok ? mount() : refuse(); })
      .catch(refuse);
  }
  if (document.body) start(); else document.addEventListener("DOMContentLoaded", start);
})();
