"""The GraphQL API (strawberry on Starlette) and the ``certledger`` command line."""
