"""Parse CEL text into the studio's syntax tree.

The grammar is cel-python's own (the `cel.lark` file it ships, from the CEL specification);
no grammar is written here. Lark's LALR parser runs it with an inline transformer, so the
studio's compact nodes are built while parsing rather than converted from a deep parse tree
afterwards: parsing a stack of hundreds of rules stays fast.

The studio accepts the part of CEL that every backend (engine, SMT solver, Rego, SQL) can
decide exactly; a construct outside it is refused here, at its column, with a reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib.resources import files
from typing import Any, cast

from lark import Lark, Token, Transformer
from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedInput,
    VisitError,
)

from studio.cel.ast import (
    Binary,
    Call,
    Comprehension,
    Conditional,
    Ident,
    ListLiteral,
    Literal,
    Node,
    Operator,
    Quantifier,
    Select,
    Unary,
)

MAX_EXPRESSION_LENGTH = 4_000
"""Longer conditions are refused: nobody reviews them in a workshop, and they slow every backend."""


@dataclass
class CelSyntaxError(Exception):
    """A syntax error or an unsupported construct, at a line and column of the expression."""

    message: str
    line: int = 1
    column: int = 1
    hint: str = ""

    def __str__(self) -> str:
        return f"{self.line}:{self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class _OperatorMark:
    """A half-built binary node from rules like `relation_lt: relation "<"`."""

    op: Operator
    left: Node


_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_ESCAPE = re.compile(r"\\(?:([abfnrtv\\'\"`?])|x([0-9a-fA-F]{2})|u([0-9a-fA-F]{4})|U([0-9a-fA-F]{8})|([0-3][0-7]{2}))")


def _unescape(body: str) -> str:
    def replace(match: re.Match[str]) -> str:
        simple, hex2, hex4, hex8, octal = match.groups()
        if simple:
            return _ESCAPES.get(simple, simple)
        code = hex2 or hex4 or hex8
        return chr(int(code, 16)) if code else chr(int(octal, 8))

    return _ESCAPE.sub(replace, body)


def _string_value(token: Token) -> str:
    text = str(token)
    raw = text[0] in "rR"
    if raw:
        text = text[1:]
    quote = text[:3] if text[:3] in ('"""', "'''") else text[0]
    body = text[len(quote) : -len(quote)]
    return body if raw else _unescape(body)


def _at(children: list[Any]) -> dict[str, int]:
    """The position of the first child that has one.

    Lark can't hand rule positions to a transformer that runs inside the parser, so a node
    takes the position of its first token or node, which is where it starts in the text.
    """
    for child in children:
        if isinstance(child, (Node, Token)):
            return {"line": child.line or 1, "column": child.column or 1}
        if isinstance(child, _OperatorMark):
            return _at([child.left])
        if isinstance(child, list):
            return _at(child)
    return {"line": 1, "column": 1}


def _unsupported(children: list[Any], what: str, hint: str = "") -> CelSyntaxError:
    return CelSyntaxError(f"{what} is not supported in stack conditions", hint=hint, **_at(children))


_MACROS = {q.value: q for q in Quantifier}


