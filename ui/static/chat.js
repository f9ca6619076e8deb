/* The chat page's helpers: the page fits the visible screen, each new question scrolls to the top
   of the conversation, [n] markers open their source, Copy, rating thanks, friendly rate-limit
   notices, the widget's accent, focus and keys. */
(function () {
  "use strict";
  var embedded = /^\/embed(\/|$)/.test(location.pathname);
  var root = document.documentElement;
  root.classList.add(embedded ? "itp-embedded" : "itp-page");
  var BOX = "#itp-question textarea";
  var GAP = 8; // px above the newest question when it is brought to the top

  var accent = embedded && new URLSearchParams(location.search).get("accent");
  if (accent && window.CSS && CSS.supports("color", accent)) {
    var style = document.createElement("style");
    var vars = ["--itp-accent", "--button-primary-background-fill", "--button-primary-background-fill-hover",
      "--button-primary-border-color", "--color-accent", "--input-border-color-focus", "--link-text-color"];
    style.textContent = ":root, body, .gradio-container, .gradio-container.gradio-container {" +
      vars.map(function (v) { return v + ": " + accent + " !important;"; }).join("") + "}";
    document.head.appendChild(style);
  }

  // --- The page is as tall as the visible screen: with the on-screen keyboard up, that is the
  // part above the keyboard (visualViewport), so the ask row stays just above it.
  var vv = window.visualViewport;
  function fitViewport() {
    if (vv && vv.scale > 1.01) return; // pinch-zoomed: leave the layout alone
    var height = vv ? vv.height : window.innerHeight;
    root.style.setProperty("--itp-vh", Math.round(height) + "px");
    root.classList.toggle("itp-keyboard", !!vv && window.innerHeight - height > 150);
    if (window.scrollY) window.scrollTo(0, 0);
  }
  fitViewport();
  (vv || window).addEventListener("resize", fitViewport);
  if (vv) vv.addEventListener("scroll", fitViewport);

  // --- The conversation ---------------------------------------------------------------------
  function scroller() { return document.querySelector("#itp-chat .bubble-wrap, #itp-chat .panel-wrap"); }
  function topIn(box, el) { return el.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop; }
  function lastQuestionRow() {
    var all = document.querySelectorAll("#itp-chat .itp-user");
    var q = all[all.length - 1];
    return q ? q.closest(".message-row") || q : null;
  }

  // Our own end of the conversation: notices, then a spacer that leaves room below the newest
  // question so it can sit at the top of the view however short its reply is so far.
  function tailOf(box) {
    var tail = box.querySelector(":scope > .itp-after");
    if (!tail || tail !== box.lastElementChild) {
      tail = tail || document.createElement("div");
      tail.className = "itp-after";
      if (!tail.querySelector(".itp-notices")) {
        tail.innerHTML = '<div class="itp-notices"></div><div class="itp-spacer" aria-hidden="true"></div>';
      }
      box.appendChild(tail);
    }
    return tail;
  }
  function fitSpacer(box) {
    var spacer = tailOf(box).querySelector(".itp-spacer");
    var row = lastQuestionRow();
    spacer.style.height = "0px";
    if (!row) return;
    var below = box.scrollHeight - topIn(box, row);
    spacer.style.height = Math.max(0, box.clientHeight - GAP - below) + "px";
  }

  var shown = { count: -1, text: "", streaming: false };
  function update() {
    var box = scroller();
    if (!box) return;
    fitSpacer(box);
    var questions = document.querySelectorAll("#itp-chat .itp-user");
    var last = questions[questions.length - 1];
    var state = { count: questions.length, text: last ? last.textContent : "",
                  streaming: !!document.querySelector("#itp-chat .itp-streaming") };
    var asked = state.count !== shown.count || state.text !== shown.text || (state.streaming && !shown.streaming);
    shown = state;
    if (asked) clearNotices(); // a new question, a retry, an undo or "Start over"
    if (asked && last) {
      // A new question (or a retry): to the top of the view, at once, so its reply, an urgent
      // callout first of all, grows in view below it.
      box.scrollTop = topIn(box, lastQuestionRow()) - GAP;
    }
    // Gradio decides on its ↓ button when the conversation scrolls.
    box.dispatchEvent(new Event("scroll"));
  }
  // A source opened or closed changes how much is below: Gradio's ↓ button should know.
  document.addEventListener("toggle", function (e) {
    if (e.target instanceof Element && e.target.closest("#itp-chat")) update();
  }, true);
  var sized = null;
  function watchSize() {
    var box = scroller();
    if (!box || box === sized || !window.ResizeObserver) return;
    sized = box;
    new ResizeObserver(function () { fitSpacer(box); }).observe(box);
  }

  // --- Notices in the conversation (the rate limit, a question that did not go through) ------
  function clearNotices() {
    document.querySelectorAll("#itp-chat .itp-notices").forEach(function (n) { n.textContent = ""; });
  }
  var noticeTimer = null, noticeAt = 0;
  function notice(text, later) {
    var box = scroller();
    if (!box) return;
    var list = tailOf(box).querySelector(".itp-notices");
    list.innerHTML = "";
    var el = document.createElement("div");
    el.className = "itp-notice";
    el.setAttribute("role", "status");
    var p = document.createElement("p");
    p.textContent = text;
    el.appendChild(p);
    list.appendChild(el);
    noticeAt = Date.now();
    clearTimeout(noticeTimer);
    if (later) {
      noticeTimer = setTimeout(function () { if (el.isConnected) p.textContent = later.text; }, later.ms);
    }
    fitSpacer(box);
    var bottom = topIn(box, el) + el.offsetHeight + GAP;
    if (bottom > box.scrollTop + box.clientHeight) box.scrollTop = bottom - box.clientHeight;
  }
  function seconds(response) {
    var n = parseInt(response.headers.get("Retry-After") || "", 10);
    return n > 0 ? n : 60;
  }

  // Gradio reports a refused request as an "Error" over the chat and a toast; the person needs
  // to know why and when to try again, with the conversation and the typed question kept.
  var ratedAt = 0, rating = null;
  var realFetch = window.fetch;
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || String(input);
    var answer = realFetch.apply(window, arguments);
    var asking = /\/gradio_api\/queue\/join/.test(url), other = /\/gradio_api\/run\//.test(url);
    if (!asking && !other) return answer;
    return answer.then(function (response) {
      if (response.ok && other && Date.now() - ratedAt < 5000) {
        // Stored? A rating the server could not keep comes back with the thumb cleared.
        setTimeout(function () {
          if (rating && rating.chosen && !chosenIn(rating.bar)) ratingFailed("Your rating was not saved. Please try again later.");
        }, 150);
      }
      if (response.ok) return response;
      var wait = response.status === 429 ? seconds(response) : 0;
      if (other && Date.now() - ratedAt < 5000) {
        ratingFailed(wait ? "Your rating was not saved: please wait " + wait + " seconds and try again."
                          : "Your rating was not saved. Please try again.");
      } else if (asking && wait) {
        notice("You've asked a lot of questions in a minute; please wait " + wait + " seconds, then ask again. " +
               "Your question is still in the box.",
               { ms: wait * 1000, text: "You can ask again now: your question is still in the box." });
      } else if (asking) {
        notice("Sorry, your question did not go through. Please try again in a moment: it is still in the box.");
      }
      return response;
    });
  };
  // Any other failure Gradio would show as a toast (hidden by chat.css) gets a plain notice.
  function onToast(node) {
    if (!node.matches || !node.matches(".toast-body.error, .toast-body.error *")) return;
    if (Date.now() - noticeAt > 3000) {
      notice("Sorry, something went wrong and your question was not answered. Please try again.");
    }
  }

  // --- Clicks: [n] markers, Copy, the thumbs --------------------------------------------------
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

  var THANKS = "Thanks — this helps us improve the answers.";
  function chosenIn(bar) { return bar.querySelector("button[aria-label='Liked'], button[aria-label='Disliked']"); }
  function thank(button) {
    var bar = button.closest(".message-buttons");
    if (!bar) return;
    setTimeout(function () { // after Gradio has marked the choice (aria-label "Liked"/"Disliked")
      var note = bar.querySelector(".itp-thanks");
      if (!note) {
        note = document.createElement("span");
        note.className = "itp-thanks";
        note.setAttribute("role", "status");
        bar.appendChild(note);
      }
      var chosen = !!chosenIn(bar);
      note.classList.remove("itp-thanks-failed");
      note.textContent = chosen ? THANKS : "Rating removed.";
      note.scrollIntoView({ block: "nearest" });
      rating = { note: note, bar: bar, chosen: chosen };
    }, 0);
  }
  function ratingFailed(text) {
    if (!rating || !rating.note.isConnected) return;
    rating.note.classList.add("itp-thanks-failed");
    rating.note.textContent = text;
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
      return;
    }
    var thumb = el && el.closest("#itp-chat .message-buttons button");
    if (thumb && /^(Like|Dislike|Liked|Disliked)$/.test(thumb.getAttribute("aria-label") || "")) {
      ratedAt = Date.now();
      thank(thumb);
    }
  }, true);

  // On a phone, sending closes the keyboard so the reply has the screen.
  function sent() {
    if (matchMedia("(pointer: coarse)").matches) {
      setTimeout(function () { var box = document.querySelector(BOX); if (box) box.blur(); }, 0);
    }
  }
  document.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && e.target instanceof Element && e.target.matches(BOX)) sent();
  });
  document.addEventListener("click", function (e) {
    if (e.target instanceof Element && e.target.closest("#itp-send")) sent();
  });

  // Gradio labels each message with its raw content (our HTML); a screen reader should read the
  // message itself, so those labels go.
  function unlabel(node) {
    if (node.nodeType !== 1) return;
    var label = node.getAttribute("aria-label") || "";
    if (/^(user|bot|assistant)'s message: /.test(label)) node.removeAttribute("aria-label");
  }
  new MutationObserver(function (records) {
    var changed = false;
    records.forEach(function (r) {
      if (r.type === "attributes") return unlabel(r.target);
      var at = r.target.nodeType === 1 ? r.target : r.target.parentElement;
      if (at && at.closest(".itp-after")) return; // our own notices and spacer
      changed = true;
      r.addedNodes.forEach(function (n) {
        if (n.nodeType !== 1) return;
        unlabel(n);
        n.querySelectorAll("[aria-label]").forEach(unlabel);
        onToast(n);
      });
    });
    if (changed) { watchSize(); update(); }
  }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true,
                     attributeFilter: ["aria-label"] });

  // --- Focus --------------------------------------------------------------------------------
  function focusBox(tries) {
    // Until Gradio has shown the app, its box exists but cannot take focus: try until it has it.
    var box = document.querySelector(BOX);
    if (box) box.focus({ preventScroll: true });
    if ((!box || document.activeElement !== box) && tries > 0) {
      setTimeout(function () { focusBox(tries - 1); }, 100);
    }
  }
  // The question box on a desktop page; on a phone it would pop the keyboard over the page.
  if (!embedded && matchMedia("(min-width: 768px) and (pointer: fine)").matches) focusBox(100);

  if (embedded && window.parent !== window) {
    window.addEventListener("message", function (e) {
      // The widget opened: focus the box, once Gradio has drawn it (on the first open it has not yet).
      if (e.source === window.parent && e.data && e.data.type === "itpqa:focus") focusBox(150);
    });
    // Gradio runs this script only once it has drawn the page, which is after the frame's load
    // event: say so, and the widget sends its focus request again if it is open.
    window.parent.postMessage({ type: "itpqa:ready" }, "*");
    document.addEventListener("keydown", function (e) {
      // Keys typed in the chat stay in this frame: tell the widget to close.
      if (e.key === "Escape") window.parent.postMessage({ type: "itpqa:close" }, "*");
    });
  }
})();
