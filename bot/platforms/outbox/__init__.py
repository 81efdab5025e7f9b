"""The dry run: what would be sent, written to files instead (:mod:`.publisher`)."""
