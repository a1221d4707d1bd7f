"""Storing decisions as events, and projecting them into read models.

``events`` adapts the domain to the ``eventsourcing`` library (the application service,
transcodings) and to SQL (the read model, its projector). It depends on ``domain``
and never on ``api``.
"""
