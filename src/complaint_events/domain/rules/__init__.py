"""The rules of the complaint process as pure functions of facts and the clock's date.

Triage, liability, remedies and statutory compensation live here; each cites the
legal or platform rule it encodes through :mod:`.references`.
"""
