/* Draw every figure of the custseg report from its JSON block; no network access. */
(function () {
  "use strict";
  var template = {};
  try {
    template = JSON.parse(document.getElementById("cs-template").textContent || "{}");
  } catch (err) { template = {}; }
  var config = { displaylogo: false, responsive: true, scrollZoom: false,
                 modeBarButtonsToRemove: ["sendDataToCloud", "select2d", "lasso2d"] };
  function draw(node) {
    var block = document.getElementById(node.getAttribute("data-figure"));
    if (!block) { return; }
    try {
      var figure = JSON.parse(block.textContent);
      var layout = figure.layout || {};
      layout.template = template;
      window.Plotly.newPlot(node, figure.data || [], layout, config);
    } catch (err) {
      node.textContent = "This figure could not be drawn: " + err.message;
      node.className += " plot-error";
      throw err;
    }
  }
  var nodes = document.querySelectorAll("div.plot[data-figure]");
  for (var i = 0; i < nodes.length; i++) { draw(nodes[i]); }
})();
