// Progressive enhancements: the pages work without this script.

// Registration: the account starts in the browser's time zone (without this
// script it starts in UTC, and Settings says so).
(function () {
  "use strict";
  var input = document.querySelector("input[data-detect-time-zone]");
  if (!input) return;
  try {
    input.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  } catch (e) {
    input.value = "";
  }
})();

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
  var status = document.getElementById("save-status");
  var url = form.getAttribute("data-autosave");

  // A copy of the answer in this browser's storage, written at every
  // keystroke, so that what was typed survives a reload, a closed tab or a
  // lost connection even when the save sent on leaving arrives after the
  // next page was served. Times are on the server's clock (the page says
  // what time it was there), so the copy and the saved draft compare:
  //   edited  when the copy was last typed into (only while `dirty`, i.e.
  //           not yet confirmed saved on the server);
  //   seconds the question's timer, and `ticked` when it last counted.
  var key = form.getAttribute("data-draft-key");
  var clockOffset = (parseInt(form.getAttribute("data-server-now"), 10) || Date.now()) - Date.now();
  var lastSent = parseInt(form.getAttribute("data-last-sent"), 10) || 0;
  var revisionAttr = form.getAttribute("data-draft-revision");
  // The save of a draft is stamped when it reaches the server, a moment
  // after the keystrokes it carries: a copy edited this little before the
  // saved draft's revision is still counted as the newer one.
  var SAVE_DELAY_MS = 3000;
  function serverNow() { return Date.now() + clockOffset; }
  function store() {
    try { return key ? window.localStorage : null; } catch (e) { return null; }
  }
  function readCopy() {
    var s = store();
    if (!s) return null;
    try { return JSON.parse(s.getItem(key) || "null"); } catch (e) { return null; }
  }
  function writeCopy(copy) {
    var s = store();
    if (!s) return;
    try { s.setItem(key, JSON.stringify(copy)); } catch (e) { /* full or denied: the server copy remains */ }
  }
  function currentFields() {
    var out = {};
    fields.forEach(function (field) { out[field.name] = field.value; });
    return out;
  }

  var copy = readCopy();
  // A copy from before the last attempt was sent belongs to that answer.
  if (copy && Math.max(copy.edited || 0, copy.ticked || 0) <= lastSent) {
    try { store().removeItem(key); } catch (e) { /* ignore */ }
    copy = null;
  }
  var restored = false;
  if (copy && copy.dirty && copy.fields) {
    var revision = revisionAttr === null ? null : parseInt(revisionAttr, 10) || 0;
    // Put back the typed copy when the page shows the saved draft (not a
    // story or a refused form) and no later save reached the server.
    if (revision !== null && copy.edited + SAVE_DELAY_MS > revision) {
      fields.forEach(function (field) {
        if (typeof copy.fields[field.name] === "string" && copy.fields[field.name] !== field.value) {
          field.value = copy.fields[field.name];
          restored = true;
        }
      });
    } else {
      copy.dirty = false;
      delete copy.fields;
      writeCopy(copy);
    }
  }
  copy = copy || { dirty: false };

  // The timer goes on from where it was, on this page or in the saved draft.
  var startSeconds = timer ? parseInt(timer.getAttribute("data-start"), 10) || 0 : 0;
  if (copy.seconds > startSeconds) startSeconds = copy.seconds;
  var startedAt = Date.now() - startSeconds * 1000;
  var submitting = false;

  function elapsed() { return Math.floor((Date.now() - startedAt) / 1000); }
  function tick() {
    var s = elapsed();
    secondsInput.value = String(s);
    if (timerValue) timerValue.textContent = clock(s);
    if (timer) {
      timer.classList.toggle("near", s >= target * 0.8 && s < target);
      timer.classList.toggle("over", s >= target);
    }
    if (key && !submitting) {
      copy.seconds = s;
      copy.ticked = serverNow();
      writeCopy(copy);
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

  var pending = null;
  // The text the server last confirmed saving.
  var confirmed = restored ? null : JSON.stringify(fields.map(function (f) { return f.value; }));

  function payload() {
    var body = currentFields();
    body.seconds_spent = elapsed();
    return body;
  }
  function save(keepalive) {
    if (pending) clearTimeout(pending);
    pending = null;
    var body = payload();
    var text = JSON.stringify(fields.map(function (f) { return f.value; }));
    if (text === confirmed) return;
    if (status && !keepalive) status.textContent = "Saving…";
    // `keepalive` lets the request outlive the page (reload, closed tab);
    // unlike a beacon it can carry the CSRF header.
    fetch(url, {
      method: "PUT",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (res) {
      if (!res.ok) throw new Error("HTTP " + res.status);
      confirmed = text;
      if (text === JSON.stringify(fields.map(function (f) { return f.value; }))) {
        copy.dirty = false;
        delete copy.fields;
        writeCopy(copy);
      }
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
    field.addEventListener("input", function () {
      recount();
      if (key) {
        copy.dirty = true;
        copy.fields = currentFields();
        copy.edited = serverNow();
        writeCopy(copy);
      }
      if (url) schedule();
    });
  });
  // The copy put back is newer than the server's draft: save it there too.
  if (restored && url) save(false);
  function leaving() {
    if (url && !submitting) save(true);
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") leaving();
  });
  window.addEventListener("pagehide", leaving);
  form.addEventListener("submit", function () {
    if (pending) clearTimeout(pending);
    pending = null;
    submitting = true;
    secondsInput.value = String(elapsed());
  });
})();

// Spoken rehearsal on the question page: record with MediaRecorder, upload
// to the question's draft (it moves onto the attempt when it is sent), play
// back, delete. Hidden where the browser has no microphone support.
(function () {
  "use strict";
  var box = document.getElementById("recorder");
  if (!box) return;
  var controls = document.getElementById("recorder-controls");
  var startButton = document.getElementById("record-start");
  var stopButton = document.getElementById("record-stop");
  var deleteButton = document.getElementById("record-delete");
  var status = document.getElementById("recorder-status");
  var clip = document.getElementById("recorder-clip");
  var audio = document.getElementById("recording-audio");
  var info = document.getElementById("recording-info");
  var url = box.getAttribute("data-upload");
  var maxSeconds = parseInt(box.getAttribute("data-max-seconds"), 10) || 300;
  var token = (document.querySelector('meta[name="csrf-token"]') || {}).content || "";

  if (audio && audio.getAttribute("src")) deleteButton.hidden = false;
  if (!window.MediaRecorder || !navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    status.textContent = "";
    return;
  }
  controls.hidden = false;

  function clock(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }
  function pickType() {
    var types = ["audio/webm;codecs=opus", "audio/webm", "audio/ogg;codecs=opus", "audio/mp4"];
    for (var i = 0; i < types.length; i++) {
      if (MediaRecorder.isTypeSupported && MediaRecorder.isTypeSupported(types[i])) return types[i];
    }
    return "";
  }

  var recorder = null;
  var chunks = [];
  var startedAt = 0;
  var ticker = null;
  var limitTimer = null;

  function upload(blob, durationMs) {
    status.textContent = "Saving the recording…";
    return fetch(url + "?duration_ms=" + durationMs, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": blob.type || "audio/webm", "X-CSRF-Token": token },
      body: blob
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) throw new Error(body.error ? body.error.message : "HTTP " + res.status);
        return body;
      });
    }).then(function (saved) {
      audio.src = url + "?t=" + Date.now();
      clip.hidden = false;
      deleteButton.hidden = false;
      info.textContent = clock(saved.duration_ms / 1000) + " · " + Math.round(saved.bytes / 1024) +
        " KB · kept with this attempt when you submit";
      status.textContent = "Recording saved.";
      box.setAttribute("data-state", "saved");
    }).catch(function (err) {
      status.textContent = "The recording was not saved: " + err.message;
      box.setAttribute("data-state", "error");
    });
  }

  startButton.addEventListener("click", function () {
    navigator.mediaDevices.getUserMedia({ audio: true }).then(function (stream) {
      var type = pickType();
      recorder = type ? new MediaRecorder(stream, { mimeType: type }) : new MediaRecorder(stream);
      chunks = [];
      recorder.addEventListener("dataavailable", function (e) { if (e.data && e.data.size) chunks.push(e.data); });
      recorder.addEventListener("stop", function () {
        clearInterval(ticker);
        clearTimeout(limitTimer);
        stream.getTracks().forEach(function (t) { t.stop(); });
        var durationMs = Math.max(1, Date.now() - startedAt);
        var blob = new Blob(chunks, { type: (recorder.mimeType || type || "audio/webm").split(";")[0] });
        startButton.disabled = false;
        stopButton.disabled = true;
        upload(blob, Math.min(durationMs, maxSeconds * 1000));
      });
      recorder.start(1000);
      startedAt = Date.now();
      startButton.disabled = true;
      stopButton.disabled = false;
      box.setAttribute("data-state", "recording");
      status.textContent = "Recording 0:00";
      ticker = setInterval(function () {
        status.textContent = "Recording " + clock((Date.now() - startedAt) / 1000) + " / " + clock(maxSeconds);
      }, 500);
      limitTimer = setTimeout(function () { if (recorder.state !== "inactive") recorder.stop(); }, maxSeconds * 1000);
    }).catch(function (err) {
      status.textContent = "No microphone available (" + err.name + "); you can still write your answer.";
      box.setAttribute("data-state", "no-microphone");
    });
  });
  stopButton.addEventListener("click", function () {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
  deleteButton.addEventListener("click", function () {
    fetch(url, { method: "DELETE", credentials: "same-origin", headers: { "X-CSRF-Token": token } })
      .then(function (res) {
        if (!res.ok && res.status !== 404) throw new Error("HTTP " + res.status);
        audio.removeAttribute("src");
        audio.load();
        clip.hidden = true;
        deleteButton.hidden = true;
        info.textContent = "";
        status.textContent = "Recording deleted.";
        box.setAttribute("data-state", "deleted");
      })
      .catch(function (err) { status.textContent = "Could not delete: " + err.message; });
  });
})();

