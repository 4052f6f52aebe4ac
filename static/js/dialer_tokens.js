/* The new workstation token is shown once: one click copies it. */
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-copy-token]");
  var field = document.getElementById("new-token");
  if (!button || !field) return;
  button.addEventListener("click", function () {
    field.select();
    var done = function () { button.textContent = "Copiado"; };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    else { document.execCommand("copy"); done(); }
  });
});
