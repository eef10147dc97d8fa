"""E-mailing the payment document to residents (issue 11, «Отправить по email»)."""
