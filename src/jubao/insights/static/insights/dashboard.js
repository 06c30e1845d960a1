/* The statistics dashboard: one ECharts chart per <div data-chart>, drawn from the JSON of the
   <script type="application/json"> with the same name (no inline script: CSP). A click on a bar,
   a point or a slice opens the matching cases. */
(function () {
  "use strict";

  function option(spec) {
    var percent = spec.unit === "%";
    var valueAxis = { type: "value", minInterval: 1 };
    if (percent) {
      valueAxis = { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } };
    }
    if (spec.kind === "pie") {
      return {
        tooltip: { trigger: "item", renderMode: "richText" },
        legend: { bottom: 0, type: "scroll" },
        series: [{
          type: "pie",
          radius: ["35%", "65%"],
          name: spec.series[0].name,
          data: spec.categories.map(function (name, i) {
            return { name: name, value: spec.series[0].data[i] };
          })
        }]
      };
    }
    var horizontal = spec.kind === "bar" && spec.categories.length > 6;
    var categoryAxis = {
      type: "category",
      data: spec.categories,
      axisLabel: { interval: 0, overflow: "truncate", width: horizontal ? 120 : 80, rotate: horizontal ? 0 : 30 }
    };
    return {
      tooltip: { trigger: "axis", renderMode: "richText" },
      legend: { top: 0, show: spec.series.length > 1 },
      grid: { left: horizontal ? 130 : 50, right: 20, top: 30, bottom: 60 },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? Object.assign({}, categoryAxis, { inverse: true, axisLabel: { width: 120, overflow: "truncate" } }) : valueAxis,
      series: spec.series.map(function (s) {
        return {
          type: spec.kind,
          name: s.name,
          data: s.data,
          connectNulls: true,
          label: { show: spec.kind === "bar", position: horizontal ? "right" : "top" }
        };
      })
    };
  }

  function draw(el) {
    var source = document.getElementById(el.dataset.chart);
    if (!source || typeof echarts === "undefined") { return; }
    var spec = JSON.parse(source.textContent);
    if (!spec.categories.length) {
      el.textContent = spec.empty;
      el.classList.add("empty");
      el.style.height = "auto";
      return;
    }
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option(spec));
    chart.on("click", function (params) {
      var link = spec.links[params.dataIndex];
      if (link) { window.location.assign(link); }
    });
    if (spec.links.some(function (l) { return l; })) {
      el.classList.add("drillable");
    }
    window.addEventListener("resize", function () { chart.resize(); });
  }

  function start() {
    document.querySelectorAll("[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
}());