// Keyboard: Ctrl/Cmd+Enter submits an answer, 1-4 grade as in Anki, u undoes
// the last grade, ? lists the shortcuts. Single-key shortcuts never fire while
// the focus is in a text field. Also: the question page starts in its first
// empty field, the review page on its first checklist item, and the STAR
// fields grow with their text where CSS alone can't do it.
(function () {
  "use strict";
  var GRADES = ["again", "hard", "good", "easy"];
  var TYPING_INPUTS = /^(text|search|email|url|tel|password|number|date|datetime-local|month|time|week)$/;

  function isTyping(el) {
    if (!el || el === document.body) return false;
    if (el.isContentEditable) return true;
    var tag = el.tagName;
    if (tag === "TEXTAREA" || tag === "SELECT") return true;
    return tag === "INPUT" && TYPING_INPUTS.test((el.getAttribute("type") || "text").toLowerCase());
  }

  var answerForm = document.getElementById("answer-form");
  var gradeGroups = document.querySelectorAll(".grades");
  var gradeButtons = gradeGroups.length === 1 ? GRADES.map(function (g) {
    return gradeGroups[0].querySelector("#grade-" + g);
  }) : [];
  var dialog = document.getElementById("shortcuts");
  var link = document.getElementById("shortcuts-link");

  function openShortcuts() {
    if (!dialog || dialog.open) return;
    if (typeof dialog.showModal === "function") dialog.showModal();
    else dialog.setAttribute("open", "");
  }
  if (link && dialog) {
    link.hidden = false;
    link.addEventListener("click", function (e) { e.preventDefault(); openShortcuts(); });
  }

  function submitAnswer() {
    if (!answerForm) return false;
    var button = answerForm.querySelector("button.primary[type=submit]") ||
      answerForm.querySelector("button[type=submit]");
    if (typeof answerForm.requestSubmit === "function") answerForm.requestSubmit(button || undefined);
    else if (button) button.click();
    else answerForm.submit();
    return true;
  }

  document.addEventListener("keydown", function (e) {
    if (e.defaultPrevented || e.isComposing) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey) {
      if (answerForm && answerForm.contains(e.target) || answerForm && !isTyping(e.target)) {
        if (submitAnswer()) e.preventDefault();
      }
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (isTyping(e.target) || (dialog && dialog.open)) return;
    if (e.key === "?") {
      e.preventDefault();
      openShortcuts();
      return;
    }
    var n = "1234".indexOf(e.key);
    if (e.key.length === 1 && n >= 0 && gradeButtons[n]) {
      e.preventDefault();
      gradeButtons[n].click();
      return;
    }
    if (e.key === "u" || e.key === "U") {
      var undo = document.querySelector("[data-shortcut=u]");
      if (undo) { e.preventDefault(); undo.click(); }
    }
  });

  // Where to start typing or ticking, unless something already has the focus
  // (a link followed to a #fragment, an error being shown).
  function focusWithoutScrollJump(el) {
    try { el.focus({ preventScroll: true }); } catch (err) { el.focus(); }
  }
  var active = document.activeElement;
  var nothingFocused = !active || active === document.body || active === document.documentElement;
  if (nothingFocused && !location.hash && !document.querySelector("[role=alert]")) {
    if (answerForm) {
      var fields = answerForm.querySelectorAll("textarea[data-star-field]");
      for (var i = 0; i < fields.length; i++) {
        if (!fields[i].value.trim()) {
          // The first field stays in view with the prompt above it; later ones are scrolled to.
          if (i === 0) focusWithoutScrollJump(fields[i]); else fields[i].focus();
          break;
        }
      }
    } else if (gradeButtons.length) {
      var first = document.querySelector("#review-form input[type=checkbox]");
      if (first) focusWithoutScrollJump(first);
    }
  }

  // STAR fields grow with their content.
  var supportsFieldSizing = window.CSS && CSS.supports && CSS.supports("field-sizing", "content");
  if (!supportsFieldSizing) {
    Array.prototype.forEach.call(document.querySelectorAll("textarea[data-star-field]"), function (area) {
      function grow() {
        area.style.height = "auto";
        area.style.height = area.scrollHeight + 2 + "px";
      }
      area.addEventListener("input", grow);
      grow();
    });
  }
})();

