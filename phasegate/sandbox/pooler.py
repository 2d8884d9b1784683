"""A real transaction-mode pooler in front of the sandbox PostgreSQL: PgBouncer, set up like Supabase's.

Supabase's pooler (Supavisor) on port 6543 pools per transaction, accepts the startup
``options`` parameter and drops it, requires TLS and checks passwords with SCRAM. This is
PgBouncer (Debian's ``pgbouncer`` package) configured the same way:

* ``pool_mode = transaction`` and ``ignore_startup_parameters = options``;
* TLS required from clients, with a throw-away self-signed certificate made by ``openssl``;
* SCRAM against the server's own password verifiers (copied from ``pg_authid`` into the
  ``auth_file`` when PgBouncer starts: start it after the world is seeded, or
  :meth:`SandboxPooler.restart` after a reseed), the superuser trusted as the sandbox's
  pg_hba.conf trusts it. Not ``auth_query``: PgBouncer 1.18 runs it in the requested
  database, so a database missing behind the pooler would hang the login until the connect
  timeout instead of answering with PostgreSQL's own "database ... does not exist";
* every database name forwarded to the server (``*``): an unknown name gets the server's
  answer, not PgBouncer's decoy authentication failure for databases it does not list;
* listening on port 6543 like Supabase's transaction pooler, on a loopback address of its
  own (127.x.y.z), so that parallel runs never collide.

PgBouncer refuses to run as root: as root it runs as the cluster's own user (``pgserver``),
as pgserver itself does.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import psycopg.conninfo

from phasegate.errors import TargetError

from .postgres import SandboxPostgres, _build_url

__all__ = ["SandboxPooler", "PoolerUnavailable", "PORT", "find_pgbouncer"]

PORT = 6543  # Supabase's transaction-mode pooler port
_CLUSTER_USER = "pgserver"  # the system user pgserver runs PostgreSQL as when started by root


class PoolerUnavailable(TargetError):
    """PgBouncer is not installed, or did not start."""


def find_pgbouncer() -> str | None:
    return shutil.which("pgbouncer") or next(
        (p for p in ("/usr/sbin/pgbouncer", "/usr/local/sbin/pgbouncer") if os.access(p, os.X_OK)), None)


def _free_loopback_address() -> str:
    """A 127.x.y.z address whose port 6543 is free (Linux routes all of 127/8 to loopback)."""
    rng = random.SystemRandom()
    for _ in range(50):
        address = f"127.{rng.randint(1, 254)}.{rng.randint(1, 254)}.{rng.randint(2, 254)}"
        with socket.socket() as probe:
            try:
                probe.bind((address, PORT))
            except OSError:
                continue
        return address
    raise PoolerUnavailable(f"no loopback address with port {PORT} free for the sandbox pooler")


class SandboxPooler:
    """PgBouncer in transaction mode in front of a started :class:`SandboxPostgres`."""

    def __init__(self, postgres: SandboxPostgres) -> None:
        self.postgres = postgres
        # Chosen now, so that URLs through the pooler can be served before it starts.
        self.address: str = _free_loopback_address()
        self.port = PORT
        self.start_seconds: float | None = None
        self._dir: Path | None = None
        self._process: subprocess.Popen | None = None

    def __repr__(self) -> str:
        where = f"{self.address}:{self.port}" if self.address else "not started"
        return f"SandboxPooler(PgBouncer transaction mode, {where})"

    def __enter__(self) -> "SandboxPooler":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        if self._process is not None:
            return
        binary = find_pgbouncer()
        if binary is None:
            raise PoolerUnavailable("the sandbox pooler needs PgBouncer: install Debian's pgbouncer package "
                                    "(apt-get install pgbouncer)")
        t0 = time.monotonic()
        if not self.postgres.admin_url:
            self.postgres.start()
        run_as = pwd.getpwnam(_CLUSTER_USER) if os.geteuid() == 0 else None
        base = Path("/var/tmp/phasegate") if run_as else None
        if base:
            base.mkdir(parents=True, exist_ok=True)
        self._dir = Path(tempfile.mkdtemp(prefix="pooler-", dir=base))
        self._write_files()
        if run_as:
            for path in [self._dir, *self._dir.iterdir()]:
                os.chown(path, run_as.pw_uid, run_as.pw_gid)
        self._process = subprocess.Popen(
            [binary, str(self._dir / "pgbouncer.ini")], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, cwd=self._dir,  # same process group: Ctrl-C stops it too
            **({"user": run_as.pw_uid, "group": run_as.pw_gid, "extra_groups": []} if run_as else {}))
        atexit.register(self.stop)  # whichever thread started it, it goes when the process does
        try:
            self._wait_until_listening()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - t0

    def _wait_until_listening(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise PoolerUnavailable(f"PgBouncer exited at start: {self._last_log_line()}")
            with socket.socket() as probe:
                probe.settimeout(0.2)
                if probe.connect_ex((self.address, self.port)) == 0:
                    return
            time.sleep(0.02)
        raise PoolerUnavailable(f"PgBouncer did not listen on {self.address}:{self.port} within 10 s: "
                                f"{self._last_log_line()}")

    def _last_log_line(self) -> str:
        with contextlib.suppress(OSError):
            lines = (self._dir / "pgbouncer.log").read_text().strip().splitlines()
            if lines:
                return lines[-1]
        return "no log"

    def restart(self) -> None:
        """After a reseed: the roles' new password verifiers, the same address."""
        self.stop()
        self.start()

    def stop(self) -> None:
        if self._process is not None:
            if self._process.poll() is None:
                self._process.terminate()  # SIGTERM: immediate shutdown
                try:
                    self._process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self._process.kill()
                    self._process.wait()
            self._process = None
            atexit.unregister(self.stop)
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    # ------------------------------------------------------------------ configuration
    def _write_files(self) -> None:
        d = self._dir
        admin = dict(psycopg.conninfo.conninfo_to_dict(self.postgres.admin_url))
        server_host = admin.get("host") or "/var/run/postgresql"
        server_port = admin.get("port") or (self.postgres._server.get_postmaster_info().port
                                            if self.postgres._server is not None else 5432)
        admin_user = str(admin.get("user") or "postgres")
        admin_password = str(admin.get("password") or "")
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
             "-days", "2", "-subj", "/CN=phasegate sandbox pooler (throw-away)",
             "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
            check=True, capture_output=True, timeout=30)
        # The superuser is trusted as the sandbox's pg_hba.conf trusts it (its worlds include a
        # worker URL that is the superuser's, password-less); every other role needs its password.
        (d / "hba.conf").write_text(
            f'hostssl all "{admin_user}" 127.0.0.0/8 trust\n'
            "hostssl all all 127.0.0.0/8 scram-sha-256\n")
        # SCRAM verifiers as the server stores them: PgBouncer checks the client's proof against
        # them and, the exchange done, logs in to the server with the same keys.
        with psycopg.connect(self.postgres.admin_url, autocommit=True, connect_timeout=10) as conn:
            verifiers = conn.execute("SELECT rolname, rolpassword FROM pg_authid WHERE rolcanlogin "
                                     "AND rolpassword LIKE 'SCRAM-SHA-256$%' ORDER BY rolname").fetchall()
        lines = [f'"{admin_user}" "{admin_password}"'] + [f'"{role}" "{verifier}"' for role, verifier in verifiers
                                                          if role != admin_user]
        (d / "userlist.txt").write_text("\n".join(lines) + "\n")
        (d / "userlist.txt").chmod(0o600)
        (d / "pgbouncer.ini").write_text(f"""\
;; Written by phasegate's sandbox (phasegate/sandbox/pooler.py): Supabase's transaction pooler, imitated.
[databases]
* = host={server_host} port={server_port}

[pgbouncer]
listen_addr = {self.address}
listen_port = {self.port}
unix_socket_dir =
pool_mode = transaction
;; Supavisor accepts the startup options parameter and drops it: so does this pooler.
ignore_startup_parameters = options
client_tls_sslmode = require
client_tls_key_file = {d / 'key.pem'}
client_tls_cert_file = {d / 'cert.pem'}
server_tls_sslmode = disable
auth_type = hba
auth_hba_file = {d / 'hba.conf'}
auth_file = {d / 'userlist.txt'}
;; Reseeding a world terminates the roles' backends: check an idle server connection before reuse.
server_check_delay = 0
default_pool_size = 20
max_client_conn = 200
logfile = {d / 'pgbouncer.log'}
pidfile = {d / 'pgbouncer.pid'}
""")

    # ------------------------------------------------------------------ urls
    def route(self, url: str) -> str:
        """The same user, password and database, reached through the pooler with TLS required."""
        params = dict(psycopg.conninfo.conninfo_to_dict(url))
        params.update(host=self.address, port=str(self.port), sslmode="require")
        return _build_url(params)
