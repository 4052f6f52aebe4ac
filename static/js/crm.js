/* CREA CRM shell: toasts, the live event socket, and the notification bell. */
(function () {
  "use strict";

  function showToast(text, variant, link) {
    var container = document.getElementById("toasts");
    if (!container || !window.bootstrap) return;
    var toast = document.createElement("div");
    toast.className = "toast align-items-center border-0 text-bg-" + (variant || "primary");
    toast.setAttribute("role", "status");
    var body = document.createElement("div");
    body.className = "toast-body";
    if (link) {
      var a = document.createElement("a");
      a.href = link; a.className = "text-reset"; a.textContent = text;
      body.appendChild(a);
    } else {
      body.textContent = text;
    }
    var wrap = document.createElement("div");
    wrap.className = "d-flex";
    wrap.appendChild(body);
    var close = document.createElement("button");
    close.type = "button"; close.className = "btn-close btn-close-white me-2 m-auto";
    close.setAttribute("data-bs-dismiss", "toast"); close.setAttribute("aria-label", "Cerrar");
    wrap.appendChild(close);
    toast.appendChild(wrap);
    container.appendChild(toast);
    new bootstrap.Toast(toast, { delay: 6000 }).show();
    toast.addEventListener("hidden.bs.toast", function () { toast.remove(); });
  }

  function setUnread(count) {
    var badge = document.getElementById("bell-count");
    if (!badge || typeof count !== "number") return;
    badge.textContent = count > 99 ? "99+" : String(count);
    badge.classList.toggle("d-none", count === 0);
    badge.dataset.count = String(count);
  }

  window.CRM = { showToast: showToast, setUnread: setUnread, socket: null };

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("#toasts .toast").forEach(function (el) { new bootstrap.Toast(el).show(); });
  });

  // Every server event arrives as {type, payload} and is re-dispatched on document as
  // "crm:<type>", so each module's script listens only for what it cares about.
  // Lists of unread notifications on the page (the home card) grow as notifications arrive.
  function prependToLists(detail) {
    document.querySelectorAll('[data-live-list="notifications"]').forEach(function (list) {
      var empty = list.querySelector("[data-empty]");
      if (empty) empty.remove();
      var item = document.createElement("li");
      item.className = "list-group-item d-flex justify-content-between";
      var text = document.createElement("span");
      text.textContent = detail.text;
      var when = document.createElement("small");
      when.className = "text-secondary";
      when.textContent = "ahora";
      item.appendChild(text);
      item.appendChild(when);
      list.insertBefore(item, list.firstChild);
    });
  }

  document.addEventListener("crm:notification.created", function (e) {
    setUnread(e.detail.unread);
    showToast(e.detail.text, "primary", e.detail.link);
    prependToLists(e.detail);
  });
  document.addEventListener("crm:notification.read", function (e) { setUnread(e.detail.unread); });

  var url = document.body.dataset.eventsUrl;
  if (!url) return;
  var retry = 1000;
  var opened = 0;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket = new WebSocket(scheme + window.location.host + url);
    window.CRM.socket = socket;
    socket.onopen = function () {
      retry = 1000;
      document.body.dataset.live = "1";
      // Events sent while the socket was down are lost: modules that show live state re-read it.
      document.dispatchEvent(new CustomEvent("crm:socket.open", { detail: { reconnected: opened++ > 0 } }));
    };
    socket.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (err) { return; }
      document.dispatchEvent(new CustomEvent("crm:" + data.type, { detail: data.payload || {} }));
    };
    socket.onclose = function (event) {
      document.body.dataset.live = "0";
      if (event.code === 4401) return; // session ended: the next page load goes to login
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 30000);
    };
  }
  connect();

  // Events raised outside this web process (the task worker, with the embedded in-memory
  // channel layer) cannot reach the socket; a light poll keeps the bell right in that case.
  var countUrl = document.body.dataset.unreadUrl;
  if (countUrl) {
    setInterval(function () {
      fetch(countUrl, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) { if (data) setUnread(data.unread); })
        .catch(function () {});
    }, 30000);
  }
})();
