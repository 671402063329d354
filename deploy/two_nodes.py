"""Two nodes, one portal: two gunicorns, each with its own instance folder as if on two machines, behind
HAProxy (deploy/haproxy.cfg: TLS, round robin, checks on /readyz), sharing PostgreSQL, Redis and
S3-compatible object storage.

    DATABASE_URL=postgresql://... REDIS_URL=redis://127.0.0.1:6379 \\
    S3_ENDPOINT_URL=http://... S3_BUCKET=... AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... \\
    .venv/bin/python -m deploy.two_nodes --workdir /tmp/caseinjob-nodes

migrates the database, starts both nodes and the load balancer, prints its address, and runs until
interrupted. Tests and the benchmark use `TwoNodes` directly. On real machines each node runs the same
gunicorn command with the same environment (its own INSTANCE_PATH), and HAProxy runs the same file.
"""

import argparse
import datetime
import ipaddress
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
HAPROXY_CONFIG = REPO / "deploy" / "haproxy.cfg"
LOOPBACK = "127.0.0.1"
NODE_NAMES = ("node_a", "node_b")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and localhost: (cert.pem for clients, haproxy.pem with the key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "caseinjob local load balancer")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=7))
        .add_extension(
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(LOOPBACK))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "haproxy.pem").write_bytes(cert_pem + key_pem)
    (folder / "haproxy.pem").chmod(0o600)
    return folder / "cert.pem", folder / "haproxy.pem"


def shared_settings(environ: dict) -> dict:
    """The environment every node shares: production, one set of secrets, the shared services."""
    redis_url = environ.get("REDIS_URL", "redis://127.0.0.1:6379").rstrip("/")
    prefix = secrets.token_hex(4)
    settings = {
        "APP_ENV": "production",
        "SECRET_KEY": environ.get("SECRET_KEY") or secrets.token_urlsafe(48),
        "FILE_ENCRYPTION_KEY": environ.get("FILE_ENCRYPTION_KEY") or _fernet_key(),
        "DATABASE_URL": environ["DATABASE_URL"],
        "RATELIMIT_STORAGE_URI": environ.get("RATELIMIT_STORAGE_URI") or f"{redis_url}/0",
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": environ.get("CACHE_REDIS_URL") or f"{redis_url}/1",
        # One prefix for both, even when a node reaches the database by another address; this portal's own,
        # so that two portals (or two test runs) sharing one Redis never count or read each other's keys.
        "CACHE_KEY_PREFIX": environ.get("CACHE_KEY_PREFIX") or f"caseinjob:{prefix}:",
        "RATELIMIT_KEY_PREFIX": environ.get("RATELIMIT_KEY_PREFIX") or f"caseinjob-limits:{prefix}",
        # Uploads in the shared bucket; without one (the benchmark uploads nothing), each node's folder.
        "STORAGE_BACKEND": "s3" if environ.get("S3_BUCKET") else "local",
        "PROXY_HOPS": "1",
    }
    for name in ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        if environ.get(name):
            settings[name] = environ[name]
    for name in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS", "MAIL_USERNAME", "MAIL_PASSWORD", "LOG_FORMAT"):
        if environ.get(name):
            settings[name] = environ[name]
    return settings


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


@dataclass
class Node:
    name: str
    instance: Path
    environment: dict
    workers: int = 2
    wsgi_app: str = "wsgi:app"
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{LOOPBACK}:{self.port}"

    def start(self) -> None:
        self.instance.mkdir(parents=True, exist_ok=True)
        log = (self.instance / "gunicorn.log").open("a")
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            *("--workers", str(self.workers), "--bind", self.address, "--timeout", "60", "--graceful-timeout", "5"),
            "--no-control-socket",
            self.wsgi_app,
        ]
        env = {**os.environ, **self.environment, "INSTANCE_PATH": str(self.instance)}
        self.process = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603

    def stop(self) -> None:
        _stop(self.process)

    def log(self) -> str:
        path = self.instance / "gunicorn.log"
        return path.read_text(errors="replace") if path.exists() else ""


