"""An SMS provider for tests: a real HTTP server (http.server in a thread) on a free local port.

It keeps the JSON bodies it receives, and answers with the status the test sets (500 to make the portal retry).
"""

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.conftest import free_port

CODE_PATTERN = re.compile(r"\b(\d{6})\b")


class SmsWebhookSink:
    def __init__(self):
        self.received: list[dict] = []
        self.headers: list[dict] = []
        self.status = 200
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/sms"
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's hook name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if sink.status < 300:
                    sink.received.append(json.loads(body))
                    sink.headers.append(dict(self.headers))
                self.send_response(sink.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": true}' if sink.status < 300 else b'{"error": "down"}')

            def log_message(self, *args):  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, name="sms-webhook-sink", daemon=True)

    def start(self) -> "SmsWebhookSink":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)

    def texts_to(self, number: str) -> list[str]:
        return [message["text"] for message in self.received if message["to"] == number]

    def last_code_to(self, number: str) -> str:
        texts = self.texts_to(number)
        assert texts, f"no text message reached {number}: {self.received}"
        match = CODE_PATTERN.search(texts[-1])
        assert match, f"no code in {texts[-1]!r}"
        return match.group(1)
