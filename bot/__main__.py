"""``python -m bot`` is ``goodnews``."""

from bot.cli import main

main()
