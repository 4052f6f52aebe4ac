/* The notice form asks for a person only when the notice goes to one person. */
document.addEventListener("DOMContentLoaded", function () {
  var audience = document.getElementById("id_audience");
  var person = document.getElementById("div_id_person");
  if (!audience || !person) return;
  function sync() { person.classList.toggle("d-none", audience.value !== "person"); }
  audience.addEventListener("change", sync);
  sync();
});
