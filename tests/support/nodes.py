"""Several ``wallet serve`` nodes over one PostgreSQL and one S3, and a load balancer for clients.

``Balancer`` is an httpx transport that sends each request to the next node in turn (or to the
one ``pinned``), keeping the ``Host`` the client addressed: the nodes see one public origin, as
behind any HTTP load balancer, so DPoP proofs and assertions name that origin whichever node
answers.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections import Counter
from collections.abc import Iterator, Sequence

import httpx

from tests.support.server import WalletServer


class Balancer(httpx.BaseTransport):
    """Round-robin over ``nodes``; ``served`` counts the requests each node answered."""

    def __init__(self, nodes: Sequence[WalletServer]) -> None:
        self.nodes = list(nodes)
        self._turn = itertools.cycle(range(len(self.nodes)))
        self._pinned: int | None = None
        self._lock = threading.Lock()
        self._inner = httpx.HTTPTransport()
        self.served: Counter[int] = Counter()

    @contextlib.contextmanager
    def pinned(self, index: int) -> Iterator[None]:
        """Send every request to node ``index`` while inside the block."""
        self._pinned = index
        try:
            yield
        finally:
            self._pinned = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            index = self._pinned if self._pinned is not None else next(self._turn)
            self.served[index] += 1
        node = self.nodes[index]
        request.url = request.url.copy_with(port=node.port)  # the Host header stays the public one
        return self._inner.handle_request(request)

    def close(self) -> None:
        self._inner.close()
