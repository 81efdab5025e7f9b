"""The web dashboard (``goodnews web``, ``goodnews run --web``): the calendar, each post as
it will look, approvals, recaps, the compliance report and the audit log, behind Telegram
login. Pages are rendered on the server; htmx (vendored in ``static/``) swaps them in."""
