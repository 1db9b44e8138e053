"""The stand-in miner in a real Docker container: an image imported from a small rootfs tarball (no registry),
the miner named node, its config.json in the container's working folder /app, mining to a loopback pool on
port 443 (or a free port) over the host's network. validate must report it without being told its PID,
name it XMRig from the container's own files, and name the container Docker's.

Docker is driven through its absolute paths only. A running engine (/run/docker.sock) is used as it is;
otherwise the test starts its own dockerd on Docker's own data root (/var/lib/docker, where identify reads a
container's metadata) with an exec root and socket of its own, and stops it; the image and container it
made are removed.
Where no engine can run (no docker.io, no cgroups or overlay for it), the test skips with the reason."""
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest
import uuid

from harness import MONERO_WALLET, STANDIN_MINER, main, temp_case, unmine, validate_schema
from test_detection_depth import library_paths, pool_on_443_or_any, validate_finds_contained_miner

DOCKER = next((p for p in ("/usr/bin/docker", "/usr/local/bin/docker") if os.path.exists(p)), None)
DOCKERD = next((p for p in ("/usr/sbin/dockerd", "/usr/bin/dockerd") if os.path.exists(p)), None)
SYSTEM_SOCKET = "/run/docker.sock"
# dockerd finds containerd, runc and its proxy by PATH: the system's folders, never the caller's.
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"


