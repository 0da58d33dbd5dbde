"""Wire contracts: the versioned, frozen messages complaint-events puts on Kafka.

Every message has a pydantic model named ``<Name>V<n>``; the JSON Schema files
in ``schemas/`` are generated from these models (:mod:`.schema_files`) and
checked in, so a change that would break an old consumer fails the build.
Stored domain events become published messages through one translator
(:mod:`.translator`).
"""

from complaint_events.contracts.events import ContractError

__all__ = ["ContractError"]
