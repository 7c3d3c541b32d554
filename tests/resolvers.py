"""A stand-in for ``socket.getaddrinfo``: webhook tests choose what a name resolves to, and
see what was asked, without DNS."""

import socket
from dataclasses import dataclass, field
from typing import Any


@dataclass
class StubResolver:
    """Gives ``addresses`` for any name, in ``getaddrinfo``'s shape; notes each question."""

    addresses: tuple[str, ...]
    asked: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)

    def __call__(self, host: str, port: int, **options: Any) -> list[tuple[Any, ...]]:
        self.asked.append((host, port, options))
        return [
            (socket.AF_INET6 if ":" in address else socket.AF_INET, socket.SOCK_STREAM, 6, "",
             (address, port))
            for address in self.addresses
        ]  # fmt: skip


def resolving_to(*addresses: str) -> StubResolver:
    return StubResolver(addresses)
