"""The Jinja2 sandbox that renders templates: what ``chalicelib/domain/rendering`` compiles with.

Imported only when a template holds Jinja syntax: the txt path of a letter
whose template is plain text never loads (or, on Lambda, compiles) it.
Every limit is described in ``chalicelib/domain/rendering``.
"""

import functools
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from chalicelib.domain.rendering.budget import MAX_OUTPUT_BYTES, counted_iter, tick

MAX_ITEMS = 100_000
"""Items in a list, tuple, dict or set built along the way: so any one step is quick."""
MAX_WRAPPED_WORD = 10_000
"""The longest word ``|wordwrap`` may break: it slices the rest of a long word once per row."""
_NUMBERS = re.compile(r"\d+")


@functools.cache
def environment() -> Any:
    """The sandbox, built once per container, the first time a template needs Jinja2."""
    import inspect

    from jinja2 import StrictUndefined, nodes
    from jinja2.compiler import CodeGenerator
    from jinja2.filters import do_format as format_filter
    from jinja2.sandbox import (
        ImmutableSandboxedEnvironment,
        SandboxedFormatter,
        SecurityError,
    )
    from jinja2.utils import Namespace
    from markupsafe import EscapeFormatter, Markup

    containers = (list, tuple, dict, set, frozenset, Namespace)

    def refuse_huge(args: Any, kwargs: Mapping[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and abs(value) > MAX_OUTPUT_BYTES:
                raise SecurityError(f"the number {value} is too large here")

    def refuse_huge_widths(format_string: Any) -> None:
        """A width or precision in a format string allocates that much in one step."""
        if isinstance(format_string, str):
            refuse_huge([int(number) for number in _NUMBERS.findall(format_string)], {})

    def refuse_size(size: int) -> None:
        if size > MAX_OUTPUT_BYTES:
            raise SecurityError("a value would be larger than 1 MiB")

    def refuse_items(count: int) -> None:
        if count > MAX_ITEMS:
            raise SecurityError(
                f"a list, tuple, dict or set would have more than {MAX_ITEMS} items"
            )

    def text_size(value: Any) -> int:
        """How long ``value`` could be as text (``str()``, ``|join``, ``|tojson``): a string's
        characters, and for a container one per item plus its items' own sizes, a shared
        item counted each time it appears. Refuses past the cap, or past ``MAX_ITEMS``."""
        if isinstance(value, str):
            refuse_size(len(value))
            return len(value)
        if not isinstance(value, containers):
            return 1
        sizes: dict[int, int] = {}

        def size_of(container: Any) -> int:
            key = id(container)
            if key in sizes:
                return sizes[key]
            sizes[key] = 1  # a container that holds itself is printed as [...]
            if isinstance(container, Namespace):
                container = container._Namespace__attrs
            items: Iterable[Any] = container
            if isinstance(container, dict):
                items = (*container.keys(), *container.values())
            refuse_items(len(container))
            total = len(container)
            for item in items:
                if isinstance(item, str):
                    total += len(item)
                elif isinstance(item, containers):
                    total += size_of(item)
                refuse_size(total)
            sizes[key] = total
            return total

        return size_of(value)

    def capped(value: Any) -> Any:
        """Pass ``value`` on unless its text could pass the output cap."""
        text_size(value)
        return value

    def checked_arguments(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
        tick()
        refuse_huge(args, kwargs)
        for value in (*args, *kwargs.values()):
            text_size(value)

    # One step that could build far more than it was given: estimated before it runs.
    def replaced_size(s: Any, old: Any, new: Any, count: Any = -1) -> None:
        if isinstance(s, str) and isinstance(old, str) and isinstance(new, str):
            found = len(s) + 1 if old == "" else s.count(old)
            if isinstance(count, int) and count >= 0:
                found = min(found, count)
            refuse_size(len(s) + found * max(len(new) - len(old), 0))

    def percent_size(template: Any, values: Any) -> None:
        """``template % values``: every width and value at once (C code, no step between)."""
        if not isinstance(template, str):
            return
        refuse_huge_widths(template)
        widths = sum(int(number) for number in _NUMBERS.findall(template))
        if isinstance(values, Mapping):  # a key may be used by every field
            largest = max((text_size(value) for value in values.values()), default=0)
            refuse_size(len(template) + widths + template.count("%") * largest)
            return
        items = values if isinstance(values, tuple) else (values,)
        refuse_huge(items, {})  # "%*d" takes its width from the values
        stars = sum(item for item in items if isinstance(item, int)) if "*" in template else 0
        refuse_size(len(template) + widths + stars + sum(text_size(item) for item in items))

    def joined_size(separator: Any, items: list[Any]) -> None:
        if isinstance(separator, str):
            refuse_size(len(separator) * max(len(items) - 1, 0) + text_size(items))

    def method_check(method: Any, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """Check a str method that grows its text; returns the arguments to call it with."""
        owner, name = getattr(method, "__self__", None), getattr(method, "__name__", "")
        if not isinstance(owner, str):
            return args
        if name == "replace" and len(args) >= 2:
            replaced_size(owner, *args[:3])
        elif name == "expandtabs":
            tabsize = args[0] if args and isinstance(args[0], int) else 8
            refuse_size(len(owner) + owner.count("\t") * max(tabsize, 0))
        elif name == "join" and args:
            items = list(args[0])  # once, to measure: a generator can be read only once
            joined_size(owner, items)
            args = (items, *args[1:])
        elif name == "translate" and args and isinstance(args[0], Mapping):
            longest = max((len(v) for v in args[0].values() if isinstance(v, str)), default=1)
            refuse_size(len(owner) * max(longest, 1))
        return args

    def filter_check(
        name: str, function: Callable[..., Any], args: Any, kwargs: Any
    ) -> tuple[Any, Any]:
        """Check a filter that can grow its input or take too long; returns its arguments."""
        if name not in ("replace", "indent", "join", "wordwrap", "sum", "format"):
            return args, kwargs
        bound = inspect.signature(function).bind(*args, **kwargs)
        bound.apply_defaults()
        given = bound.arguments
        if name == "replace":
            count = given["count"]
            replaced_size(given["s"], given["old"], given["new"], -1 if count is None else count)
        elif name == "indent" and isinstance(given["s"], str):
            width = given["width"]
            width = len(width) if isinstance(width, str) else width
            refuse_size(len(given["s"]) + (given["s"].count("\n") + 1) * max(width, 0))
        elif name == "join":
            given["value"] = list(given["value"])  # once: a generator can be read only once
            joined_size(given["d"], given["value"])
        elif name == "wordwrap" and isinstance(given["s"], str):
            s, width = given["s"], max(given["width"], 1)
            if given["break_long_words"] and max(map(len, s.split()), default=0) > MAX_WRAPPED_WORD:
                raise SecurityError(
                    f"wordwrap can break words of at most {MAX_WRAPPED_WORD} characters"
                )
            refuse_size(len(s) + (len(s) // width + 1) * len(given["wrapstring"] or "\n"))
        elif name == "sum" and not isinstance(given["start"], int | float):
            raise SecurityError("sum adds numbers; join lists with |batch or a loop instead")
        elif name == "format":
            percent_size(given["value"], given["kwargs"] or given["args"])
        return bound.args, bound.kwargs

    def bounded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(function)  # keeps Jinja's pass_context/pass_environment marks
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            checked_arguments(args, kwargs)
            if function is format_filter and args:
                refuse_huge_widths(args[0])
            args, kwargs = filter_check(name, function, args, kwargs)
            return capped(function(*args, **kwargs))

        return wrapper

    class CappedFormatter(SandboxedFormatter):
        """``str.format``: each field's final spec (nested fields filled in) and the total."""

        written = 0

        def vformat(self, format_string: Any, args: Any, kwargs: Any) -> Any:
            self.written = len(format_string)
            return super().vformat(format_string, args, kwargs)

        def format_field(self, value: Any, format_spec: str) -> Any:
            refuse_huge_widths(format_spec)
            text_size(value)
            text = super().format_field(value, format_spec)
            self.written += len(text)
            refuse_size(self.written)
            return text

    class CappedEscapeFormatter(CappedFormatter, EscapeFormatter):
        pass

    class CappedCode(CodeGenerator):
        """``a ~ b`` as a join that checks the size first; every loop iteration a step."""

        def visit_Concat(self, node: Any, frame: Any) -> None:
            self.write("environment.capped_join((")
            for argument in node.nodes:
                self.visit(argument, frame)
                self.write(", ")
            self.write("))")

        def visit_For(self, node: Any, frame: Any) -> None:
            counted = nodes.Call(
                nodes.EnvironmentAttribute("counted_iter"),
                [node.iter],
                [],
                None,
                None,
                lineno=node.lineno,
            )
            fields = [counted if name == "iter" else getattr(node, name) for name in node.fields]
            loop = nodes.For(*fields, lineno=node.lineno, environment=node.environment)
            super().visit_For(loop, frame)

    class LetterSandbox(ImmutableSandboxedEnvironment):
        intercepted_binops = frozenset({"*", "**", "%", "+"})
        code_generator_class = CappedCode
        counted_iter = staticmethod(counted_iter)

        def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
            checked_arguments((left, right), {})
            if operator == "*":
                for items, times in ((left, right), (right, left)):
                    if isinstance(items, str | list | tuple) and isinstance(times, int):
                        refuse_size(len(items) * times)
                        if not isinstance(items, str):
                            refuse_items(len(items) * times)
                            refuse_size(text_size(items) * times)
            if operator == "+" and isinstance(left, str | list) and isinstance(right, str | list):
                refuse_size(len(left) + len(right))
            if operator == "%":
                percent_size(left, right)
            if operator == "**" and isinstance(right, int) and right > 64:
                raise SecurityError("exponents above 64 are not allowed")
            return capped(super().call_binop(context, operator, left, right))

        def call(self, context: Any, obj: Any, *args: Any, **kwargs: Any) -> Any:
            if obj is counted_iter:
                return obj(*args)
            checked_arguments(args, kwargs)
            args = method_check(obj, args)
            return capped(super().call(context, obj, *args, **kwargs))

        def wrap_str_format(self, value: Any) -> Any:
            if getattr(value, "__name__", None) not in ("format", "format_map"):
                return None
            owner = getattr(value, "__self__", None)
            if not isinstance(owner, str):
                return None
            if isinstance(owner, Markup):
                formatter: CappedFormatter = CappedEscapeFormatter(self, escape=owner.escape)
            else:
                formatter = CappedFormatter(self)
            is_format_map = value.__name__ == "format_map"

            @functools.wraps(value)
            def wrapper(*args: Any, **kwargs: Any) -> str:
                if is_format_map:
                    if kwargs or len(args) != 1:
                        raise TypeError("format_map() takes exactly one argument")
                    args, kwargs = (), args[0]
                return type(owner)(formatter.vformat(owner, args, kwargs))

            return wrapper

        @staticmethod
        def capped_join(parts: tuple[Any, ...]) -> str:
            for part in parts:
                text_size(part)
            texts = [str(part) for part in parts]
            refuse_size(sum(len(text) for text in texts))
            return "".join(texts)

    environment = LetterSandbox(
        undefined=StrictUndefined,
        autoescape=False,
        keep_trailing_newline=True,  # a text that ends in a newline keeps it
        finalize=capped,  # what {{ }} prints is checked before it becomes text
    )
    environment.filters = {name: bounded(name, f) for name, f in environment.filters.items()}
    del environment.globals["lipsum"]  # n paragraphs of up to max words: no letter needs it
    return environment
