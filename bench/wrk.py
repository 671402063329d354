"""Run wrk with a data file of requests, and read its figures."""

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

LUA = Path(__file__).parent / "lua"
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


@dataclass
class Run:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    bad_responses: int  # non-2xx/3xx
    socket_errors: int
    output: str

    @property
    def is_clean(self) -> bool:
        return self.bad_responses == 0 and self.socket_errors == 0 and self.requests > 0


def _millis(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip()).groups()
    return float(number) * _UNITS[unit]


def parse(output: str) -> Run:
    def find(pattern: str, default: str = "0") -> str:
        found = re.search(pattern, output, re.MULTILINE)
        return found.group(1) if found else default

    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    # Sync gunicorn workers close the connection after each response: wrk counts that as a read error
    # when it happens between requests, so read errors are not counted here (a refused or timed-out
    # connection, or a write error, is).
    socket_errors = 0
    if socket:
        connect, _read, write, timeout = (int(value) for value in socket.groups())
        socket_errors = connect + write + timeout
    return Run(
        requests_per_second=float(find(r"^Requests/sec:\s+([\d.]+)")),
        p50_ms=_millis(find(r"^\s+50%\s+(\S+)", "0us")),
        p99_ms=_millis(find(r"^\s+99%\s+(\S+)", "0us")),
        requests=int(find(r"^\s+(\d+) requests in")),
        bad_responses=int(find(r"Non-2xx or 3xx responses: (\d+)")),
        socket_errors=socket_errors,
        output=output,
    )


def run(url: str, data_file: Path, *, connections: int, seconds: float, rate_per_connection: float | None = None):
    """Load `url` with the requests of `data_file` (a Lua table) and return the figures."""
    threads = max(1, min(2, connections))
    script = LUA / ("paced.lua" if rate_per_connection else "rotate.lua")
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--latency",
        "-s",
        str(script),
        url,
        "--",
        str(data_file),
    ]
    if rate_per_connection:
        command.append(f"{rate_per_connection:.3f}")
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=seconds + 60)  # noqa: S603 (our own command line)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return parse(done.stdout)


def write_data_file(path: Path, entries: list[dict]) -> Path:
    """The requests as a Lua table, read by rotate.lua."""

    def quoted(value: str) -> str:
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'

    lines = ["return {"]
    for entry in entries:
        fields = ", ".join(f"{key} = {quoted(str(value))}" for key, value in entry.items() if value is not None)
        lines.append(f"  {{{fields}}},")
    lines.append("}")
    path.write_text("\n".join(lines) + "\n")
    return path
