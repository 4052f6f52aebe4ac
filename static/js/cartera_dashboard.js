/* Collections dashboard: draws the "by day" and "by agent" charts (Chart.js, served from
   node_modules) from the figures the page ships in <script id="dashboard-data">. */
(function () {
  "use strict";

  var COLORS = {
    gestiones: "rgba(13, 110, 253, 0.75)",
    contacts: "rgba(32, 201, 151, 0.85)",
    promises: "rgba(255, 193, 7, 0.85)",
    recovered: "rgb(25, 135, 84)",
  };
  var integer = new Intl.NumberFormat("es-CR", { maximumFractionDigits: 0 });
  var money = new Intl.NumberFormat("es-CR", { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  function readData() {
    var node = document.getElementById("dashboard-data");
    if (!node) return null;
    try {
      return JSON.parse(node.textContent);
    } catch (error) {
      return null;
    }
  }

  function byDatasetIndex(a, b) {
    return a.datasetIndex - b.datasetIndex;
  }

  function tooltipLabel(context) {
    var format = context.dataset.money ? money : integer;
    return context.dataset.label + ": " + format.format(context.parsed.y);
  }

  function drawByDay(canvas, days) {
    return new Chart(canvas, {
      data: {
        labels: days.labels,
        datasets: [
          { type: "bar", label: "Gestiones", data: days.gestiones, backgroundColor: COLORS.gestiones, yAxisID: "y", order: 2 },
          { type: "bar", label: "Contactos", data: days.contacts, backgroundColor: COLORS.contacts, yAxisID: "y", order: 2 },
          {
            // order 1: the line is drawn over the bars
            type: "line", label: "Recuperado", data: days.recovered, money: true, yAxisID: "amount", order: 1,
            borderColor: COLORS.recovered, backgroundColor: COLORS.recovered, pointRadius: 2, tension: 0.2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12, sort: byDatasetIndex } },
          tooltip: {
            itemSort: byDatasetIndex,
            callbacks: {
              title: function (items) { return items.length ? days.dates[items[0].dataIndex] : ""; },
              label: tooltipLabel,
            },
          },
        },
        scales: {
          x: { ticks: { autoSkip: true, maxRotation: 0 } },
          y: { beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Gestiones" } },
          amount: {
            position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            ticks: { callback: function (value) { return integer.format(value); } },
            title: { display: true, text: "Recuperado" },
          },
        },
      },
    });
  }

  function drawByAgent(canvas, agents) {
    return new Chart(canvas, {
      type: "bar",
      data: {
        labels: agents.labels,
        datasets: [
          { label: "Gestiones", data: agents.gestiones, backgroundColor: COLORS.gestiones },
          { label: "Contactos", data: agents.contacts, backgroundColor: COLORS.contacts },
          { label: "Promesas", data: agents.promises, backgroundColor: COLORS.promises },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: {
            callbacks: {
              label: tooltipLabel,
              footer: function (items) {
                if (!items.length) return "";
                return "Recuperado: " + money.format(agents.recovered[items[0].dataIndex]);
              },
            },
          },
        },
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
      },
    });
  }

  function init() {
    var data = readData();
    if (!data || !window.Chart) return;
    var byDay = document.getElementById("chart-by-day");
    var byAgent = document.getElementById("chart-by-agent");
    if (byDay) drawByDay(byDay, data.days);
    if (byAgent) drawByAgent(byAgent, data.agents);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
