/* The dashboard's charts (templates/reports/dashboard.html), from the #chart-data JSON. A chart
   with nothing to draw has no canvas: the page shows "Sin datos" in its place. */
(function () {
  "use strict";
  var charts = JSON.parse(document.getElementById("chart-data").textContent);
  var money = function (v) { return "$ " + v.toLocaleString("en-US", {minimumFractionDigits: 2, maximumFractionDigits: 2}); };
  var bars = function (horizontal) {
    return {indexAxis: horizontal ? "y" : "x",
            plugins: {legend: {display: false}, tooltip: {callbacks: {label: function (c) { return money(c.parsed[horizontal ? "x" : "y"]); }}}},
            scales: horizontal ? {x: {beginAtZero: true}} : {y: {beginAtZero: true}}};
  };
  var draw = function (id, config) {
    var canvas = document.getElementById(id);
    if (canvas) { new Chart(canvas, config); }
  };
  draw("chart-day", {type: "bar", data: {labels: charts.day.labels, datasets: [{data: charts.day.values, backgroundColor: "#0d6efd"}]},
                     options: bars(false)});
  // One slice is the whole ring: without a border, offset or spacing, or its seam shows as a
  // wedge pulled out of it.
  var slices = charts.type.values.filter(function (v) { return v > 0; }).length;
  draw("chart-type", {type: "doughnut",
                      data: {labels: charts.type.labels,
                             datasets: [{data: charts.type.values, borderWidth: slices > 1 ? 2 : 0, offset: 0, spacing: 0,
                                         hoverOffset: slices > 1 ? 4 : 0}]},
                      options: {plugins: {legend: {position: "bottom"},
                                          tooltip: {callbacks: {label: function (c) { return c.label + ": " + money(c.parsed); }}}}}});
  draw("chart-establishment", {type: "bar", data: {labels: charts.establishment.labels,
                                                   datasets: [{data: charts.establishment.values, backgroundColor: "#198754"}]},
                               options: bars(true)});
  draw("chart-rep", {type: "bar", data: {labels: charts.rep.labels, datasets: [{data: charts.rep.values, backgroundColor: "#6f42c1"}]},
                     options: bars(true)});
})();
