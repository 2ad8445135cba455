"""Mutants of one module: small, single changes to its code that a good test suite notices.

Operators (one change per mutant, as in the classic mutation-testing literature):
comparison flipped (``<``/``<=``, ``>``/``>=``, ``==``/``!=``, ``in``/``not in``, ``is``/
``is not``), ``and``/``or`` swapped, a ``not`` dropped, ``+``/``-`` and ``*``/``/`` swapped, a
constant changed (int and float +1, bool negated, a word-like string or bytes wrapped in
``XX``), ``break``/``continue`` swapped, a ``raise`` deleted, a returned value replaced by
``None``, a call statement deleted.

Where: function and method bodies and their default arguments, dataclass field defaults and
module-level constants. Not mutated: docstrings, annotations, f-strings and strings with
whitespace (messages for people: their stable counterpart is a Decision's ``detail_code``),
enum members, imports.

A mutant is installed into the already-imported module (see :func:`install`): its functions'
code objects and defaults are swapped in place, so every ``from x import f`` elsewhere sees
the mutant too, and objects created before (keys, claims) keep working.
"""

from __future__ import annotations

import ast
import builtins
import copy
import inspect
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FunctionType, ModuleType
from typing import Any

_FLIP_CMP: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Lt: ast.LtE, ast.LtE: ast.Lt, ast.Gt: ast.GtE, ast.GtE: ast.Gt,
    ast.Eq: ast.NotEq, ast.NotEq: ast.Eq, ast.In: ast.NotIn, ast.NotIn: ast.In,
    ast.Is: ast.IsNot, ast.IsNot: ast.Is,
}
_FLIP_BIN: dict[type[ast.operator], type[ast.operator]] = {
    ast.Add: ast.Sub, ast.Sub: ast.Add, ast.Mult: ast.Div, ast.Div: ast.Mult,
    ast.FloorDiv: ast.Div,
}
_SIMPLE = (bool, int, float, str, bytes)


@dataclass(frozen=True, slots=True)
class Mutant:
    """One change: ``key`` is stable across runs (path, enclosing function, before -> after)."""

    path: str
    index: int  # pre-order node number in the module's AST
    option: int  # which alternative at that node
    qualname: str
    line: int
    before: str
    after: str
    key: str
    unit: str = ""  # the outermost function whose code is swapped; "" at module/class level


def _short(node: ast.AST) -> str:
    text = ast.unparse(node).splitlines()[0]
    return text if len(text) <= 90 else text[:87] + "..."


def _is_docstring(stmt: ast.stmt) -> bool:
    return (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant)
            and isinstance(stmt.value.value, str))


def _alternatives(node: ast.AST) -> list[ast.AST]:
    """Every single-change variant of ``node`` (new nodes; ``node`` is left as it is)."""
    out: list[ast.AST] = []
    if isinstance(node, ast.Compare):
        for i, op in enumerate(node.ops):
            new = copy.copy(node)
            new.ops = [*node.ops[:i], _FLIP_CMP[type(op)](), *node.ops[i + 1:]]
            out.append(new)
    elif isinstance(node, ast.BoolOp):
        new = copy.copy(node)
        new.op = ast.Or() if isinstance(node.op, ast.And) else ast.And()
        out.append(new)
    elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        out.append(node.operand)
    elif isinstance(node, ast.BinOp) and type(node.op) in _FLIP_BIN:
        new = copy.copy(node)
        new.op = _FLIP_BIN[type(node.op)]()
        out.append(new)
    elif isinstance(node, ast.Constant):
        value = node.value
        changed: Any = None
        if isinstance(value, bool):
            changed = not value
        elif isinstance(value, int | float):
            changed = value + 1
        elif isinstance(value, str) and not any(c.isspace() for c in value):
            changed = f"XX{value}XX"
        elif isinstance(value, bytes):
            changed = b"XX" + value + b"XX"
        if changed is not None:
            out.append(ast.Constant(changed))
    elif isinstance(node, ast.Raise):
        out.append(ast.Pass())
    elif isinstance(node, ast.Return) and node.value is not None and not (
            isinstance(node.value, ast.Constant) and node.value.value is None):
        out.append(ast.Return(ast.Constant(None)))
    elif isinstance(node, ast.Break):
        out.append(ast.Continue())
    elif isinstance(node, ast.Continue):
        out.append(ast.Break())
    elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call):
        out.append(ast.Pass())
    for new in out:
        ast.copy_location(new, node)
    return out


