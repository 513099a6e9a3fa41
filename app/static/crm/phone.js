// On a phone (issue 11): list tables become cards. Each cell gets its column's header as
// data-label (phone.css shows it before the value); on wide screens the tables look as before.
(function () {
  "use strict";
  var LISTS = ".crm-records table.table, .crm-widget table.table, .crm-todo-table, .crm-ticket-list table.table";

  function label(table) {
    if (table.classList.contains("crm-cards")) { return; }
    var heads = table.querySelectorAll("thead th");
    if (!heads.length) { return; }
    var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
    Array.prototype.forEach.call(table.querySelectorAll("tbody > tr"), function (row) {
      Array.prototype.forEach.call(row.children, function (cell, i) {
        if (!cell.hasAttribute("data-label")) { cell.setAttribute("data-label", names[i] || ""); }
      });
    });
    table.classList.add("crm-cards");
  }

  function labelAll(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(LISTS), label);
  }

  function foldPanel() {
    var panel = document.querySelector(".crm-panel");
    if (!panel || !window.matchMedia("(max-width: 767px)").matches) { return; }
    if (!panel.querySelector(".crm-quick, .crm-facet")) { return; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-default crm-panel-toggle";
    button.setAttribute("aria-expanded", "false");
    button.innerHTML = '<i class="fa fa-sliders-h"></i> ';
    button.appendChild(document.createTextNode(panel.getAttribute("aria-label") || ""));
    panel.classList.add("crm-folded");
    panel.insertBefore(button, panel.firstChild);
    button.addEventListener("click", function () {
      var folded = panel.classList.toggle("crm-folded");
      button.setAttribute("aria-expanded", folded ? "false" : "true");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    labelAll(document);
    foldPanel();
    // widgets and timelines load parts of the page later
    if (window.MutationObserver) {
      new MutationObserver(function (changes) {
        changes.forEach(function (change) {
          Array.prototype.forEach.call(change.addedNodes, function (node) {
            if (node.nodeType === 1) { labelAll(node.parentNode || node); }
          });
        });
      }).observe(document.body, { childList: true, subtree: true });
    }
  });
})();
