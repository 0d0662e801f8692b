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
    field.addEventListener("input", function () { recount(); if (url) schedule(); });
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
