"""Engagement: reading reactions, comments, shares and views back from the platforms
(:mod:`.collect`, :mod:`.facebook`) and showing them (:mod:`.query` for every screen,
:mod:`.show` for `goodnews stats`). Arithmetic lives in :mod:`bot.domain.engagement`,
storage in :mod:`bot.storage.metrics`."""
