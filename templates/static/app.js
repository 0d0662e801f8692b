// Progressive enhancements: the pages work without this script.
// Timer, live word counts and draft autosave on the question page.
(function () {
  "use strict";
  var WORDS_PER_MINUTE = 140;

  function words(text) {
    var m = text.trim().match(/\S+/g);
    return m ? m.length : 0;
  }
  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }
  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  var form = document.getElementById("answer-form");
  if (!form) return;

  var fields = Array.prototype.slice.call(form.querySelectorAll("textarea[data-star-field]"));
  var secondsInput = document.getElementById("seconds_spent");
  var timer = document.getElementById("timer");
  var timerValue = document.getElementById("timer-value");
  var target = timer ? parseInt(timer.getAttribute("data-target"), 10) || 120 : 120;
  // Without this script the server times the answer from `started_at`.
  var startedAt = Date.now() - (timer ? parseInt(timer.getAttribute("data-start"), 10) || 0 : 0) * 1000;

  function elapsed() { return Math.floor((Date.now() - startedAt) / 1000); }
  function tick() {
    var s = elapsed();
    secondsInput.value = String(s);
    if (timerValue) timerValue.textContent = clock(s);
    if (timer) {
      timer.classList.toggle("near", s >= target * 0.8 && s < target);
      timer.classList.toggle("over", s >= target);
    }
  }
  tick();
  setInterval(tick, 1000);

  function recount() {
    var total = 0;
    fields.forEach(function (field) {
      var n = words(field.value);
      total += n;
      var label = form.querySelector('[data-count-for="' + field.name + '"]');
      if (label) label.textContent = n + (n === 1 ? " word" : " words");
    });
    document.getElementById("total-words").textContent = String(total);
    document.getElementById("speaking-time").textContent = clock(total / WORDS_PER_MINUTE * 60);
  }
  recount();

  var status = document.getElementById("save-status");
  var url = form.getAttribute("data-autosave");
  var pending = null;
  var lastSent = null;

  function payload() {
    var body = { seconds_spent: elapsed() };
    fields.forEach(function (field) { body[field.name] = field.value; });
    return body;
  }
  function save(keepalive) {
    pending = null;
    var body = payload();
    var text = JSON.stringify(fields.map(function (f) { return f.value; }));
    if (text === lastSent) return;
    if (status) status.textContent = "Saving…";
    fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      lastSent = text;
      if (status) status.textContent = "Draft saved " + new Date().toLocaleTimeString();
    }).catch(function () {
      if (status) status.textContent = "Draft not saved yet — will retry";
      schedule();
    });
  }
  function schedule() {
    if (pending) clearTimeout(pending);
    pending = setTimeout(save, 800);
  }

  fields.forEach(function (field) {
    field.addEventListener("input", function () { recount(); schedule(); });
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && pending) save(true);
  });
  form.addEventListener("submit", function () {
    if (pending) clearTimeout(pending);
    pending = null;
    secondsInput.value = String(elapsed());
  });
})();
