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
