// Home 主页 grid (drag to reorder), the reminder bell 活动提醒, recently viewed 最近访问 and the
// note box 便签 on show pages. Plain JS + FAB's jQuery/Bootstrap; no inline handlers (strict CSP).
(function () {
  "use strict";

  function post(url, data, csrf) {
    var body = new FormData();
    Object.keys(data).forEach(function (k) { body.append(k, data[k]); });
    if (csrf) { body.append("csrf_token", csrf); }
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": csrf || "" }
    });
  }

  // -- the bell: a light poll while the person is around -----------------------------------------
  var bell = document.getElementById("crm-bell");
  if (bell) {
    var lastActivity = Date.now();
    var IDLE_MS = 20 * 60 * 1000;  // stop polling when idle, so the session's idle timeout still works
    ["mousemove", "keydown", "click", "scroll", "touchstart"].forEach(function (name) {
      document.addEventListener(name, function () { lastActivity = Date.now(); }, { passive: true });
    });
    var countEl = bell.querySelector(".crm-bell-count");
    var itemsEl = bell.querySelector(".crm-bell-items");
    var refresh = function () {
      return fetch(bell.dataset.url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) { return; }
          countEl.textContent = data.count > 99 ? "99+" : String(data.count);
          countEl.classList.toggle("hidden", !data.count);
          bell.classList.toggle("crm-bell-ringing", data.count > 0);
          itemsEl.innerHTML = data.html;
        })
        .catch(function () { /* offline for a moment: try again at the next tick */ });
    };
    refresh();
    setInterval(function () {
      if (!document.hidden && Date.now() - lastActivity < IDLE_MS) { refresh(); }
    }, 60 * 1000);
    itemsEl.addEventListener("click", function (event) {
      var button = event.target.closest(".crm-bell-dismiss, .crm-bell-snooze");
      if (!button) { return; }
      event.preventDefault();
      event.stopPropagation();  // keep the menu open
      var data = button.dataset.minutes ? { minutes: button.dataset.minutes } : {};
      button.disabled = true;
      post(button.dataset.url, data, bell.dataset.csrf).then(refresh);
    });
  }

  // -- recently viewed: fetched when the menu opens ----------------------------------------------
  var recentMenu = document.getElementById("crm-recent");
  if (recentMenu && window.jQuery) {
    window.jQuery(recentMenu).on("show.bs.dropdown", function () {
      fetch(recentMenu.dataset.url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { recentMenu.querySelector(".crm-recent-items").innerHTML = html; });
    });
  }

  // -- the note box: saves without leaving the page ------------------------------------------------
  document.querySelectorAll("form.crm-note-form").forEach(function (form) {
    var panel = form.closest(".crm-timeline-panel");
    var message = form.querySelector(".crm-note-message");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var button = form.querySelector("button[type=submit]");
      button.disabled = true;
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "Accept": "application/json" }
      })
        .then(function (r) { return r.json().catch(function () { return { ok: false, message: r.statusText }; }); })
        .then(function (data) {
          message.textContent = data.message || "";
          message.className = "crm-note-message " + (data.ok ? "text-success" : "text-danger");
          if (data.ok) {
            form.querySelector("textarea").value = "";
            panel.querySelector(".crm-timeline").innerHTML = data.html;
          }
        })
        .finally(function () { button.disabled = false; });
    });
  });

  // -- the home grid: drag a widget onto another to move it there ----------------------------------
  var grid = document.getElementById("crm-grid");
  if (grid && grid.dataset.orderUrl) {
    var dragged = null;
    grid.addEventListener("dragstart", function (event) {
      dragged = event.target.closest(".crm-widget");
      if (dragged) { dragged.classList.add("crm-dragging"); event.dataTransfer.effectAllowed = "move"; }
    });
    grid.addEventListener("dragend", function () {
      if (dragged) { dragged.classList.remove("crm-dragging"); }
      dragged = null;
    });
    grid.addEventListener("dragover", function (event) {
      if (dragged) { event.preventDefault(); }
    });
    grid.addEventListener("drop", function (event) {
      var target = event.target.closest(".crm-widget");
      if (!dragged || !target || target === dragged) { return; }
      event.preventDefault();
      var widgets = Array.prototype.slice.call(grid.querySelectorAll(".crm-widget"));
      var before = widgets.indexOf(target) < widgets.indexOf(dragged);
      grid.insertBefore(dragged, before ? target : target.nextSibling);
      var ids = Array.prototype.map.call(grid.querySelectorAll(".crm-widget"), function (w) { return w.dataset.id; });
      post(grid.dataset.orderUrl, { ids: ids.join(",") }, grid.dataset.csrf).then(function (r) {
        if (!r.ok) { window.location.reload(); }
      });
    });
  }
})();
