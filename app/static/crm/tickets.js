// Ticket list: a whole row turns red when the ticket is overdue.
$(function () {
  $(".crm-sla-overdue").closest("tr").addClass("crm-row-overdue");
});
