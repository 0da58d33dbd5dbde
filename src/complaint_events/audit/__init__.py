"""What auditors use: case histories, hash-chain verification, dossiers.

:mod:`.verify` checks hash chains (pure); :mod:`.history` says who did what,
when and why (pure); :mod:`.dossier` writes and checks self-contained exports
(pure); :mod:`.sources` reads the chains from the event store and the topic.
"""
