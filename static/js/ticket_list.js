/* Ticket lists: "mark all" for bulk actions, and only the fields the chosen action needs. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-check-all]")) {
      document.querySelectorAll('#bulk-form input[name="tickets"]').forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    if (event.target.id === "bulk-action") showFields();
  });
  function showFields() {
    var action = document.getElementById("bulk-action");
    if (!action) return;
    document.querySelectorAll("[data-bulk]").forEach(function (el) {
      el.classList.toggle("d-none", el.dataset.bulk !== action.value);
    });
  }
  showFields();
})();

/* A ticket list says when something changed in the tickets it may show, without reloading
   under the user's hands (they may be marking rows for a bulk action). */
(function () {
  "use strict";
  var table = document.getElementById("ticket-table");
  if (!table) return;
  document.addEventListener("crm:ticket.changed", function () {
    if (document.getElementById("tickets-changed")) return;
    var note = document.createElement("div");
    note.id = "tickets-changed";
    note.className = "alert alert-info py-2 d-flex justify-content-between align-items-center";
    note.setAttribute("data-testid", "tickets-changed");
    note.textContent = "Hay novedades en los tickets.";
    var reload = document.createElement("a");
    reload.href = window.location.href;
    reload.className = "btn btn-sm btn-primary";
    reload.textContent = "Actualizar la lista";
    note.appendChild(reload);
    table.parentNode.insertBefore(note, table);
  });
})();
