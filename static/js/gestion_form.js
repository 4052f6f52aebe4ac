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
