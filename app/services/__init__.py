"""The CRM's verbs. Plain arguments in, models out; each service owns its transaction."""
