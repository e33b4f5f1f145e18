"""Servers the tests start: a free TCP port on loopback, and an ASGI app served from a thread."""

import threading
import time
from contextlib import contextmanager
from typing import Any, Iterator

from eligibility.storage.pgtemp import free_port  # one port picker: below the kernel's ephemeral range

__all__ = ["free_port", "serving"]


@contextmanager
def serving(app: Any, port: int, what: str = "the server") -> Iterator[None]:
    """Serve ``app`` with uvicorn on 127.0.0.1:``port`` in a daemon thread until the block ends."""
    import uvicorn

    # ws="none": the websockets package pinned for Rasa is older than uvicorn's websocket support needs
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", ws="none"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not server.started:
        assert time.time() < deadline, f"{what} did not start"
        time.sleep(0.05)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=10)