class _Walker(ast.NodeTransformer):
    """Numbers nodes in pre-order; collects mutants, or applies the one at ``target``."""

    def __init__(self, path: str, target: tuple[int, int] | None = None) -> None:
        self.path = path
        self.target = target
        self.count = 0
        self.mutable = False
        self.scope: list[str] = []
        self.found: list[Mutant] = []
        self.statement: ast.stmt | None = None
        self.unit = ""
        self._seen: dict[str, int] = {}

    def visit(self, node: ast.AST) -> Any:
        index = self.count
        self.count += 1
        if self.mutable:
            for option, new in enumerate(_alternatives(node)):
                if self.target == (index, option):
                    return ast.fix_missing_locations(new)
                if self.target is None:
                    self._record(node, new, index, option)
        special: Callable[[Any], Any] | None = getattr(self, f"_visit_{type(node).__name__}",
                                                       None)
        saved = self.statement
        if isinstance(node, ast.stmt):
            self.statement = node
        try:
            return special(node) if special else self.generic_visit(node)
        finally:
            self.statement = saved

    def _record(self, node: ast.AST, new: ast.AST, index: int, option: int) -> None:
        qualname = ".".join(self.scope) or "<module>"
        before, after = _short(node), _short(new)
        if isinstance(new, ast.Pass):
            after = "pass"
        if isinstance(node, ast.Constant) and self.statement is not None:
            # A bare constant says little: name the line it sits in (its first 60 chars).
            before = f"{_short(self.statement)[:60]}: {before}"
        base = f"{self.path}::{qualname}::{before} -> {after}"
        n = self._seen.get(base, 0)
        self._seen[base] = n + 1
        self.found.append(Mutant(self.path, index, option, qualname,
                                 getattr(node, "lineno", 0), before, after,
                                 base if n == 0 else f"{base} #{n + 1}", self.unit))

    def _with(self, mutable: bool, nodes: list[Any]) -> list[Any]:
        saved, self.mutable = self.mutable, mutable
        try:
            out = []
            for n in nodes:
                new = self.visit(n) if n is not None else None
                if isinstance(new, list):
                    out.extend(new)
                elif new is not None or n is None:
                    out.append(new)
            return out
        finally:
            self.mutable = saved

    def _visit_Module(self, node: ast.Module) -> ast.Module:
        body: list[ast.stmt] = []
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef | ast.ClassDef):
                body.extend(self._with(False, [stmt]))
            elif isinstance(stmt, ast.Assign) and all(isinstance(t, ast.Name | ast.Tuple)
                                                      for t in stmt.targets):
                self.statement = stmt
                stmt.value = self._with(_constant_tree(stmt.value), [stmt.value])[0]
                body.append(stmt)
            else:
                body.append(stmt)
        node.body = body
        return node

    def _visit_ClassDef(self, node: ast.ClassDef) -> ast.ClassDef:
        is_enum = any("Enum" in ast.unparse(b) for b in node.bases)
        self.scope.append(node.name)
        body: list[ast.stmt] = []
        for stmt in node.body:
            if isinstance(stmt, ast.FunctionDef):
                body.extend(self._with(False, [stmt]))
            elif (isinstance(stmt, ast.AnnAssign) and stmt.value is not None and not is_enum
                  and _constant_tree(stmt.value)):
                self.statement = stmt
                stmt.value = self._with(True, [stmt.value])[0]  # a dataclass field default
                body.append(stmt)
            else:
                body.append(stmt)
        node.body = body
        self.scope.pop()
        return node

    def _visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        self.scope.append(node.name)
        outer = self.unit
        self.unit = outer or ".".join(self.scope)
        node.args.defaults = self._with(True, node.args.defaults)
        node.args.kw_defaults = self._with(True, node.args.kw_defaults)
        stmts = node.body[1:] if node.body and _is_docstring(node.body[0]) else node.body
        doc = node.body[: len(node.body) - len(stmts)]
        node.body = doc + self._with(True, stmts) or [ast.Pass()]
        self.unit = outer
        self.scope.pop()
        return node

    def _visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AnnAssign:
        if node.value is not None:
            node.value = self.visit(node.value)
        return node

    def _visit_JoinedStr(self, node: ast.JoinedStr) -> ast.JoinedStr:
        return node  # f-strings are messages for people

    def _visit_arguments(self, node: ast.arguments) -> ast.arguments:
        return node  # lambdas' arguments: nothing to mutate


