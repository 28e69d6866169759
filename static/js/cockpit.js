// The leader cockpit's two charts (dashboards/cockpit.html). The tables on the page are the
// fallback without ECharts. Tooltips are drawn on the canvas (renderMode "richText"): ECharts'
// HTML tooltips carry style="" attributes, which the Content-Security-Policy refuses.
(function () {
  if (!window.echarts) return;
  var data = JSON.parse(document.getElementById("cockpit-data").textContent);
  var redBox = document.getElementById("chart-red");
  var trendBox = document.getElementById("chart-trend");
  var RED = "#c62828";
  var tooltip = {renderMode: "richText"};

  var red = echarts.init(redBox);
  red.setOption({
    animation: false,
    tooltip: tooltip, grid: {left: 40, right: 10, bottom: 90},
    xAxis: {type: "category", data: data.red.map(function (r) { return r.name; }), axisLabel: {rotate: 40, interval: 0}},
    yAxis: {type: "value", minInterval: 1},
    series: [{type: "bar", name: redBox.dataset.labelRed, itemStyle: {color: RED}, cursor: "pointer",
              data: data.red.map(function (r) { return {value: r.value, url: r.url}; })}]
  });
  red.on("click", function (p) { if (p.data && p.data.url) window.location.href = p.data.url; });
  window.cockpitCharts = {red: red, redData: data.red};

  var trend = echarts.init(trendBox);
  trend.setOption({
    animation: false, tooltip: {renderMode: "richText", trigger: "axis"}, legend: {},
    xAxis: {type: "category", data: data.trend.map(function (t) { return t.month; })},
    yAxis: [{type: "value", minInterval: 1}, {type: "value", max: 100, axisLabel: {formatter: "{value}%"}}],
    series: [
      {type: "bar", name: trendBox.dataset.labelOpened, data: data.trend.map(function (t) { return t.opened; })},
      {type: "bar", name: trendBox.dataset.labelRed, itemStyle: {color: RED}, data: data.trend.map(function (t) { return t.red; })},
      {type: "line", name: trendBox.dataset.labelRate, yAxisIndex: 1, data: data.trend.map(function (t) { return t.rate; })}
    ]
  });
  window.cockpitCharts.trend = trend;
})();