// i15-mockcoach: the mock round's clock counts down to the round's end, on
// the server's clock (the page says when the round ends and what time it
// was there), so a reload goes on where it was.
(function () {
  "use strict";
  var clockBox = document.getElementById("round-clock");
  var value = document.getElementById("round-clock-value");
  if (!clockBox || !value) return;
  var ends = parseInt(clockBox.getAttribute("data-ends"), 10);
  var serverNow = parseInt(clockBox.getAttribute("data-server-now"), 10);
  var minutes = parseInt(clockBox.getAttribute("data-minutes"), 10) || 0;
  if (!ends || !serverNow) return;
  var offset = serverNow - Date.now();
  function clock(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    var s = seconds % 60;
    return Math.floor(seconds / 60) + ":" + (s < 10 ? "0" : "") + s;
  }
  function tick() {
    var left = (ends - (Date.now() + offset)) / 1000;
    value.textContent = clock(Math.ceil(left));
    clockBox.classList.toggle("near", left > 0 && left <= Math.max(60, minutes * 6));
    clockBox.classList.toggle("over", left <= 0);
  }
  tick();
  setInterval(tick, 1000);
})();

// i15-mockcoach: "End the round" asks first. Without this script the form
// leads to a page that asks; with it, a dialog asks and the round ends at once.
(function () {
  "use strict";
  var form = document.getElementById("finish-form");
  var confirmInput = document.getElementById("finish-confirm");
  if (!form || !confirmInput) return;
  form.addEventListener("submit", function (event) {
    if (window.confirm(form.getAttribute("data-confirm") || "End the round now?")) {
      confirmInput.value = "yes";
    } else {
      event.preventDefault();
    }
  });
})();

