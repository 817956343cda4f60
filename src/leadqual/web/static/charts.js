// Draws the dashboard's charts with the vendored Chart.js from JSON blocks in the page
// (<script type="application/json" id="NAME-data">): no inline script, no network.
(function () {
  "use strict";
  var PALETTE = ["#0b4f8a", "#d9822b", "#116329", "#7b2d8b", "#a4161a", "#4d5560"];

  var root = document;

  function data(id) {
    var el = root.querySelector("#" + id);
    return el ? JSON.parse(el.textContent) : null;
  }

  function draw(canvasId, config) {
    var canvas = root.querySelector("#" + canvasId);
    if (!canvas || typeof Chart === "undefined" || Chart.getChart(canvas)) { return; }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false },
      config.options || {});
    new Chart(canvas, config);
  }

  function drawAll(within) {
    root = within || document;
    var funnel = data("funnel-data");
    if (funnel) {
      draw("funnel-chart", {
        type: "bar",
        data: {
          labels: funnel.labels,
          datasets: funnel.datasets.map(function (d, i) {
            return { label: d.label, data: d.data, backgroundColor: PALETTE[i % PALETTE.length] };
          })
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Leads" } } } }
      });
    }
    var reasons = data("reasons-data");
    if (reasons) {
      draw("reasons-chart", {
        type: "bar",
        data: { labels: reasons.labels,
          datasets: [{ label: "Rejected MQLs", data: reasons.values, backgroundColor: PALETTE[4] }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true } } }
      });
    }
    var calibration = data("calibration-data");
    if (calibration) {
      draw("calibration-chart", {
        type: "scatter",
        data: { datasets: [
          { label: "Observed vs predicted", backgroundColor: PALETTE[0], showLine: true, borderColor: PALETTE[0],
            data: calibration.predicted.map(function (p, i) { return { x: p, y: calibration.observed[i] }; }) },
          { label: "Perfect calibration", borderColor: PALETTE[5], borderDash: [4, 4], showLine: true,
            pointRadius: 0, data: [{ x: 0, y: 0 }, { x: 1, y: 1 }] }
        ] },
        options: { scales: { x: { min: 0, max: 1, title: { display: true, text: "Predicted" } },
          y: { min: 0, max: 1, title: { display: true, text: "Observed" } } } }
      });
    }
    var auc = data("auc-data");
    if (auc) {
      draw("auc-chart", {
        type: "line",
        data: { labels: auc.labels,
          datasets: [{ label: "AUC", data: auc.values, borderColor: PALETTE[1], backgroundColor: PALETTE[1],
            spanGaps: true }] },
        options: { scales: { y: { min: 0.5, max: 1 } } }
      });
    }
    var stages = data("stage-data");
    if (stages) {
      draw("stage-chart", {
        type: "bar",
        data: { labels: stages.labels,
          datasets: [{ label: "Median days", data: stages.values, backgroundColor: PALETTE[2] }] },
        options: { indexAxis: "y", plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, title: { display: true, text: "Days" } } } }
      });
    }
    var tradeoff = data("tradeoff-data");
    if (tradeoff) {
      var xs = tradeoff.points.map(function (p) { return p.threshold; });
      draw("tradeoff-chart", {
        type: "line",
        data: { labels: xs, datasets: [
          { label: "MQLs", data: tradeoff.points.map(function (p) { return p.mql; }),
            borderColor: PALETTE[0], backgroundColor: PALETTE[0], yAxisID: "volume" },
          { label: "Precision", data: tradeoff.points.map(function (p) { return p.precision; }),
            borderColor: PALETTE[1], backgroundColor: PALETTE[1], yAxisID: "share", spanGaps: true },
          { label: "Recall", data: tradeoff.points.map(function (p) { return p.recall; }),
            borderColor: PALETTE[2], backgroundColor: PALETTE[2], yAxisID: "share", spanGaps: true }
        ] },
        options: { scales: {
          x: { title: { display: true, text: tradeoff.vary + " threshold (now " + tradeoff.current + ")" } },
          volume: { type: "linear", position: "left", beginAtZero: true,
            title: { display: true, text: "MQLs" } },
          share: { type: "linear", position: "right", min: 0, max: 1,
            title: { display: true, text: "Precision / recall" }, grid: { drawOnChartArea: false } }
        } }
      });
    }
  }

  function ready() { drawAll(document); }
  window.leadqualCharts = { drawAll: drawAll };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
