/* Support dashboard: draws its charts (Chart.js from node_modules) from <script id="dashboard-data">. */
(function () {
  "use strict";
  var node = document.getElementById("dashboard-data");
  if (!node || !window.Chart) return;
  var data;
  try { data = JSON.parse(node.textContent); } catch (error) { return; }

  var STATUS = ["#0d6efd", "#6f42c1", "#fd7e14"];
  var PRIORITY = ["#adb5bd", "#6ea8fe", "#fd9843", "#dc3545"];
  var legend = { position: "bottom", labels: { boxWidth: 12 } };
  function base(extra) {
    return Object.assign({ responsive: true, maintainAspectRatio: false, plugins: { legend: legend } }, extra || {});
  }
  function canvas(id) { return document.getElementById(id); }

  if (canvas("chart-days")) {
    new Chart(canvas("chart-days"), {
      type: "bar",
      data: {
        labels: data.days.labels,
        datasets: [
          { label: "Creados", data: data.days.created, backgroundColor: "rgba(13, 110, 253, 0.75)" },
          { label: "Resueltos", data: data.days.resolved, backgroundColor: "rgba(25, 135, 84, 0.8)" },
        ],
      },
      options: base({ interaction: { mode: "index", intersect: false }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
    });
  }
  if (canvas("chart-open")) {
    new Chart(canvas("chart-open"), {
      type: "doughnut",
      data: {
        labels: data.status.labels.concat(data.priority.labels),
        datasets: [
          { label: "Estado", data: data.status.values.concat([0, 0, 0, 0]), backgroundColor: STATUS.concat(PRIORITY) },
          { label: "Prioridad", data: [0, 0, 0].concat(data.priority.values), backgroundColor: STATUS.concat(PRIORITY) },
        ],
      },
      options: base({ plugins: { legend: { position: "right", labels: { boxWidth: 10 } } } }),
    });
  }
  if (canvas("chart-ageing")) {
    new Chart(canvas("chart-ageing"), {
      type: "bar",
      data: { labels: data.ageing.labels, datasets: [{ label: "Abiertos", data: data.ageing.values, backgroundColor: "rgba(253, 126, 20, 0.8)" }] },
      options: base({ plugins: { legend: { display: false } }, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }),
    });
  }
  if (canvas("chart-aplicativo")) {
    new Chart(canvas("chart-aplicativo"), {
      data: {
        labels: data.aplicativo.labels,
        datasets: [
          { type: "bar", label: "1.ª respuesta (h)", data: data.aplicativo.first_response, backgroundColor: "rgba(111, 66, 193, 0.7)", yAxisID: "y" },
          { type: "bar", label: "Resolución (h)", data: data.aplicativo.resolution, backgroundColor: "rgba(13, 110, 253, 0.7)", yAxisID: "y" },
          { type: "line", label: "SLA cumplido (%)", data: data.aplicativo.sla, borderColor: "#198754", backgroundColor: "#198754", yAxisID: "pct" },
        ],
      },
      options: base({
        interaction: { mode: "index", intersect: false },
        scales: {
          y: { beginAtZero: true, title: { display: true, text: "horas hábiles" } },
          pct: { position: "right", min: 0, max: 100, grid: { drawOnChartArea: false }, title: { display: true, text: "%" } },
        },
      }),
    });
  }
})();
