// "Select all N records matching this filter" (批量操作): FAB ticks the rows of one page only.
// After "select all on page", a banner offers the whole filter; the action form then sends the
// list's query string and selection=filter instead of ids, and the server re-applies the filter.
$(function () {
  var $banner = $(".crm-select-all");
  if (!$banner.length) { return; }
  var byFilter = false;

  function allTicked() {
    var $boxes = $("input.action_check");
    return $boxes.length > 0 && $boxes.filter(":checked").length === $boxes.length;
  }
  function show(filterMode) {
    byFilter = filterMode;
    $banner.find(".crm-select-page").toggleClass("hidden", filterMode);
    $banner.find(".crm-select-filter").toggleClass("hidden", !filterMode);
  }
  function refresh() {
    if (allTicked()) {
      $banner.removeClass("hidden");
    } else {
      $banner.addClass("hidden");
      show(false);
    }
  }

  $(document).on("change click", "input.action_check, input.action_check_all", function () {
    window.setTimeout(refresh, 0);  // after FAB's own handler has ticked the rows
  });
  $banner.on("click", ".crm-select-matching", function (event) {
    event.preventDefault();
    show(true);
  });
  $banner.on("click", ".crm-select-clear", function (event) {
    event.preventDefault();
    $("input.action_check, input.action_check_all").prop("checked", false).trigger("change");
    show(false);
    $banner.addClass("hidden");
  });
  $(document).on("submit", "#action_form", function () {
    var $form = $(this);
    $form.find("input[name=selection]").remove();
    // the list's query string travels along: the filter to apply, and where to come back to
    $form.attr("action", ($form.attr("action") || "").split("?")[0] + window.location.search);
    if (byFilter) {
      $form.append($("<input>", { type: "hidden", name: "selection", value: "filter" }));
    }
  });
});
