"""The domain: recap cleaning, drafting, slot arithmetic, post states and error types.

Nothing here imports Telegram, Facebook or database code, so it is tested fast and alone.
"""
