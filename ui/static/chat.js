/* The chat page's small helpers: [n] markers open their source, Copy, the widget's accent and keys. */
(function () {
  "use strict";
  var embedded = /^\/embed(\/|$)/.test(location.pathname);
  document.documentElement.classList.add(embedded ? "itp-embedded" : "itp-page");

  var accent = embedded && new URLSearchParams(location.search).get("accent");
  if (accent && window.CSS && CSS.supports("color", accent)) {
    var style = document.createElement("style");
    var vars = ["--itp-accent", "--button-primary-background-fill", "--button-primary-background-fill-hover",
      "--button-primary-border-color", "--color-accent", "--input-border-color-focus", "--link-text-color"];
    style.textContent = ":root, body, .gradio-container, .gradio-container.gradio-container {" +
      vars.map(function (v) { return v + ": " + accent + " !important;"; }).join("") + "}";
    document.head.appendChild(style);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    try { document.execCommand("copy"); } finally { area.remove(); }
    return Promise.resolve();
  }

  document.addEventListener("click", function (e) {
    var el = e.target instanceof Element ? e.target : null;
    var cite = el && el.closest("a.itp-cite");
    if (cite) {
      e.preventDefault();
      var target = document.getElementById((cite.getAttribute("href") || "").slice(1));
      if (target) {
        target.open = true;
        target.scrollIntoView({ block: "nearest", behavior: "smooth" });
        var summary = target.querySelector("summary");
        if (summary) summary.focus({ preventScroll: true });
      }
      return;
    }
    var copy = el && el.closest(".itp-copy");
    if (copy) {
      var reply = copy.closest(".itp-reply");
      var plain = reply && reply.querySelector(".itp-plain");
      if (!plain) return;
      copyText(plain.textContent).then(function () {
        copy.textContent = "Copied";
        setTimeout(function () { copy.textContent = "Copy"; }, 2000);
      });
    }
  });

  // Gradio labels each message with its raw content (our HTML); a screen reader should read the
  // message itself, so those labels go.
  function unlabel(node) {
    if (node.nodeType !== 1) return;
    var label = node.getAttribute("aria-label") || "";
    if (/^(user|bot|assistant)'s message: /.test(label)) node.removeAttribute("aria-label");
  }
  // A new question scrolls to the top of the conversation view, so its reply is read from the start.
  var lastQuestion = null;
  function showNewQuestion() {
    var all = document.querySelectorAll(".itp-user");
    var q = all[all.length - 1] || null;
    if (q && q !== lastQuestion) {
      lastQuestion = q;
      var row = q.closest(".message-row") || q;
      var box = row.parentElement;
      while (box && !/(auto|scroll)/.test(getComputedStyle(box).overflowY)) box = box.parentElement;
      if (!box) return;
      var top = box.scrollTop + row.getBoundingClientRect().top - box.getBoundingClientRect().top - 8;
      box.scrollTo({ top: top, behavior: "smooth" });
    }
  }
  new MutationObserver(function (records) {
    var added = false;
    records.forEach(function (r) {
      if (r.type === "attributes") return unlabel(r.target);
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) return;
        added = true;
        unlabel(n);
        n.querySelectorAll("[aria-label]").forEach(unlabel);
      });
    });
    if (added) showNewQuestion();
  }).observe(document.documentElement, { subtree: true, childList: true, attributes: true, attributeFilter: ["aria-label"] });

  // Focus the question box on a desktop page; on a phone it would pop the keyboard over the page.
  if (!embedded && matchMedia("(min-width: 768px) and (pointer: fine)").matches) {
    var tries = 0, wait = setInterval(function () {
      var box = document.querySelector("#itp-question textarea");
      if (box || ++tries > 50) { clearInterval(wait); if (box) box.focus({ preventScroll: true }); }
    }, 100);
  }

  if (embedded && window.parent !== window) {
    window.addEventListener("message", function (e) {
      if (e.source === window.parent && e.data && e.data.type === "itpqa:focus") {
        var box = document.querySelector("#itp-question textarea");
        if (box) box.focus();
      }
    });
    document.addEventListener("keydown", function (e) {
      // Keys typed in the chat stay in this frame: tell the widget to close.
      if (e.key === "Escape") window.parent.postMessage({ type: "itpqa:close" }, "*");
    });
  }
})();
