"""Limits on what one request may ask, so no client can make the server work without end.

* depth: nesting of selections, counting introspection fields too (strawberry's own
  limiter skips them, and introspection types nest without end);
* aliases: counted over the whole document; tokens: strawberry's limiter (parsing stops);
* page size (``first``): checked where pages are cut (api/inputs.py);
* request body size: checked before anything is read (api/cache.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
)
from strawberry.extensions import AddValidationRules, MaxTokensLimiter, SchemaExtension

from api.settings import Settings


def depth_rule(max_depth: int) -> type[ValidationRule]:
    """A validation rule refusing operations nested deeper than ``max_depth`` fields."""

    class MaxDepth(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            fragments = {
                d.name.value: d for d in self.context.document.definitions
                if isinstance(d, FragmentDefinitionNode)
            }
            depth = _depth(node.selection_set, fragments, {})
            if depth > max_depth:
                name = node.name.value if node.name else "anonymous"
                self.report_error(GraphQLError(
                    f"Operation '{name}' is nested {depth} levels deep; the limit is {max_depth}",
                    node, extensions={"code": "QUERY_TOO_DEEP"},
                ))

    return MaxDepth


def alias_rule(max_aliases: int) -> type[ValidationRule]:
    """A validation rule refusing documents with more than ``max_aliases`` aliased fields."""

    class MaxAliases(ValidationRule):
        count = 0

        def enter_field(self, node: FieldNode, *_: Any) -> None:
            if node.alias is not None:
                self.count += 1
                if self.count == max_aliases + 1:
                    self.report_error(GraphQLError(
                        f"More than {max_aliases} aliases in one document", node,
                        extensions={"code": "TOO_MANY_ALIASES"},
                    ))

    return MaxAliases


def _depth(selection_set: SelectionSetNode | None, fragments: dict[str, FragmentDefinitionNode],
           known: dict[str, int]) -> int:
    """The deepest nesting of fields under a selection set. Each fragment's depth is
    worked out once (``known``): walking a fragment again at every spread would take
    time exponential in a chain of fragments that each spread the next twice."""
    if selection_set is None:
        return 0
    deepest = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            deepest = max(deepest, 1 + _depth(selection.selection_set, fragments, known))
        elif isinstance(selection, InlineFragmentNode):
            deepest = max(deepest, _depth(selection.selection_set, fragments, known))
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            if name in fragments and name not in known:
                known[name] = 0  # in progress: a cycle (refused by validation) adds nothing
                known[name] = _depth(fragments[name].selection_set, fragments, known)
            deepest = max(deepest, known.get(name, 0))
    return deepest


class OperationNameRequired(SchemaExtension):
    """A document of several operations must say which to run (GraphQL spec, 6.1):
    strawberry would otherwise run the first one."""

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        document = context.graphql_document
        if document is not None and getattr(context, "_provided_operation_name", None) is None:
            operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
            if len(operations) > 1:
                context.pre_execution_errors = [*(context.pre_execution_errors or []), GraphQLError(
                    "This document has several operations: send operationName to say which to run",
                    extensions={"code": "GRAPHQL_VALIDATION_FAILED"},
                )]
        yield


def limit_extensions(settings: Settings) -> list[Callable[[], SchemaExtension]]:
    """Zero-argument factories: each request gets its own extension instances. Listed
    after the validation cache, whose result OperationNameRequired adds to."""
    rules = [depth_rule(settings.max_query_depth), alias_rule(settings.max_aliases)]
    return [
        lambda: AddValidationRules(rules),
        lambda: MaxTokensLimiter(max_token_count=settings.max_tokens),
        OperationNameRequired,
    ]


