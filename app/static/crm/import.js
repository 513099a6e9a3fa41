// Import progress: poll the batch's status (JSON from the database) and move the bar; reload for the report.
$(function () {
  var $box = $(".crm-import-progress[data-running='true']");
  if (!$box.length) { return; }
  var url = $box.data("status-url");
  var $bar = $box.find(".progress-bar");
  function poll() {
    $.ajax({ url: url, dataType: "json", cache: false }).done(function (state) {
      $bar.css("width", state.percent + "%").attr("aria-valuenow", state.percent).text(state.percent + "%");
      $box.find(".crm-import-phase").text(state.status_label);
      $box.find(".crm-import-processed").text(state.processed.toLocaleString());
      if (state.done) {
        window.location.reload();
      } else {
        window.setTimeout(poll, 700);
      }
    }).fail(function () { window.setTimeout(poll, 2000); });
  }
  window.setTimeout(poll, 300);
});