class _Builder(Transformer[Token, Node]):
    """Builds studio nodes during the LALR parse (one method per grammar rule)."""

    def relation_lt(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.LT, children[0])

    def relation_le(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.LE, children[0])

    def relation_gt(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.GT, children[0])

    def relation_ge(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.GE, children[0])

    def relation_eq(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.EQ, children[0])

    def relation_ne(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.NE, children[0])

    def relation_in(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.IN, children[0])

    def addition_add(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.ADD, children[0])

    def addition_sub(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.SUB, children[0])

    def multiplication_mul(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.MUL, children[0])

    def multiplication_div(self, children: list[Any]) -> _OperatorMark:
        return _OperatorMark(Operator.DIV, children[0])

    def expr(self, children: list[Any]) -> Node:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        condition, then, otherwise = children
        return Conditional(condition, then, otherwise, **_at(children))

    def conditionalor(self, children: list[Any]) -> Node:
        return self._logical(Operator.OR, children)

    def conditionaland(self, children: list[Any]) -> Node:
        return self._logical(Operator.AND, children)

    def _logical(self, op: Operator, children: list[Any]) -> Node:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        left, right = children
        return Binary(op, left, right, **_at(children))

    def relation(self, children: list[Any]) -> Node:
        return self._binary(children)

    def addition(self, children: list[Any]) -> Node:
        return self._binary(children)

    def multiplication(self, children: list[Any]) -> Node:
        return self._binary(children)

    def _binary(self, children: list[Any]) -> Node:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        mark, right = children
        return Binary(mark.op, mark.left, right, **_at(children))

    def multiplication_mod(self, children: list[Any]) -> Node:
        raise _unsupported(children, "the remainder operator '%'")

    def unary(self, children: list[Any]) -> Node:
        if len(children) == 1:
            return children[0]  # type: ignore[no-any-return]
        op, operand = children
        return Unary(op, operand, **_at([operand]))

    def unary_not(self, children: list[Any]) -> Operator:
        return Operator.NOT

    def unary_neg(self, children: list[Any]) -> Operator:
        return Operator.NEG

    def member(self, children: list[Any]) -> Node:
        return children[0]  # type: ignore[no-any-return]

    def primary(self, children: list[Any]) -> Node:
        return children[0]  # type: ignore[no-any-return]

    def paren_expr(self, children: list[Any]) -> Node:
        return children[0]  # type: ignore[no-any-return]

    def member_dot(self, children: list[Any]) -> Node:
        operand, name = children
        return Select(operand, str(name), line=name.line, column=name.column)

    def member_dot_arg(self, children: list[Any]) -> Node:
        target, name = children[0], str(children[1])
        args: list[Node] = children[2] if len(children) > 2 else []
        where = {"line": children[1].line, "column": children[1].column}
        if name == "map":
            raise _unsupported(children, "the 'map' macro", "use filter(), exists() or all()")
        if name in _MACROS:
            if len(args) != 2 or not isinstance(args[0], Ident):
                raise CelSyntaxError(
                    f"{name}() takes a variable and a condition, like {name}(e, e.team == 'sales')",
                    **where,
                )
            return Comprehension(_MACROS[name], target, args[0].name, args[1], **where)
        return Call(name, tuple(args), target, **where)

    def ident_arg(self, children: list[Any]) -> Node:
        name = str(children[0])
        args: list[Node] = children[1] if len(children) > 1 else []
        if name == "has":
            raise _unsupported(children, "has()", "every attribute of a stack always has a value")
        return Call(name, tuple(args), None, **_at(children))

    def ident(self, children: list[Any]) -> Node:
        return Ident(str(children[0]), **_at(children))

    def list_lit(self, children: list[Any]) -> Node:
        items: list[Node] = children[0] if children else []
        return ListLiteral(tuple(items), **_at(children))

    def exprlist(self, children: list[Any]) -> list[Any]:
        return children

    def literal(self, children: list[Any]) -> Node:
        token: Token = children[0]
        where = {"line": token.line or 1, "column": token.column or 1}
        kind, text = token.type, str(token)
        if kind == "BOOL_LIT":
            return Literal(text == "true", **where)
        if kind == "INT_LIT":
            return Literal(int(text, 0) if "x" not in text else int(text, 16), **where)
        if kind == "FLOAT_LIT":
            return Literal(float(text), **where)
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            return Literal(_string_value(token), **where)
        names = {
            "UINT_LIT": "an unsigned integer",
            "BYTES_LIT": "a bytes literal",
            "NULL_LIT": "null",
        }
        raise CelSyntaxError(
            f"{names.get(kind, kind)} is not supported in stack conditions", where["line"], where["column"]
        )

    def member_index(self, children: list[Any]) -> Node:
        raise _unsupported(children, "indexing with [...]", "use exists(), all() or 'in'")

    def member_object(self, children: list[Any]) -> Node:
        raise _unsupported(children, "message construction")

    def map_lit(self, children: list[Any]) -> Node:
        raise _unsupported(children, "a map literal")

    def dot_ident(self, children: list[Any]) -> Node:
        raise _unsupported(children, "a leading-dot name")

    def dot_ident_arg(self, children: list[Any]) -> Node:
        raise _unsupported(children, "a leading-dot call")


def _keywords_as_literals(token: Token) -> Token:
    # The CEL grammar lexes true/false as identifiers; cel-python resolves them the same way.
    if token.value in ("true", "false"):
        return Token("BOOL_LIT", token.value, token.start_pos, token.line, token.column)
    return token


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = files("celpy").joinpath("cel.lark").read_text(encoding="utf-8")
    return Lark(
        grammar,
        parser="lalr",
        start="expr",
        g_regex_flags=re.M,
        lexer_callbacks={"IDENT": _keywords_as_literals},
        propagate_positions=False,  # the builder takes positions from tokens (`_at`); Lark's own add nothing
        maybe_placeholders=False,
        priority="invert",
        transformer=_Builder(),
    )


@lru_cache(maxsize=8192)
def parse(text: str) -> Node:
    """Parse one CEL expression; CelSyntaxError (with line and column) if it can't be read.

    Cached by text: the same condition appears in many rules and is re-parsed on every edit.
    The result is immutable, so sharing it is safe.
    """
    if not text.strip():
        raise CelSyntaxError("the condition is empty")
    if len(text) > MAX_EXPRESSION_LENGTH:
        raise CelSyntaxError(
            f"the condition is {len(text)} characters long; the limit is {MAX_EXPRESSION_LENGTH}",
            hint="split it into several rules or an all/any list",
        )
    try:
        tree: Any = _parser().parse(text)  # the inline builder returns studio nodes, not lark trees
        return cast(Node, tree)
    except VisitError as error:
        if isinstance(error.orig_exc, CelSyntaxError):
            raise error.orig_exc from None
        raise
    except CelSyntaxError:
        raise
    except UnexpectedEOF:
        line, column = _end_of(text)
        raise CelSyntaxError("the condition ends too early (is something missing?)", line, column) from None
    except UnexpectedCharacters as error:
        character = text[error.pos_in_stream] if error.pos_in_stream is not None else "?"
        raise CelSyntaxError(f"unexpected character {character!r}", error.line, error.column) from None
    except UnexpectedInput as error:
        token = getattr(error, "token", None)
        if token is not None and token.type == "$END":
            line, column = _end_of(text)
            raise CelSyntaxError("the condition ends too early (is something missing?)", line, column) from None
        shown = f"'{token}'" if token is not None else "input"
        raise CelSyntaxError(f"unexpected {shown}", error.line or 1, error.column or 1) from None
    except (LarkError, RecursionError) as error:
        raise CelSyntaxError(f"can't parse the condition: {type(error).__name__}") from None


def _end_of(text: str) -> tuple[int, int]:
    lines = text.rstrip().splitlines() or [""]
    return len(lines), len(lines[-1]) + 1