// i15-words: Settings: the maximum interval in years, months or weeks as it is typed
// (the server writes the same words for the saved value; see words::days_in_words).
(function () {
  var input = document.getElementById("maximum_interval_days");
  var words = document.getElementById("max-interval-words");
  if (!input || !words) return;
  function plural(n, unit) { return n === 1 ? "1 " + unit : n + " " + unit + "s"; }
  function inWords(days) {
    var whole = plural(days, "day");
    if (days >= 365) {
      var years = days / 365.25;
      years = years < 10 ? Math.round(years * 10) / 10 : Math.round(years);
      return whole + " ≈ " + (years === 1 ? "1 year" : years + " years");
    }
    if (days >= 30) return whole + " ≈ " + plural(Math.round(days / 30.44), "month");
    if (days >= 7 && days % 7 === 0) return whole + " = " + plural(days / 7, "week");
    return whole;
  }
  input.addEventListener("input", function () {
    var days = parseInt(input.value, 10);
    if (days >= 1 && days <= 36500) words.textContent = inWords(days);
  });
})();

// Settings: "Copy the link" beside a secret link shown once (without this
// script the field is there to select and copy by hand).
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    var said = document.querySelector('[data-copied="' + button.getAttribute("data-copy") + '"]');
    if (!field) return;
    field.addEventListener("focus", function () { field.select(); });
    button.hidden = false;
    button.addEventListener("click", function () {
      field.focus();
      field.select();
      var done = function () { if (said) said.textContent = "Copied."; };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(field.value).then(done, function () {
          if (said) said.textContent = "Selected: press Ctrl+C (or ⌘+C) to copy.";
        });
      } else {
        if (said) said.textContent = "Selected: press Ctrl+C (or ⌘+C) to copy.";
      }
    });
  });
})();
