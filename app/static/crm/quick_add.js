// Quick add 快速录入 from the navbar, and sources filtered by channel on every lead form.
(function () {
  "use strict";

  // -- sources follow the chosen channel (quick add, and the lead add/edit forms) -------------
  function filterSources($channel, $source, all) {
    var channel = $channel.val();
    var current = $source.val();
    if ($source.data("blank") === undefined) {  // FAB's empty choice is "__None", ours ""
      var $first = $source.find("option").first();
      var isSource = all.some(function (s) { return String(s.id) === $first.val(); });
      $source.data("blank", $first.length && !isSource ? $first.val() : "");
    }
    $source.find("option").remove();
    $source.append($("<option>", { value: $source.data("blank"), text: "—" }));
    var kept = false;
    $.each(all, function (_, s) {
      if (s.channel === channel) {
        $source.append($("<option>", { value: s.id, text: s.label, "data-channel": s.channel }));
        if (String(s.id) === String(current)) { kept = true; }
      }
    });
    $source.val(kept ? current : $source.data("blank")).trigger("change.select2");
  }

  function optionsOf($source) {
    return $source.find("option[data-channel]").map(function () {
      return { id: this.value, label: $(this).text(), channel: $(this).data("channel") };
    }).get();
  }

  function bindChannel($form, $channel, $source, all) {
    filterSources($channel, $source, all);
    $channel.on("change", function () {
      filterSources($channel, $source, all);
      var referral = $channel.val() === "referral";
      $form.find(".crm-referral-only").toggleClass("hidden", !referral);
      if (!referral) { $form.find(".crm-referral-only select").val("").trigger("change"); }
    });
    $form.find(".crm-referral-only").toggleClass("hidden", $channel.val() !== "referral");
  }

  // the lead form FAB renders: <select id="channel"> and <select id="source">
  $(function () {
    var $channel = $("form select#channel"), $source = $("form select#source");
    var url = $("#crm-quick-add-btn").data("sources-url");
    if (!$channel.length || !$source.length || !url) { return; }
    $.getJSON(url).done(function (data) {
      bindChannel($channel.closest("form"), $channel, $source, data.sources);
    });
  });

  // -- the quick-add modal ------------------------------------------------------------------
  var $modal, $body, loaded = false;

  function pageNotice(html) {
    var $target = $(".container").filter(function () { return !$(this).closest(".navbar").length; }).first();
    $target.find(".crm-qa-success").remove();
    $target.prepend($("<div>", { "class": "alert alert-success crm-qa-success", role: "status" }).html(html));
  }

  function clearErrors($form) {
    $form.find(".has-error").removeClass("has-error");
    $form.find(".crm-qa-error").remove();
    $form.find(".crm-qa-general, .crm-qa-duplicates").addClass("hidden");
  }

  function showErrors($form, errors) {
    $.each(errors, function (field, message) {
      var $group = $form.find("[data-field='" + field + "']");
      if (!$group.length) {
        $form.find(".crm-qa-general").text(message).removeClass("hidden");
        return;
      }
      $group.addClass("has-error").append($("<span>", { "class": "help-block crm-qa-error", text: message }));
    });
    $form.find(".has-error :input").first().trigger("focus");
  }

  function showDuplicates($form, data) {
    var $box = $form.find(".crm-qa-duplicates").removeClass("hidden");
    $box.find(".crm-qa-dup-message").text(data.message);
    var $list = $box.find(".crm-qa-dup-list").empty();
    $.each(data.duplicates, function (_, d) {
      var $item = $("<li>");
      $item.append(document.createTextNode(d.entity + " · "));
      $item.append($("<a>", { href: d.url, target: "_blank", rel: "noopener", text: d.label }));
      $item.append(document.createTextNode(" (" + d.matched + " · " + d.owner + ")"));
      $list.append($item);
    });
  }

  function save($form, force) {
    clearErrors($form);
    $form.find("input[name=force]").val(force ? "1" : "");
    var $button = $form.find(".crm-qa-save").prop("disabled", true);
    fetch($form.attr("action"), {
      method: "POST",
      body: new FormData($form[0]),
      credentials: "same-origin",
      headers: { "X-Requested-With": "XMLHttpRequest", "Accept": "application/json" }
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; },
        function () { return { status: response.status, data: { errors: { "": response.statusText } } }; });
    }).then(function (r) {
      $button.prop("disabled", false);
      if (r.status === 201) {
        var $link = $("<a>", { href: r.data.url, "class": "alert-link", text: r.data.open });
        pageNotice($("<span>").text(r.data.message + " ").append($link));
        $form.find("input[type!=hidden], textarea").val("");
        $form.find(".crm-referral-only select").val("").trigger("change");
        $modal.modal("hide");
      } else if (r.status === 409) {
        showDuplicates($form, r.data);
      } else {
        showErrors($form, r.data.errors || {});
      }
    }).catch(function () {
      $button.prop("disabled", false);
      $form.find(".crm-qa-general").text("—").removeClass("hidden");
    });
  }

  function wire() {
    var $form = $body.find("form.crm-quick-add-form");
    var $source = $form.find("select.crm-source");
    bindChannel($form, $form.find("select.crm-channel"), $source, optionsOf($source));
    $form.find("select.crm-picker").each(function () {
      var $el = $(this);
      $el.select2({
        theme: "bootstrap", allowClear: true, dropdownParent: $modal, width: "100%",
        placeholder: $el.data("placeholder") || "",
        ajax: { url: $el.data("url"), dataType: "json", delay: 250,
                data: function (p) { return { q: p.term || "" }; },
                processResults: function (d) { return { results: d.results }; } }
      });
    });
    $form.on("submit", function (event) { event.preventDefault(); save($form, false); });
    $form.on("click", ".crm-qa-force", function () { save($form, true); });
  }

  function open(event) {
    event.preventDefault();
    $modal.modal("show");
    if (loaded) { return; }
    loaded = true;
    $.get($("#crm-quick-add-btn").data("form-url")).done(function (html) {
      $body.html(html);
      wire();
      $body.find("input[name=person_name]").trigger("focus");
    }).fail(function () { loaded = false; });
  }

  $(function () {
    $modal = $("#crm-quick-add");
    if (!$modal.length) { return; }
    $modal.appendTo("body");  // out of the navbar, so the backdrop and z-index behave
    $body = $modal.find(".crm-quick-add-body");
    $("#crm-quick-add-btn").on("click", open);
    $modal.on("shown.bs.modal", function () { $body.find("input[name=person_name]").trigger("focus"); });
  });
}());
