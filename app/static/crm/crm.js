// Relationship pickers: select2 searching the server as the user types (never the whole table).
$(function () {
  $("select.crm-picker").each(function () {
    var $el = $(this);
    $el.select2({
      theme: "bootstrap",
      allowClear: true,
      placeholder: $el.data("placeholder") || "",
      minimumInputLength: 0,
      ajax: {
        url: $el.data("url"),
        dataType: "json",
        delay: 250,
        data: function (params) { return { q: params.term || "" }; },
        processResults: function (data) { return { results: data.results }; }
      }
    });
  });
});

// Left-hand panel: a facet applies as soon as it is chosen.
$(function () {
  $(".crm-panel-form select.crm-facet").on("change", function () {
    this.form.submit();
  });
});

// Forms that destroy something ask first.
$(function () {
  $("form.crm-confirm").on("submit", function (event) {
    if (!window.confirm($(this).data("confirm"))) { event.preventDefault(); }
  });
});
