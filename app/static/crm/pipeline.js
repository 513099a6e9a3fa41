/* Pipeline board 销售漏斗看板: drag a card to another stage (or pick one from its "Move to…" menu),
   confirm the amount for won / the reason for lost, and "load more" per column. No libraries beyond
   the jQuery + Bootstrap that Flask-AppBuilder already serves (for the modal). */
(function () {
  "use strict";
  var root = document.getElementById("crm-pipeline");
  if (!root) { return; }
  var text = JSON.parse(document.getElementById("crm-pipe-text").textContent);
  var filters = JSON.parse(root.dataset.filters || "{}");
  var alertBox = root.querySelector(".crm-pipe-alert");
  var modal = document.getElementById("crm-pipe-modal");
  var modalForm = document.getElementById("crm-pipe-modal-form");
  var dragged = null;   // {card, origin, next} while a drag is under way
  var pending = null;   // the move waiting for the modal's answer

  function column(stageId) { return root.querySelector('.crm-pipe-col[data-stage="' + stageId + '"]'); }
  function cardsOf(col) { return col.querySelector(".crm-pipe-cards"); }
  function bump(col, delta) { col.dataset.loaded = String(Math.max(0, Number(col.dataset.loaded || 0) + delta)); }

  function say(message, kind) {
    alertBox.innerHTML = "";
    if (!message) { return; }
    var div = document.createElement("div");
    div.className = "alert alert-" + (kind || "danger");
    div.textContent = message;
    alertBox.appendChild(div);
  }

  function query(extra) {
    var params = new URLSearchParams();
    Object.keys(filters).forEach(function (k) { params.set(k, filters[k]); });
    Object.keys(extra || {}).forEach(function (k) { params.set(k, extra[k]); });
    return params;
  }

  // -- moving ------------------------------------------------------------------------------------
  function place(card, col) {
    var list = cardsOf(col);
    list.insertBefore(card, list.firstChild);
  }

  function snapBack(move) {
    if (move.next && move.next.parentNode === cardsOf(move.origin)) {
      cardsOf(move.origin).insertBefore(move.card, move.next);
    } else {
      cardsOf(move.origin).appendChild(move.card);
    }
    bump(move.origin, 1);
    bump(move.target, -1);
    move.card.classList.remove("crm-pipe-saving");
    resetMenu(move.card);
  }

  function resetMenu(card) {
    var menu = card.querySelector(".crm-pipe-move");
    if (menu) { menu.value = ""; }
  }

  function requestMove(card, target) {
    var origin = card.closest(".crm-pipe-col");
    if (!origin || origin === target) { resetMenu(card); return; }
    var move = { card: card, origin: origin, target: target, next: card.nextElementSibling };
    place(card, target);  // shown where it was dropped; a refusal puts it back
    bump(origin, -1);
    bump(target, 1);
    say("");
    var kind = target.dataset.kind;
    if (kind === "won" || kind === "lost") {
      askDetails(move, kind);
    } else {
      send(move, {});
    }
  }

  function askDetails(move, kind) {
    pending = move;
    modal.querySelector(".crm-pipe-won-part").hidden = kind !== "won";
    modal.querySelector(".crm-pipe-lost-part").hidden = kind !== "lost";
    modal.querySelector(".crm-pipe-modal-error").textContent = "";
    document.getElementById("crm-pipe-modal-title").textContent =
      (kind === "won" ? text.won_title : text.lost_title) + " · " + (move.card.querySelector(".crm-pipe-name").textContent);
    document.getElementById("crm-pipe-amount").value = move.card.dataset.amount || "";
    document.getElementById("crm-pipe-reason").value = "";
    window.jQuery(modal).modal("show");
  }

  modalForm.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!pending) { return; }
    var kind = pending.target.dataset.kind;
    var details = {};
    var error = modal.querySelector(".crm-pipe-modal-error");
    if (kind === "won") {
      details.amount = document.getElementById("crm-pipe-amount").value;
      if (details.amount === "") { error.textContent = text.need_amount; return; }
    } else {
      details.lost_reason = document.getElementById("crm-pipe-reason").value;
      if (!details.lost_reason) { error.textContent = text.need_reason; return; }
    }
    var move = pending;
    pending = null;
    window.jQuery(modal).modal("hide");
    send(move, details);
  });

  window.jQuery(modal).on("hidden.bs.modal", function () {
    if (pending) { snapBack(pending); pending = null; }  // cancelled: the card goes home
  });

  function send(move, details) {
    var body = query(details);
    body.set("stage", move.target.dataset.stage);
    body.set("version", move.card.dataset.version);
    move.card.classList.add("crm-pipe-saving");
    var url = root.dataset.moveUrl.replace(/0$/, move.card.dataset.id);
    fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": root.dataset.csrf }
    }).then(function (response) {
      return response.json().catch(function () { return { ok: false, message: text.failed }; });
    }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.message || text.failed); }
      move.card.classList.remove("crm-pipe-saving");
      move.card.dataset.version = answer.version;
      move.card.querySelector(".crm-pipe-amount").textContent = answer.amount;
      resetMenu(move.card);
      totals(answer.columns);
      say(answer.message, "success");
    }).catch(function (error) {
      snapBack(move);
      say(error && error.message ? error.message : text.failed);
    });
  }

  function totals(columns) {
    columns.forEach(function (c) {
      var col = column(c.stage);
      if (!col) { return; }
      col.querySelector(".crm-pipe-count").textContent = c.count.toLocaleString();
      var sum = col.querySelector(".crm-pipe-sum");
      sum.innerHTML = "";
      c.amounts.forEach(function (a) { var s = document.createElement("span"); s.textContent = a; sum.appendChild(s); });
    });
  }

  // -- drag and drop (mouse; touch devices use the card's menu) -----------------------------------
  root.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".crm-pipe-card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    card.classList.add("crm-pipe-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.dataset.id);
  });
  root.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("crm-pipe-dragging"); }
    dragged = null;
    root.querySelectorAll(".crm-pipe-over").forEach(function (c) { c.classList.remove("crm-pipe-over"); });
  });
  root.addEventListener("dragover", function (event) {
    var col = dragged && event.target.closest && event.target.closest(".crm-pipe-col");
    if (!col) { return; }
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    root.querySelectorAll(".crm-pipe-over").forEach(function (c) { if (c !== col) { c.classList.remove("crm-pipe-over"); } });
    col.classList.add("crm-pipe-over");
  });
  root.addEventListener("drop", function (event) {
    var col = dragged && event.target.closest && event.target.closest(".crm-pipe-col");
    if (!col) { return; }
    event.preventDefault();
    col.classList.remove("crm-pipe-over");
    var card = dragged;
    dragged = null;
    card.classList.remove("crm-pipe-dragging");
    requestMove(card, col);
  });

  // -- the tap alternative: each card's "Move to…" menu ----------------------------------------------
  root.addEventListener("change", function (event) {
    if (!event.target.classList.contains("crm-pipe-move") || !event.target.value) { return; }
    var card = event.target.closest(".crm-pipe-card");
    var target = column(event.target.value);
    if (card && target) { requestMove(card, target); }
  });

  // -- load more ---------------------------------------------------------------------------------------
  root.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest(".crm-pipe-more");
    if (!button) { return; }
    var col = button.closest(".crm-pipe-col");
    button.disabled = true;
    var params = query({ stage: col.dataset.stage, offset: col.dataset.loaded || 0 });
    fetch(root.dataset.cardsUrl + "?" + params.toString(), {
      credentials: "same-origin", headers: { "Accept": "application/json" }
    }).then(function (r) { return r.json(); }).then(function (answer) {
      if (!answer.ok) { throw new Error(answer.message || text.failed); }
      var holder = document.createElement("div");
      holder.innerHTML = answer.html;
      var list = cardsOf(col);
      Array.prototype.slice.call(holder.querySelectorAll(".crm-pipe-card")).forEach(function (card) {
        if (!root.querySelector('.crm-pipe-card[data-id="' + card.dataset.id + '"]')) { list.appendChild(card); }
      });
      bump(col, answer.count);
      button.hidden = !answer.more;
      button.disabled = false;
    }).catch(function (error) {
      button.disabled = false;
      say(error && error.message ? error.message : text.failed);
    });
  });
})();
