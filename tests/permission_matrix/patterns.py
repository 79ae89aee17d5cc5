"""Every URL pattern of the project, walked from the root resolver through every include."""

import re
from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern, RoutePattern

# <int:pk>, <slug:code>, <token> in a route; (?P<name>…) in a regular expression.
ROUTE_PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)")


@dataclass(frozen=True)
class Pattern:
    """One URL pattern: its key in the table (the namespaced name, else the route), the whole
    route from the root, and the pieces of route between includes (each a route or a regex)."""

    key: str
    route: str
    name: str | None
    callback: object
    pieces: tuple

    @property
    def kwarg_names(self) -> list[str]:
        names = []
        for kind, text in self.pieces:
            regex = ROUTE_PARAMETER if kind == "route" else REGEX_GROUP
            names += [match["name"] for match in regex.finditer(text)]
        return names

    def path(self, kwargs: dict) -> str:
        """The URL path with `kwargs` in place of the parameters."""
        parts = []
        for kind, text in self.pieces:
            if kind == "route":
                parts.append(ROUTE_PARAMETER.sub(lambda match: str(kwargs[match["name"]]), text))
            else:
                text = REGEX_GROUP.sub(lambda match: str(kwargs[match["name"]]), text)
                parts.append(text.removeprefix("^").removesuffix("$"))
        return "/" + "".join(parts)


def _piece(pattern):
    if isinstance(pattern, RoutePattern):
        return ("route", str(pattern))
    if isinstance(pattern, RegexPattern):
        return ("regex", str(pattern))
    raise TypeError(f"Unknown kind of URL pattern: {pattern!r}")


def _walk(resolver, pieces=(), namespace=None):
    for entry in resolver.url_patterns:
        here = (*pieces, _piece(entry.pattern))
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry, here, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
            route = "".join(text for _kind, text in here)
            yield Pattern(key=name or route, route=route, name=name, callback=entry.callback, pieces=here)


def all_patterns() -> list[Pattern]:
    """Every pattern, in the order Django tries them."""
    return list(_walk(get_resolver()))