def _constant_tree(node: ast.AST) -> bool:
    """True for a literal or a tuple of literals (module constants worth mutating)."""
    if isinstance(node, ast.Tuple):
        return all(_constant_tree(e) for e in node.elts)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return _constant_tree(node.operand)
    if isinstance(node, ast.BinOp):
        return _constant_tree(node.left) and _constant_tree(node.right)
    return isinstance(node, ast.Constant) and isinstance(node.value, _SIMPLE)


def mutants_of(root: Path, path: str) -> list[Mutant]:
    """Every mutant of the module at ``root / path``, in source order."""
    walker = _Walker(path)
    walker.visit(ast.parse((root / path).read_text(encoding="utf-8")))
    return walker.found


def mutated_namespace(root: Path, mutant: Mutant, module: ModuleType) -> dict[str, Any]:
    """Run the mutated source of ``module`` in a fresh namespace and return it."""
    file = root / mutant.path
    tree = ast.parse(file.read_text(encoding="utf-8"))
    _Walker(mutant.path, (mutant.index, mutant.option)).visit(tree)
    ast.fix_missing_locations(tree)
    namespace: dict[str, Any] = {"__name__": module.__name__, "__file__": str(file),
                                 "__package__": module.__package__, "__builtins__": builtins}
    exec(compile(tree, str(file), "exec"), namespace)  # noqa: S102 - our own source, mutated
    return namespace


def install(namespace: dict[str, Any], module: ModuleType) -> None:
    """Swap the mutated functions, defaults and constants into the imported ``module``."""
    name = module.__name__
    for attr, new in namespace.items():
        old = module.__dict__.get(attr)
        if isinstance(new, FunctionType) and isinstance(old, FunctionType):
            _swap(old, new)
        elif inspect.isclass(new) and inspect.isclass(old) and new.__module__ == name:
            for member, value in vars(new).items():
                for o, n in zip(_functions(vars(old).get(member)), _functions(value),
                                strict=False):
                    _swap(o, n)
        elif isinstance(new, _SIMPLE) and not attr.startswith("__") and attr in module.__dict__:
            setattr(module, attr, new)


def _functions(obj: object) -> list[FunctionType]:
    if isinstance(obj, staticmethod | classmethod):
        obj = obj.__func__
    if isinstance(obj, property):
        return [f for f in (obj.fget, obj.fset, obj.fdel) if isinstance(f, FunctionType)]
    return [obj] if isinstance(obj, FunctionType) else []


def _swap(old: FunctionType, new: FunctionType) -> None:
    # Generated code (dataclass __init__) lives in "<string>": only its defaults change.
    if old.__code__.co_filename == new.__code__.co_filename != "<string>":
        old.__code__ = new.__code__
    old.__defaults__ = new.__defaults__
    old.__kwdefaults__ = new.__kwdefaults__


def module_for(path: str) -> ModuleType:
    """The imported module whose file is ``path`` (relative to the repository)."""
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if file and Path(file).as_posix().endswith("/" + path):
            return module
    raise LookupError(f"{path} is not imported by the selected tests")