class TwoNodes:
    """Both nodes and the load balancer; `node_environment` overrides a node's settings (a test gives one of
    them its own way to the database, to cut it off)."""

    def __init__(
        self,
        workdir: Path,
        environ: dict | None = None,
        node_environment: dict | None = None,
        workers: int = 2,
        wsgi_app: str = "wsgi:app",
        tls: bool = True,
        stamp_schema: bool = False,
    ):
        self.workdir = Path(workdir)
        self.settings = shared_settings(environ or dict(os.environ))
        overrides = node_environment or {}
        self.nodes = [
            Node(name, self.workdir / name, {**self.settings, **overrides.get(name, {})}, workers, wsgi_app)
            for name in NODE_NAMES
        ]
        self.lb_port = free_port()
        #: Without TLS (the benchmark: wrk and its cookies by hand), the same file with a plain bind.
        self.tls = tls
        self.stamp_schema = stamp_schema
        self.url = f"{'https' if tls else 'http'}://{LOOPBACK}:{self.lb_port}"
        self.haproxy: subprocess.Popen | None = None
        self.ca_file: Path | None = None

    def start(self, wait: float = 90) -> "TwoNodes":
        if shutil.which("haproxy") is None:
            raise RuntimeError("haproxy is needed: apt-get install haproxy")
        self.migrate()
        self.ca_file, pem = make_certificate(self.workdir / "tls")
        for node in self.nodes:
            node.environment["BASE_URL"] = self.url
            node.start()
        env = {
            **os.environ,
            "LB_BIND": f"{LOOPBACK}:{self.lb_port}",
            "LB_CERT": str(pem),
            "NODE_A_ADDR": self.nodes[0].address,
            "NODE_B_ADDR": self.nodes[1].address,
        }
        self.haproxy_log = (self.workdir / "haproxy.log").open("a")
        self.haproxy = subprocess.Popen(  # noqa: S603
            ["haproxy", "-db", "-f", str(self._haproxy_config())],  # noqa: S607 (Debian's, on the PATH)
            env=env,
            stdout=self.haproxy_log,
            stderr=subprocess.STDOUT,
        )
        self._wait_until_both_serve(wait)
        return self

    def _haproxy_config(self) -> Path:
        if self.tls:
            return HAPROXY_CONFIG
        plain = HAPROXY_CONFIG.read_text()
        plain = plain.replace(' ssl crt "${LB_CERT}"', "").replace("X-Forwarded-Proto https", "X-Forwarded-Proto http")
        path = self.workdir / "haproxy-plain.cfg"
        path.write_text(plain)
        return path

    def migrate(self) -> None:
        env = {**os.environ, **self.settings, "FLASK_APP": "wsgi", "INSTANCE_PATH": str(self.workdir / "migrate")}
        flask = str(Path(sys.executable).with_name("flask"))
        # A schema built from the models (the benchmark's volume data) is stamped rather than migrated.
        command = ["db", "stamp", "head"] if self.stamp_schema else ["db", "upgrade"]
        done = subprocess.run([flask, *command], cwd=REPO, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"flask {' '.join(command)} failed:\n{done.stdout}{done.stderr}")

    def node_is_ready(self, node: Node) -> bool:
        try:
            with urllib.request.urlopen(f"http://{node.address}/readyz", timeout=2) as answer:  # noqa: S310
                return answer.status == 200
        except OSError:
            return False

    def _wait_until_both_serve(self, wait: float) -> None:
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            for node in self.nodes:
                if node.process.poll() is not None:
                    raise RuntimeError(f"{node.name} exited:\n{node.log()}")
            if self.haproxy.poll() is not None:
                raise RuntimeError(f"haproxy exited:\n{self.haproxy_log_text()}")
            if all(self.node_is_ready(node) for node in self.nodes) and self._balancer_serves_both():
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError("the two nodes did not come up:\n" + "\n".join(node.log()[-3000:] for node in self.nodes))

    def _balancer_serves_both(self) -> bool:
        seen = set()
        context = ssl.create_default_context(cafile=str(self.ca_file)) if self.tls else None
        for _ in range(4):
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2, context=context) as answer:  # noqa: S310
                    seen.add(answer.headers.get("X-Served-By"))
            except OSError:
                return False
        return seen == set(NODE_NAMES)

    def haproxy_log_text(self) -> str:
        path = self.workdir / "haproxy.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        _stop(self.haproxy)
        for node in self.nodes:
            node.stop()
        if getattr(self, "haproxy_log", None):
            self.haproxy_log.close()


def _stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--workdir",
        default="/tmp/caseinjob-nodes",  # noqa: S108 (a local trial; tests pass their own)
        help="instance folders, certificate and logs",
    )
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per node")
    arguments = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        sys.exit("DATABASE_URL (PostgreSQL, shared by the nodes) is needed")
    nodes = TwoNodes(Path(arguments.workdir), workers=arguments.workers).start()
    print(f"Portal: {nodes.url}/  (certificate: {nodes.ca_file}); Ctrl-C stops it", flush=True)  # noqa: T201
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        nodes.stop()


if __name__ == "__main__":
    main()
