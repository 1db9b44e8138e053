"""Shared pieces of the integration tests: the built binary, stand-in miners, a stratum listener.

Each test_*.py is run by ctest with UNMINE_BIN, UNMINE_BUILD and UNMINE_SOURCE set. A test that needs
something this machine lacks prints why and is skipped (exit 77 when every test in the file skipped).
"""
import atexit
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unittest

BIN = os.environ.get("UNMINE_BIN", os.path.join(os.path.dirname(__file__), "../../build/unmine"))
BUILD = os.environ.get("UNMINE_BUILD", os.path.join(os.path.dirname(__file__), "../../build"))
SOURCE = os.environ.get("UNMINE_SOURCE", os.path.join(os.path.dirname(__file__), "../.."))
STANDIN_MINER = os.path.join(BUILD, "tests", "standin_miner")
STANDIN_WATCHDOG = os.path.join(BUILD, "tests", "standin_watchdog")
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
SCHEMAS = os.path.join(SOURCE, "evidence_schema", "json")

# Wallets with valid checksums (public, well-known addresses used only as test data).
MONERO_WALLET = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
BITCOIN_WALLET = "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
ETHEREUM_WALLET = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"


# What AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer print (scripts/test-sanitized): a report
# fails the test whatever the exit code (a test expecting exit 1 would otherwise pass on one).
SANITIZER_REPORT = re.compile(r"==[0-9]+==ERROR: [A-Za-z]+Sanitizer|: runtime error: ")


class Result:
    def __init__(self, proc):
        self.rc = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        self._json = None

    @property
    def json(self):
        if self._json is None:
            self._json = json.loads(self.stdout)
        return self._json

    def __repr__(self):
        return f"rc={self.rc}\nstdout={self.stdout[:4000]}\nstderr={self.stderr[:4000]}"


def unmine(*args, case=None, env=None, timeout=120, input=None):
    """Runs the built binary; returns Result (rc, stdout, stderr, json)."""
    argv = [BIN]
    if case is not None:
        argv += ["--case", case]
    argv += [str(a) for a in args]
    e = dict(os.environ)
    e.pop("UNMINE_CASE", None)
    if env:
        e.update(env)
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=e, input=input,
                       stdin=None if input is not None else subprocess.DEVNULL)
    if SANITIZER_REPORT.search(p.stderr or ""):
        raise AssertionError(f"sanitizer report from {argv}:\n{p.stderr[-8000:]}")
    return Result(p)


def validate_schema(doc, schema_name):
    """Validates a JSON document against evidence_schema/json/<schema_name>.schema.json."""
    import jsonschema
    with open(os.path.join(SCHEMAS, schema_name + ".schema.json")) as f:
        schema = json.load(f)
    jsonschema.validate(doc, schema)


class StratumServer:
    """A loopback stratum pool: accepts miners, answers login, records every line received."""

    def __init__(self, host="127.0.0.1", port=0, family=socket.AF_INET):
        self.sock = socket.socket(family, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(64)
        self.host = host
        self.port = self.sock.getsockname()[1]
        self.lines = []
        self.logins = []
        self._stop = False
        self._conns = []
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self):
        h = f"[{self.host}]" if ":" in self.host else self.host
        return f"stratum+tcp://{h}:{self.port}"

    def _serve(self):
        self.sock.settimeout(0.2)
        while not self._stop:
            try:
                c, _ = self.sock.accept()
            except (socket.timeout, OSError):
                continue
            self._conns.append(c)
            threading.Thread(target=self._client, args=(c,), daemon=True).start()

    def _client(self, c):
        buf = b""
        c.settimeout(0.5)
        while not self._stop:
            try:
                data = c.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                try:
                    msg = json.loads(line)
                except ValueError:
                    continue
                self.lines.append(msg)
                if msg.get("method") == "login":
                    self.logins.append(msg)
                    reply = {"id": msg.get("id"), "jsonrpc": "2.0", "error": None,
                             "result": {"id": "1", "job": {"blob": "00", "job_id": "1", "target": "ffffffff"},
                                        "status": "OK"}}
                    try:
                        c.sendall((json.dumps(reply) + "\n").encode())
                    except OSError:
                        return

    def wait_login(self, timeout=10):
        end = time.time() + timeout
        while time.time() < end:
            if self.logins:
                return self.logins[-1]
            time.sleep(0.05)
        raise AssertionError("no stratum login arrived")

    def close(self):
        self._stop = True
        for c in self._conns:
            try:
                c.close()
            except OSError:
                pass
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.close()


