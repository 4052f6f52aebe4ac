/* Outcome shortcuts on the debtor card: keys 1–9 press the matching tipificación button,
   unless the agent is typing in a field. */
document.addEventListener("keydown", function (event) {
  if (event.ctrlKey || event.altKey || event.metaKey) return;
  var target = event.target;
  if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT")) return;
  if (!/^[1-9]$/.test(event.key)) return;
  var button = document.querySelector('#gestion-form button[data-shortcut="' + event.key + '"]');
  if (button) {
    event.preventDefault();
    button.click();
  }
});

/* The call attached to the gestión: the card is drawn with the agent's latest call to this debtor
   that has no gestión yet; a call started or ended meanwhile (call.started / call.ended from the
   server, or a call logged by hand) takes its place. When the call ends, the form gets the focus,
   so keys 1–9 save its outcome at once. */
(function () {
  "use strict";
  var card = document.querySelector("[data-testid=debtor-card]");
  var form = document.getElementById("gestion-form");
  if (!card || !form) return;
  var field = form.elements.call;
  var box = form.querySelector("[data-testid=gestion-call]");
  var label = box.querySelector("[data-role=call-label]");
  var me = document.body.dataset.userId;

  function toThisDebtor(detail) {
    return detail && String(detail.user_id) === String(me) && detail.record &&
      detail.record.type === card.dataset.recordType && String(detail.record.id) === card.dataset.recordId;
  }
  function attach(detail, text) {
    field.value = detail.call_id;
    label.textContent = text + (detail.phone ? " · " + detail.phone : "");
    box.classList.remove("d-none");
    var phone = form.elements.phone;
    if (phone && detail.phone) {
      var option = Array.prototype.find.call(phone.options, function (o) { return o.text === detail.phone; });
      if (option) phone.value = option.value;
    }
  }
  function focusForm() {
    form.scrollIntoView({ block: "nearest" });
    form.focus({ preventScroll: true });
  }
  function ended(event) {
    if (!toThisDebtor(event.detail)) return;
    attach(event.detail, event.detail.label || "Llamada");
    // Closing the manual-call dialog gives the focus back to the button that opened it: take it
    // once the dialog is gone.
    var dialog = document.getElementById("manual-call");
    if (dialog && dialog.classList.contains("show")) {
      dialog.addEventListener("hidden.bs.modal", focusForm, { once: true });
    } else {
      focusForm();
    }
  }

  document.addEventListener("crm:call.started", function (event) {
    if (toThisDebtor(event.detail)) attach(event.detail, "Llamada en curso");
  });
  document.addEventListener("crm:call.ended", ended);
  document.addEventListener("crm:call.logged", ended);
  box.querySelector("[data-role=call-detach]").addEventListener("click", function () {
    field.value = "";
    box.classList.add("d-none");
  });
})();
