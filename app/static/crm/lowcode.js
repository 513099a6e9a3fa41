// Low-code: the list's column chooser joins the ticked columns into one `cols` argument.
$(function () {
  $("form.crm-columns-form").on("submit", function () {
    var names = $(this).find("input.crm-column-choice:checked").map(function () { return this.value; }).get();
    $(this).find("input[name=cols]").val(names.join(","));
  });
  // custom-field admin: choices are only asked for the choice types, the linked record type for links
  function toggleKind() {
    var kind = $("#crm-cf-kind").val();
    $(".crm-cf-choices").toggleClass("hidden", kind !== "choice" && kind !== "multi_choice");
    $(".crm-cf-link").toggleClass("hidden", kind !== "link");
  }
  if ($("#crm-cf-kind").length) { $("#crm-cf-kind").on("change", toggleKind); toggleKind(); }
});
