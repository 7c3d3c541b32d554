"""A webhook receiver on 127.0.0.1 for the tests: answers every POST as told and keeps what
it was sent (``tls`` makes it HTTPS, noting the name each client asked for)."""

import socket
import ssl
import threading
from collections.abc import Iterator
from contextlib import suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Answer = tuple[int, dict[str, str], bytes]


class Receiver(ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that answers every request with ``answer`` and keeps
    what it was sent; ``tls`` makes it HTTPS, noting the name each client asked for."""

    daemon_threads = True

    def __init__(self, answer: Answer, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(("127.0.0.1", 0), ReceiverHandler)
        self.answer = answer
        self.tls = tls
        self.connections = 0
        self.server_names: list[str | None] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        if tls is not None:
            tls.sni_callback = lambda _conn, name, _context: self.server_names.append(name)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        self.connections += 1
        if self.tls is None:
            return sock, address
        return self.tls.wrap_socket(sock, server_side=True), address


class ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.command, self.path, dict(self.headers), body))
        status, headers, answer = self.server.answer
        self.send_response(status)
        for name, value in {"Content-Length": str(len(answer)), **headers}.items():
            self.send_header(name, value)
        self.end_headers()
        with suppress(ConnectionError):  # docgen read what it wanted and hung up
            self.wfile.write(answer)

    def log_message(self, *_args: Any) -> None:
        pass


def serving(answer: Answer, tls: ssl.SSLContext | None = None) -> Iterator[Receiver]:
    receiver = Receiver(answer, tls)
    thread = threading.Thread(target=receiver.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield receiver
    finally:
        receiver.shutdown()
        receiver.server_close()
        thread.join()
