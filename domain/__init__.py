"""The rules and facts of state-approved CTE industry certifications.

Plain Python: the only framework imported here is ``eventsourcing.domain``, which is
our modelling toolkit. Storage, projections and GraphQL live in ``events/`` and ``api/``.
"""
