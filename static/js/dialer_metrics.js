/* Dialer metrics pages: the calls-by-day chart (Chart.js, from node_modules), the sortable team
   table, and the live updates. A supervisor's team table takes each "dialer.metrics" event (an
   agent's new figures for the day, sent when one of their calls ends); an agent's page takes
   "call.ended" (their own) and, on a supervisor's view of one agent, "dialer.metrics". Only a
   page showing today (data-live-date) changes: the figures of other days are final. */
(function () {
  "use strict";

  var COUNTS = ["calls_made", "answered", "failed", "not_answered", "dropped", "total_talk_seconds"];
  var rateFormat = new Intl.NumberFormat("es-CR", { minimumFractionDigits: 1, maximumFractionDigits: 1 });

  // The same clock as the template filter `duration` (dialer/templatetags/dialer_metrics.py).
  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds || 0));
    var hours = Math.floor(seconds / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    var secs = seconds % 60;
    var mm = hours ? String(minutes).padStart(2, "0") : String(minutes);
    return (hours ? hours + ":" : "") + mm + ":" + String(secs).padStart(2, "0");
  }

  // The AHT and success rate of summed figures, rounded half up in integers as the server does
  // (dialer.selectors.derived_figures), so a live total equals the one a reload shows.
  function derive(figures) {
    var made = figures.calls_made, answered = figures.answered, talk = figures.total_talk_seconds;
    figures.average_handle_seconds = answered ? Math.floor((2 * talk + answered) / (2 * answered)) : 0;
    figures.success_rate = made ? Math.floor((2000 * answered + made) / (2 * made)) / 10 : null;
    return figures;
  }

  function display(name, value) {
    if (name === "average_handle_seconds" || name === "total_talk_seconds") return duration(value);
    if (name === "success_rate") return value === null || value === undefined ? "—" : rateFormat.format(value) + " %";
    return String(value);
  }

  function setFigure(cell, name, value) {
    cell.textContent = display(name, value);
    if (cell.hasAttribute("data-value")) cell.dataset.value = value === null ? "-1" : String(value);
  }

  function flash(element) {
    element.classList.remove("crm-flash");
    void element.offsetWidth; // restart the animation
    element.classList.add("crm-flash");
  }

  function isLive(container, payload) {
    return Boolean(container && container.dataset.liveDate && payload && payload.date === container.dataset.liveDate);
  }

  // --- Team table -------------------------------------------------------------------------

  function teamTotals(table) {
    var totals = {};
    COUNTS.forEach(function (name) { totals[name] = 0; });
    table.querySelectorAll("tbody tr[data-agent-id]").forEach(function (row) {
      COUNTS.forEach(function (name) {
        var cell = row.querySelector('[data-figure="' + name + '"]');
        totals[name] += cell ? Number(cell.dataset.value) || 0 : 0;
      });
    });
    derive(totals);
    table.querySelectorAll("tfoot [data-total]").forEach(function (cell) {
      cell.textContent = display(cell.dataset.total, totals[cell.dataset.total]);
    });
  }

  function onTeamMetrics(payload) {
    var container = document.getElementById("team-metrics");
    if (!isLive(container, payload)) return;
    var row = container.querySelector('tbody tr[data-agent-id="' + payload.user_id + '"]');
    if (!row) {
      // Someone new on the team: the server draws the table again, with their row.
      if (window.htmx) window.htmx.ajax("GET", container.dataset.refreshUrl, { target: "#team-metrics", swap: "outerHTML" });
      return;
    }
    var figures = {};
    COUNTS.forEach(function (name) { figures[name] = payload[name] || 0; });
    derive(figures);
    Object.keys(figures).forEach(function (name) {
      var cell = row.querySelector('[data-figure="' + name + '"]');
      if (cell) setFigure(cell, name, figures[name]);
    });
    var table = container.querySelector("table");
    teamTotals(table);
    resort(table);
    flash(row);
  }

  // --- Sorting ----------------------------------------------------------------------------

  function cellValue(row, index, kind) {
    var cell = row.children[index];
    var raw = cell ? (cell.dataset.value !== undefined ? cell.dataset.value : cell.textContent) : "";
    return kind === "number" ? Number(raw) : raw.trim().toLocaleLowerCase("es");
  }

  function sortBy(table, index, direction) {
    var header = table.tHead.rows[0].children[index];
    var kind = header.dataset.sort;
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.querySelectorAll("tr[data-agent-id]"));
    rows.sort(function (a, b) {
      var x = cellValue(a, index, kind), y = cellValue(b, index, kind);
      var order = kind === "number" ? x - y : x.localeCompare(y, "es");
      return direction === "descending" ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    Array.prototype.forEach.call(table.tHead.rows[0].children, function (th) { th.removeAttribute("aria-sort"); });
    header.setAttribute("aria-sort", direction);
  }

  function resort(table) {
    var header = table.querySelector("thead th[aria-sort]");
    if (header) sortBy(table, header.cellIndex, header.getAttribute("aria-sort"));
  }

  document.addEventListener("click", function (event) {
    var header = event.target.closest("table.crm-sortable thead th[data-sort]");
    if (!header) return;
    var current = header.getAttribute("aria-sort");
    // Names start A→Z; figures start with the highest.
    var first = header.dataset.sort === "number" ? "descending" : "ascending";
    var next = current ? (current === "ascending" ? "descending" : "ascending") : first;
    sortBy(header.closest("table"), header.cellIndex, next);
  });

  // --- One agent's page ---------------------------------------------------------------------

  var chart = null;
  var chartData = null;

  function onAgentFigures(figures) {
    var container = document.getElementById("agent-metrics");
    if (!isLive(container, figures) || String(figures.user_id) !== container.dataset.agentId) return;
    var values = {};
    COUNTS.forEach(function (name) { values[name] = figures[name] || 0; });
    derive(values);
    container.querySelectorAll("[data-figure]").forEach(function (element) {
      var name = element.dataset.figure;
      if (name in values) setFigure(element, name, values[name]);
    });
    flash(container.querySelector("[data-testid=kpis]"));
    if (chart && chartData) {
      var index = chartData.dates.indexOf(figures.date);
      if (index >= 0) {
        chart.data.datasets[0].data[index] = values.answered;
        chart.data.datasets[1].data[index] = values.calls_made - values.answered;
        chart.data.datasets[2].data[index] = Math.round(values.total_talk_seconds / 6) / 10;
        chart.update();
      }
    }
  }

  document.addEventListener("crm:call.ended", function (event) {
    var detail = event.detail || {};
    if (!detail.today) return;
    var figures = Object.assign({ user_id: detail.user_id }, detail.today);
    onAgentFigures(figures);
    // A supervisor's own calls are on their team table too, but reach them only as call.ended.
    if (document.querySelector('#team-metrics tr[data-agent-id="' + detail.user_id + '"]')) onTeamMetrics(figures);
  });
  document.addEventListener("crm:dialer.metrics", function (event) {
    onTeamMetrics(event.detail || {});
    onAgentFigures(event.detail || {});
  });

  // --- Chart --------------------------------------------------------------------------------

  function drawChart() {
    var canvas = document.getElementById("chart-calls-by-day");
    var node = document.getElementById("metrics-chart-data");
    if (!canvas || !node || !window.Chart) return;
    try { chartData = JSON.parse(node.textContent); } catch (error) { return; }
    var unanswered = chartData.calls.map(function (calls, i) { return calls - chartData.answered[i]; });
    chart = new window.Chart(canvas, {
      data: {
        labels: chartData.labels,
        datasets: [
          { type: "bar", label: "Contestadas", data: chartData.answered.slice(), backgroundColor: "rgba(25, 135, 84, 0.8)", stack: "calls", yAxisID: "y", order: 2 },
          { type: "bar", label: "Sin contestar / fallidas", data: unanswered, backgroundColor: "rgba(108, 117, 125, 0.45)", stack: "calls", yAxisID: "y", order: 2 },
          {
            type: "line", label: "Minutos en llamada", data: chartData.talk_minutes.slice(), yAxisID: "minutes", order: 1,
            borderColor: "rgb(13, 110, 253)", backgroundColor: "rgb(13, 110, 253)", pointRadius: 2, tension: 0.2,
          },
        ],
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: "index", intersect: false },
        plugins: {
          legend: { position: "bottom", labels: { boxWidth: 12 } },
          tooltip: { callbacks: { title: function (items) { return items.length ? chartData.dates[items[0].dataIndex] : ""; } } },
        },
        scales: {
          x: { stacked: true, ticks: { autoSkip: true, maxRotation: 0 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 }, title: { display: true, text: "Llamadas" } },
          minutes: {
            position: "right", beginAtZero: true, grid: { drawOnChartArea: false },
            title: { display: true, text: "Minutos" },
          },
        },
      },
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawChart);
  } else {
    drawChart();
  }
})();