class Engine:
    """A Docker engine to talk to: the running one, or one this test starts and stops."""

    def __init__(self):
        self.work = None
        self.proc = None
        self.log_path = None
        if os.path.exists(SYSTEM_SOCKET) and self._answers("unix://" + SYSTEM_SOCKET):
            self.host = "unix://" + SYSTEM_SOCKET
            return
        self.work = tempfile.mkdtemp(prefix="unmine-dockerd-")
        self.host = f"unix://{self.work}/docker.sock"
        self.log_path = os.path.join(self.work, "dockerd.log")
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [DOCKERD, "--host", self.host, "--exec-root", f"{self.work}/exec",
                 "--pidfile", f"{self.work}/dockerd.pid", "--bridge=none", "--iptables=false"],
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, env={"PATH": SYSTEM_PATH},
                start_new_session=True)
        deadline = time.time() + 40
        while time.time() < deadline:
            if self.proc.poll() is not None:
                break
            if self._answers(self.host):
                return
            time.sleep(0.5)
        reason = self.log_tail()
        self.close()
        raise RuntimeError("dockerd did not start: " + reason)

    def _answers(self, host):
        r = subprocess.run([DOCKER, "--host", host, "version", "--format", "{{.Server.Version}}"],
                           capture_output=True, text=True, env={"PATH": SYSTEM_PATH}, timeout=20)
        return r.returncode == 0 and r.stdout.strip() != ""

    def log_tail(self):
        if not self.log_path or not os.path.exists(self.log_path):
            return "no log"
        with open(self.log_path, errors="replace") as f:
            lines = [l.strip() for l in f if l.strip()]
        return " | ".join(lines[-3:]) or "no output"

    def docker(self, *args, stdin=None, check=True, timeout=120):
        r = subprocess.run([DOCKER, "--host", self.host, *args], input=stdin, capture_output=True,
                           env={"PATH": SYSTEM_PATH}, timeout=timeout)
        if check and r.returncode != 0:
            raise AssertionError(f"docker {' '.join(args)}: {r.stderr.decode(errors='replace')}")
        return r.stdout.decode(errors="replace").strip()

    def close(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.work:
            # What dockerd left mounted under its own folders (the network namespace it pins) goes first.
            for point in sorted(mounts_under(self.work), key=len, reverse=True):
                subprocess.run(["/usr/bin/umount", "--lazy", point], capture_output=True)
            shutil.rmtree(self.work, ignore_errors=True)


def mounts_under(folder):
    """Mount points at or below `folder` (from /proc/self/mountinfo; octal escapes are left as they are)."""
    points = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            point = line.split()[4]
            if point == folder or point.startswith(folder + "/"):
                points.append(point)
    return points


def docker_skip_reason():
    if os.geteuid() != 0:
        return "needs root (a Docker engine)"
    if DOCKER is None:
        return "no Docker client at /usr/bin/docker (Debian's docker.io) or /usr/local/bin/docker"
    if DOCKERD is None and not os.path.exists(SYSTEM_SOCKET):
        return "no Docker engine: neither a running one (/run/docker.sock) nor dockerd (Debian's docker.io)"
    return None


def rootfs_tarball(pool_port):
    """A rootfs holding the stand-in as /usr/local/bin/node, the libraries it loads, and /app/config.json."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tar:
        for lib in library_paths(STANDIN_MINER):
            tar.add(os.path.realpath(lib), arcname=lib.lstrip("/"))
        tar.add(STANDIN_MINER, arcname="usr/local/bin/node")
        config = {"autosave": True, "cpu": True, "donate-level": 1,
                  "pools": [{"url": f"127.0.0.1:{pool_port}", "user": MONERO_WALLET, "pass": "x", "keepalive": True}]}
        data = json.dumps(config).encode()
        info = tarfile.TarInfo("app/config.json")
        info.size = len(data)
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
        for d in ("tmp", "proc", "sys", "dev", "etc"):
            info = tarfile.TarInfo(d)
            info.type = tarfile.DIRTYPE
            info.mode = 0o755
            tar.addfile(info)
    return buf.getvalue()


class DockerMiner(unittest.TestCase):
    """One engine, image and running container for the class: starting dockerd takes seconds."""

    @classmethod
    def setUpClass(cls):
        reason = docker_skip_reason()
        if reason:
            raise unittest.SkipTest(reason)
        try:
            cls.engine = Engine()
        except (RuntimeError, OSError, subprocess.TimeoutExpired) as e:
            raise unittest.SkipTest(f"no Docker engine can run here: {e}")
        try:
            cls.start_miner()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def start_miner(cls):
        cls.pool = pool_on_443_or_any()
        tag = "unmine-test-node-" + uuid.uuid4().hex[:8]
        cls.image, cls.name = f"{tag}:1", tag
        cls.engine.docker("import", "-", cls.image, stdin=rootfs_tarball(cls.pool.port))
        cls.cid = cls.engine.docker("run", "--detach", "--name", cls.name, "--network", "host", "--workdir", "/app",
                                    cls.image, "/usr/local/bin/node")
        try:
            cls.pool.wait_login(timeout=20)
        except AssertionError:
            raise AssertionError("the miner in the container never logged in: " +
                                 cls.engine.docker("logs", cls.name, check=False))
        cls.pid = int(cls.engine.docker("inspect", "--format", "{{.State.Pid}}", cls.name))

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "name", None):
            cls.engine.docker("rm", "--force", cls.name, check=False)
        if getattr(cls, "image", None):
            cls.engine.docker("rmi", "--force", cls.image, check=False)
        if getattr(cls, "pool", None):
            cls.pool.close()
        cls.engine.close()

    def setUp(self):
        self.case = temp_case()

    def test_validate_finds_the_container_miner_without_its_pid(self):
        _, m = validate_finds_contained_miner(self, self.case, self.pid, self.pool.port)
        self.assertEqual(m["container"]["runtime"], "docker", m)
        self.assertTrue(self.cid.startswith(m["container"]["id"]) or m["container"]["id"].startswith(self.cid), m)

    def test_identify_names_the_container(self):
        r = unmine("--json", "identify", "--pid", str(self.pid), case=self.case)
        self.assertNotIn(r.rc, (1, 2), r)
        validate_schema(r.json, "identify")
        m = r.json["miners"][0]
        self.assertEqual(m["family"], "xmrig")
        self.assertEqual(m["container"]["runtime"], "docker", m)
        self.assertEqual(m["container"]["image"], self.image, m)


if __name__ == "__main__":
    main()
