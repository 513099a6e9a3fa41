/* Analytics 数据分析: draws the dashboard's charts with the locally served plotly.js.
   Data comes from the page (<script type="application/json" id="crm-analytics-data">);
   a click on a bar or slice opens the matching filtered list. No inline handlers (CSP). */
(function () {
  "use strict";

  var COLORS = ["#2f6fb3", "#f0a030", "#4caf7a", "#d9534f", "#8e6bbf", "#5bc0de", "#a0785a", "#999999"];
  var ZH = {
    moduleType: "locale", name: "zh-CN",
    dictionary: {
      "Download plot as a png": "下载图片 (PNG)", "Download plot": "下载图片", "Zoom": "缩放", "Pan": "平移",
      "Box Select": "矩形选择", "Lasso Select": "套索选择", "Zoom in": "放大", "Zoom out": "缩小",
      "Autoscale": "自动缩放", "Reset axes": "重置坐标轴", "Reset": "重置",
      "Toggle Spike Lines": "显示/隐藏辅助线", "Show closest data on hover": "悬停显示最近数据",
      "Compare data on hover": "悬停比较数据", "Produced with Plotly.js": "由 Plotly.js 绘制",
      "Double-click to zoom back out": "双击恢复缩放", "Click to enter Colorscale title": "点击输入色标标题"
    },
    format: {
      days: ["星期日", "星期一", "星期二", "星期三", "星期四", "星期五", "星期六"],
      shortDays: ["周日", "周一", "周二", "周三", "周四", "周五", "周六"],
      months: ["一月", "二月", "三月", "四月", "五月", "六月", "七月", "八月", "九月", "十月", "十一月", "十二月"],
      shortMonths: ["1月", "2月", "3月", "4月", "5月", "6月", "7月", "8月", "9月", "10月", "11月", "12月"],
      date: "%Y-%m-%d", decimal: ".", thousands: ","
    }
  };

  function formatter(config, currency) {
    var locale = config.locale;
    var money = new Intl.NumberFormat(locale, {style: "currency", currency: currency, maximumFractionDigits: 0});
    var number = new Intl.NumberFormat(locale, {maximumFractionDigits: 2});
    var percent = new Intl.NumberFormat(locale, {style: "percent", maximumFractionDigits: 1});
    return function (value, kind) {
      if (value === null || value === undefined) { return "–"; }
      if (kind === "money") { return money.format(value); }
      if (kind === "percent") { return percent.format(value); }
      return number.format(value);
    };
  }

  function currencySymbol(config, currency) {
    var parts = new Intl.NumberFormat(config.locale, {style: "currency", currency: currency}).formatToParts(0);
    for (var i = 0; i < parts.length; i++) { if (parts[i].type === "currency") { return parts[i].value; } }
    return currency;
  }

  function traces(chart, config) {
    var fmt = formatter(config, chart.currency);
    var labels = chart.categories.map(function (c) { return c.label; });
    var out = [];
    var measures = chart.series.filter(function (s) { return s.format !== "percent"; });
    var rates = chart.series.filter(function (s) { return s.format === "percent"; });
    if (chart.chart === "pie") {
      var s0 = measures[0];
      out.push({type: "pie", labels: labels, values: s0.values, hole: 0.4, sort: false,
                text: s0.values.map(function (v) { return fmt(v, s0.format); }), textinfo: "percent",
                hovertemplate: "%{label}<br>%{text} (%{percent})<extra></extra>",
                marker: {colors: COLORS}});
      return out;
    }
    if (chart.chart === "funnel") {
      var f = chart.series[0];
      out.push({type: "funnel", y: labels, x: f.values, textinfo: "value+percent initial+percent previous",
                texttemplate: "%{x:,}<br>%{percentInitial:.1%}", hovertemplate: "%{y}: %{x:,}<extra></extra>",
                marker: {color: COLORS[0]}});
      return out;
    }
    var horizontal = chart.chart === "hbar";
    var money = measures.some(function (s) { return s.format === "money"; });
    var mixed = money && measures.some(function (s) { return s.format !== "money"; });
    measures.forEach(function (s, i) {
      var secondary = mixed && s.format !== "money";
      var t = {name: s.label, text: s.values.map(function (v) { return fmt(v, s.format); }),
               hovertemplate: "%{text}<extra>" + s.label.replace(/</g, "") + "</extra>",
               marker: {color: COLORS[i % COLORS.length]}};
      if (chart.chart === "line") { t.type = "scatter"; t.mode = "lines+markers"; t.line = {color: COLORS[i % COLORS.length]}; }
      else if (secondary) { t.type = "scatter"; t.mode = "lines+markers"; }
      else { t.type = "bar"; t.textposition = "none"; }
      if (horizontal) { t.orientation = "h"; t.y = labels; t.x = s.values; if (secondary) { t.xaxis = "x2"; } }
      else { t.x = labels; t.y = s.values; if (secondary) { t.yaxis = "y2"; } }
      out.push(t);
    });
    rates.forEach(function (s, i) {
      var t = {type: "scatter", mode: "lines+markers", name: s.label,
               text: s.values.map(function (v) { return fmt(v, "percent"); }),
               hovertemplate: "%{text}<extra>" + s.label.replace(/</g, "") + "</extra>",
               line: {dash: "dot", color: COLORS[(measures.length + i) % COLORS.length]}};
      if (horizontal) { t.y = labels; t.x = s.values; t.xaxis = "x3"; } else { t.x = labels; t.y = s.values; t.yaxis = "y3"; }
      out.push(t);
    });
    return out;
  }

  function layout(chart, config) {
    var symbol = currencySymbol(config, chart.currency);
    var measures = chart.series.filter(function (s) { return s.format !== "percent"; });
    var money = measures.some(function (s) { return s.format === "money"; });
    var mixed = money && measures.some(function (s) { return s.format !== "money"; });
    var rates = chart.series.some(function (s) { return s.format === "percent"; });
    var valueAxis = {tickprefix: money ? symbol : "", tickformat: ",~s", separatethousands: true, automargin: true,
                     title: {text: money ? config.text.amount + " (" + chart.currency + ")" : config.text.count}};
    if (money) { valueAxis.tickformat = ",.0f"; }
    var second = {overlaying: null, side: "right", showgrid: false, tickformat: ",d", automargin: true,
                  title: {text: config.text.count}};
    var third = {side: "right", showgrid: false, tickformat: ".0%", rangemode: "tozero", automargin: true,
                 title: {text: config.text.rate}, anchor: "free", position: 1};
    var l = {margin: {l: 10, r: 10, t: 10, b: 10}, height: 320, separators: ".,", barmode: "group",
             legend: {orientation: "h", y: -0.2}, font: {family: "inherit", size: 12}, hovermode: "closest",
             paper_bgcolor: "rgba(0,0,0,0)", plot_bgcolor: "rgba(0,0,0,0)"};
    if (chart.chart === "hbar") {
      l.height = Math.max(320, 28 * chart.categories.length + 80);
      l.xaxis = valueAxis; l.yaxis = {autorange: "reversed", automargin: true};
      if (mixed) { second.overlaying = "x"; second.side = "top"; l.xaxis2 = second; }
      if (rates) { third.overlaying = "x"; third.side = "top"; l.xaxis3 = third; }
    } else if (chart.chart !== "pie" && chart.chart !== "funnel") {
      l.yaxis = valueAxis; l.xaxis = {automargin: true, type: "category"};
      if (mixed) { second.overlaying = "y"; l.yaxis2 = second; }
      if (rates) { third.overlaying = "y"; l.yaxis3 = third; }
    } else if (chart.chart === "funnel") {
      l.yaxis = {automargin: true};
    }
    return l;
  }

  function draw(el, chart, config) {
    if (!window.Plotly) { el.textContent = config.text.failed; return; }
    var empty = !chart.series.some(function (s) { return s.values.some(function (v) { return v; }); });
    var options = {responsive: true, displaylogo: false, locale: config.locale,
                   modeBarButtonsToRemove: ["select2d", "lasso2d"],
                   toImageButtonOptions: {format: "png", filename: chart.key, scale: 2}};
    window.Plotly.newPlot(el, traces(chart, config), layout(chart, config), options).then(function () {
      el.setAttribute("data-drawn", "1");
      if (empty) {
        var note = document.createElement("p");
        note.className = "text-muted crm-chart-empty";
        note.textContent = config.text.empty;
        el.parentNode.insertBefore(note, el);
      }
    });
    el.on("plotly_click", function (event) {
      if (!event || !event.points || !event.points.length) { return; }
      var p = event.points[0];
      var index = p.pointIndex !== undefined ? p.pointIndex : p.pointNumber;
      if (Array.isArray(index)) { index = index[0]; }
      var category = chart.categories[index];
      if (category && category.url) { window.location.href = category.url; }
    });
    el.title = config.text.open_list;
  }

  function drawAll(charts, config) {
    charts.forEach(function (chart) {
      if (chart.chart === "table") { return; }
      var el = document.getElementById("chart-" + chart.key);
      if (el) { draw(el, chart, config); }
    });
  }

  function bindImages() {
    Array.prototype.forEach.call(document.querySelectorAll(".crm-save-image"), function (button) {
      button.addEventListener("click", function () {
        var el = document.getElementById("chart-" + button.getAttribute("data-chart"));
        if (el && window.Plotly) {
          window.Plotly.downloadImage(el, {format: "png", filename: button.getAttribute("data-chart"), scale: 2});
        }
      });
    });
  }

  function bindPeriod() {
    var period = document.getElementById("an-period");
    var custom = document.querySelector(".crm-custom-period");
    if (!period || !custom) { return; }
    var sync = function () { custom.style.display = period.value === "custom" ? "" : "none"; };
    period.addEventListener("change", sync);
    sync();
  }

  // -- chart builder --------------------------------------------------------------------------------
  function option(value, label) {
    var o = document.createElement("option");
    o.value = value; o.textContent = label;
    return o;
  }

  function checkbox(name, value, label, checked) {
    var wrap = document.createElement("label");
    wrap.className = "checkbox-inline crm-check";
    var input = document.createElement("input");
    input.type = "checkbox"; input.name = name; input.value = value; input.checked = !!checked;
    wrap.appendChild(input);
    wrap.appendChild(document.createTextNode(" " + label));
    return wrap;
  }

  function bindBuilder(data) {
    var form = document.getElementById("crm-builder");
    if (!form) { return; }
    var cat = data.catalogue;
    var entity = form.querySelector("[name=entity]");
    var groupBy = form.querySelector("[name=group_by]");
    var dateField = form.querySelector("[name=date_field]");
    var measures = document.getElementById("builder-measures");
    var filters = document.getElementById("builder-filters");
    var previous = data.form || {};

    function fill() {
      var e = cat[entity.value];
      groupBy.innerHTML = ""; dateField.innerHTML = ""; measures.innerHTML = ""; filters.innerHTML = "";
      groupBy.appendChild(option("", data.text.no_grouping));
      e.dimensions.forEach(function (d) { groupBy.appendChild(option(d[0], d[1])); });
      e.dates.forEach(function (d) { groupBy.appendChild(option(d[0], d[1] + " " + data.text.by_date)); });
      dateField.appendChild(option("", data.text.all_time));
      e.dates.forEach(function (d) { dateField.appendChild(option(d[0], d[1])); });
      e.measures.forEach(function (m, i) {
        measures.appendChild(checkbox("measures", m[0], m[1], (previous.measures || ["count"]).indexOf(m[0]) >= 0 || (!previous.measures && i === 0)));
      });
      e.conditions.forEach(function (c) {
        filters.appendChild(checkbox("filters", c[0], c[1], (previous.filters || []).indexOf(c[0]) >= 0));
      });
      if (previous.group_by) { groupBy.value = previous.group_by; }
      if (previous.date_field !== undefined) { dateField.value = previous.date_field; } else { dateField.value = "created_at"; }
      previous = {};
      syncBucket();
    }
    function syncBucket() {
      var isDate = cat[entity.value].dates.some(function (d) { return d[0] === groupBy.value; });
      document.getElementById("builder-bucket").style.display = isDate ? "" : "none";
    }
    entity.addEventListener("change", fill);
    groupBy.addEventListener("change", syncBucket);
    fill();

    document.getElementById("builder-preview").addEventListener("click", function () {
      var params = new URLSearchParams(new FormData(form));
      params.delete("csrf_token");
      if (!params.get("date_field")) { params.delete("date_field"); }
      var box = document.getElementById("builder-result");
      var message = document.getElementById("builder-message");
      message.textContent = "";
      fetch(data.preview + "?" + params.toString(), {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.json().then(function (body) { return {ok: r.ok, body: body}; }); })
        .then(function (res) {
          if (!res.ok) { message.textContent = res.body.message || data.config.text.failed; box.innerHTML = ""; return; }
          box.innerHTML = "";
          var el = document.createElement("div");
          el.className = "crm-chart"; el.id = "chart-preview";
          box.appendChild(el);
          var chart = res.body;
          if (chart.chart === "table") { chart.chart = "bar"; }
          draw(el, chart, data.config);
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var node = document.getElementById("crm-analytics-data");
    if (!node) { return; }
    var data = JSON.parse(node.textContent);
    if (window.Plotly && data.config.lang === "zh") { window.Plotly.register(ZH); }
    drawAll(data.charts || [], data.config);
    bindImages();
    bindPeriod();
    bindBuilder(data);
  });
}());
