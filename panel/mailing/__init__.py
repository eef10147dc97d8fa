"""«Отправить по email»: the letters, the send runs and their journal, the bounces that come back."""
