/* "Mis seguimientos" as a month/week calendar (FullCalendar, served from node_modules). */
document.addEventListener("DOMContentLoaded", function () {
  var el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) return;
  var calendar = new FullCalendar.Calendar(el, {
    locale: "es",
    initialView: "dayGridMonth",
    height: "auto",
    headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listWeek" },
    events: el.dataset.eventsUrl,
    dateClick: function (info) { window.location = el.dataset.createUrl + "?date=" + info.dateStr.slice(0, 10); },
  });
  calendar.render();
});
