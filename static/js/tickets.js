/* Ticket page: canned responses fill the reply box; the timeline refreshes itself when the
   server says this ticket changed (event "ticket.changed" on the user's socket). */
(function () {
  "use strict";

  var canned = document.getElementById("canned");
  if (canned) {
    canned.addEventListener("change", function () {
      var option = canned.options[canned.selectedIndex];
      var body = document.getElementById("id_body");
      if (!option || !option.dataset.text || !body) return;
      body.value = body.value ? body.value.replace(/\s*$/, "") + "\n\n" + option.dataset.text : option.dataset.text;
      body.focus();
      canned.selectedIndex = 0;
    });
  }

  var box = document.getElementById("timeline-box");
  if (!box || !window.htmx) return;
  document.addEventListener("crm:ticket.changed", function (event) {
    if (String(event.detail.ticket_id) !== box.dataset.ticketId) return;
    if (event.detail.change === "status" || event.detail.change === "assigned" || event.detail.change === "merged") {
      // The header (status, SLA, buttons) changes too: show the whole page again.
      var reply = document.getElementById("id_body");
      if (!reply || !reply.value) { window.location.reload(); return; }
    }
    htmx.ajax("GET", box.dataset.refreshUrl, { target: "#timeline-box", swap: "innerHTML" });
  });
})();