class Miner:
    """A stand-in miner copied under a chosen name (xmrig, kdevtmpfsi, ...) into its own folder and started."""

    def __init__(self, args, name="xmrig", env=None, workdir=None, wrapper=None, delete_binary=False, wait_pool=None):
        self.dir = workdir or tempfile.mkdtemp(prefix="unmine-miner-")
        self.exe = os.path.join(self.dir, name)
        shutil.copy(STANDIN_MINER, self.exe)
        os.chmod(self.exe, 0o755)
        e = {"PATH": "/usr/bin:/bin"}
        if env:
            e.update(env)
        argv = ([wrapper] if wrapper else []) + [self.exe] + [str(a) for a in args]
        self.proc = subprocess.Popen(argv, cwd=self.dir, env=e, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        self.pid = self.proc.pid
        if wait_pool is not None:
            wait_pool.wait_login()
        else:
            time.sleep(0.2)
        if delete_binary:
            os.unlink(self.exe)

    def alive(self):
        return self.proc.poll() is None

    def stop(self):
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *a):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def pid_alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False


def is_root():
    return os.geteuid() == 0


def have(tool):
    return shutil.which(tool, path="/usr/sbin:/usr/bin:/sbin:/bin") is not None


def netns_unusable(*tools):
    """Why a network namespace of the test's own cannot be used here (None when it can): made, its
    loopback brought up, and each of `tools` (e.g. "/usr/sbin/nft list ruleset") run inside it. Some
    machines (a chroot without a shared /run) make the namespace but cannot enter it."""
    if not is_root():
        return "needs root (network namespaces)"
    if not have("ip"):
        return "needs ip (iproute2)"
    name = f"unmine-probe-{os.getpid()}"
    ip = "/usr/sbin/ip"
    r = subprocess.run([ip, "netns", "add", name], capture_output=True, text=True)
    if r.returncode != 0:
        return "cannot create a network namespace: " + r.stderr.strip()
    try:
        for argv in [[ip, "-n", name, "link", "set", "lo", "up"]] + [[ip, "netns", "exec", name] + t.split() for t in tools]:
            r = subprocess.run(argv, capture_output=True, text=True)
            if r.returncode != 0:
                return f"cannot use a network namespace ({' '.join(argv[3:])} exits {r.returncode}): {r.stderr.strip()}"
    finally:
        subprocess.run([ip, "netns", "del", name], capture_output=True)
    return None


# Temporary cases and root copies live until the test process ends, then go (tests may still read them
# in tearDown); a failed run leaves nothing behind in /tmp for the next one to trip over.
_TEMPORARY = []
atexit.register(lambda: [shutil.rmtree(p, ignore_errors=True) for p in _TEMPORARY])

# The registry of case folders belongs to the machine running unmine: each test process has its own, so
# tests never write /var/lib/unmine and a test's cases are registered only where that test looks.
STATE_DIR = tempfile.mkdtemp(prefix="unmine-state-")
_TEMPORARY.append(STATE_DIR)
os.environ["UNMINE_STATE_DIR"] = STATE_DIR


def temp_case():
    path = tempfile.mkdtemp(prefix="unmine-case-")
    _TEMPORARY.append(path)
    return path


def copy_fixture(name):
    """Copies tests/fixtures/hosts/<name> to a temp folder (tests that change a root work on a copy)."""
    dst = tempfile.mkdtemp(prefix=f"unmine-root-{name}-")
    _TEMPORARY.append(dst)
    shutil.copytree(os.path.join(FIXTURES, "hosts", name), dst, symlinks=True, dirs_exist_ok=True)
    return dst


def main():
    """Runs the file's unittest cases verbosely; exit 77 when every test was skipped (reasons printed)."""
    prog = unittest.main(verbosity=2, exit=False)
    r = prog.result
    if not r.wasSuccessful():
        sys.exit(1)
    # A class skipped in setUpClass counts one skip that is not a test and runs nothing.
    executed = r.testsRun - sum(1 for t, _ in r.skipped if isinstance(t, unittest.TestCase))
    if r.skipped and executed == 0:
        for t, why in r.skipped:
            print(f"SKIPPED {t}: {why}")
        sys.exit(77)
    for t, why in r.skipped:
        print(f"SKIPPED {t}: {why}")
    sys.exit(0)
