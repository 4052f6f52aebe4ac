/* The dialer in the browser: the call widget in the top bar, the call buttons' answers, and the
   dialog to log a call by hand.

   Widget: "Marcando…" after the call button (dial.requested), then the call's running timer
   (green, yellow from data-yellow seconds, red from data-red) with "Colgar" (call.started),
   then how it ended (call.ended), shown a few seconds. The agent's browser and the dialer agent
   run on the same workstation, so the call's started_at (the workstation's clock) and the
   browser's clock agree: the timer counts from started_at without any correction. */
(function () {
  "use strict";

  var me = document.body.dataset.userId;
  function mine(detail) { return detail && String(detail.user_id) === String(me); }
  function same(a, b) { return a !== null && a !== undefined && String(a) === String(b); }
  function toast(text, variant) { if (window.CRM) window.CRM.showToast(text, variant); }

  // --- The call widget ----------------------------------------------------------------------
  var widget = document.getElementById("call-widget");
  if (widget) {
    var timer = widget.querySelector("[data-role=timer]");
    var label = widget.querySelector("[data-role=label]");
    var form = widget.querySelector("[data-role=hangup-form]");
    var button = form.querySelector("button");
    var yellow = Number(widget.dataset.yellow) || 120;
    var red = Number(widget.dataset.red) || 300;
    // A request no workstation took expires after its TTL; a little more, then say so.
    var waitMs = ((Number(widget.dataset.requestTtl) || 60) + 5) * 1000;
    var LEVELS = { green: "text-bg-success", yellow: "text-bg-warning", red: "text-bg-danger", idle: "text-bg-secondary" };
    var current = { state: "idle" };
    var ticking = null, later = null;

    var two = function (n) { return (n < 10 ? "0" : "") + n; };
    var clock = function (seconds) { return two(Math.floor(seconds / 60)) + ":" + two(seconds % 60); };

    var setLevel = function (level) {
      Object.keys(LEVELS).forEach(function (key) { timer.classList.remove(LEVELS[key]); });
      timer.classList.add(LEVELS[level]);
      timer.dataset.level = level;
    };
    var show = function (visible) {
      widget.classList.toggle("d-none", !visible);
      widget.classList.toggle("d-flex", visible);
    };
    var stopClocks = function () {
      clearInterval(ticking);
      clearTimeout(later);
      ticking = later = null;
    };
    var enter = function (state, fields) {
      stopClocks();
      current = Object.assign({ state: state }, fields || {});
      widget.dataset.state = state;
    };
    var target = function (callId, requestId) {
      form.elements.call.value = callId || "";
      form.elements.dial_request.value = requestId || "";
      button.disabled = false;
      form.classList.remove("d-none");
    };
    var tick = function () {
      var seconds = Math.max(0, Math.floor((Date.now() - current.startedAt) / 1000));
      var text = clock(seconds);
      if (timer.textContent !== text) timer.textContent = text;
      setLevel(seconds < yellow ? "green" : seconds < red ? "yellow" : "red");
    };
    var finish = function (text, duration, hideAfterMs) {
      enter("ended", { callId: current.callId, dialRequestId: current.dialRequestId });
      setLevel("idle");
      if (typeof duration === "number") timer.textContent = clock(duration);
      label.textContent = text;
      button.disabled = true;
      form.classList.add("d-none");  // nothing left to hang up
      later = setTimeout(function () { enter("idle"); show(false); }, hideAfterMs);
    };

    var dialling = function (detail) {
      enter("dialling", { dialRequestId: detail.dial_request_id });
      timer.textContent = "00:00";
      setLevel("idle");
      label.textContent = (detail.online === false ? "Esperando a la estación… " : "Marcando… ") + (detail.phone || "");
      target(null, detail.dial_request_id);
      show(true);
      later = setTimeout(function () { finish("La estación no respondió", null, 6000); }, waitMs);
    };
    var inCall = function (detail) {
      enter("call", { callId: detail.call_id, dialRequestId: detail.dial_request_id, startedAt: Date.parse(detail.started_at) });
      label.textContent = detail.phone || "";
      target(detail.call_id, null);
      show(true);
      tick();
      ticking = setInterval(tick, 250);
    };

    document.addEventListener("crm:dial.requested", function (event) {
      var detail = event.detail;
      if (!mine(detail)) return;
      // The same request announced twice (the button's answer and the socket), or its call
      // already started: nothing to do but say the station is not connected, if it is not.
      if (same(current.dialRequestId, detail.dial_request_id)) {
        if (current.state === "dialling" && detail.online === false) label.textContent = "Esperando a la estación… " + (detail.phone || "");
        return;
      }
      dialling(detail);
    });
    document.addEventListener("crm:call.started", function (event) {
      var detail = event.detail;  // supervisors also get their team's starts: only one's own counts
      if (!mine(detail) || (current.state === "call" && same(current.callId, detail.call_id))) return;
      inCall(detail);
    });
    document.addEventListener("crm:call.ended", function (event) {
      var detail = event.detail;
      if (!mine(detail) || current.state !== "call" || !same(current.callId, detail.call_id)) return;
      finish(detail.status_label || "Terminada", detail.duration_seconds, 8000);
    });
    document.addEventListener("crm:dial.cancelled", function (event) {
      var detail = event.detail;
      if (mine(detail) && current.state === "dialling" && same(current.dialRequestId, detail.dial_request_id)) {
        finish("Llamada cancelada", null, 3000);
      }
    });

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      button.disabled = true;
      fetch(widget.dataset.hangupUrl, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) {
          return response.json().then(function (data) { return { ok: response.ok, data: data }; });
        })
        .then(function (answer) {
          if (!answer.ok) {
            button.disabled = false;
            toast(answer.data.error || "No se pudo colgar.", "danger");
          } else if (answer.data.result === "cancelled") {
            finish("Llamada cancelada", null, 3000);
          } else if (answer.data.result === "nothing") {
            finish("La llamada ya había terminado", null, 3000);
          } else {
            label.textContent = "Colgando…";  // call.ended follows when the workstation hangs up
          }
        })
        .catch(function () {
          button.disabled = false;
          toast("No se pudo colgar: sin conexión con el CRM.", "danger");
        });
    });

    // Events sent while the socket was down (a reconnect; the moment between drawing this page and
    // its socket opening) are lost: ask the server what is running and catch up.
    document.addEventListener("crm:socket.open", function (event) {
      if (!event.detail.reconnected && current.state !== "call") return;
      fetch(widget.dataset.currentUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data) return;
          if (data.call && !(current.state === "call" && same(current.callId, data.call.call_id))) {
            inCall(data.call);
          } else if (!data.call && current.state === "call") {
            finish("Llamada terminada", null, 5000);
          }
        })
        .catch(function () { /* the next event or page load puts it right */ });
    });

    if (widget.dataset.state === "call") {  // the page was loaded in the middle of a call
      inCall({ call_id: widget.dataset.callId, started_at: widget.dataset.startedAt, phone: label.textContent, user_id: me });
    }
  }

  // --- Call buttons and the manual-call dialog ----------------------------------------------
  // A refused call (a phone not of the record, …) answers 400 with {"error": …}: say it.
  document.addEventListener("htmx:responseError", function (event) {
    if (!event.detail.elt.closest("[data-call-action]")) return;
    var message = "No se pudo llamar.";
    try { message = JSON.parse(event.detail.xhr.responseText).error || message; } catch (err) { /* not JSON */ }
    toast(message, "danger");
  });
  // The manual-call form comes back with its errors on a 400: show it (htmx leaves 4xx unswapped).
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (event.detail.xhr.status === 400 && event.detail.elt.closest("[data-swap-errors]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // The dialog (#manual-call) comes later in the page than this script: events are caught on
  // the document. Opened from a phone's button, it logs that phone.
  document.addEventListener("show.bs.modal", function (event) {
    if (event.target.id !== "manual-call") return;
    var phone = event.relatedTarget && event.relatedTarget.dataset.phone;
    var select = event.target.querySelector("select[name=phone]");
    if (phone && select) select.value = phone;
  });
  document.addEventListener("crm:call.logged", function (event) {
    var dialog = document.getElementById("manual-call");
    if (dialog && window.bootstrap) window.bootstrap.Modal.getOrCreateInstance(dialog).hide();
    toast(event.detail.label + " registrada.", "success");
  });
})();
