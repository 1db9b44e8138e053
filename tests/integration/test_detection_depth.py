"""Detection depth: validate finds a miner that names itself like an ordinary program, runs in a container
of its own (a mount namespace with a small root, entered by pivot_root as a container runtime does) and
reads its config.json from its working folder, without being told its PID. identify names XMRig by its
content under any name, names a packed build as packed, and reads a running packed miner's memory."""
import ctypes
import ctypes.util
import json
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import BUILD, MONERO_WALLET, STANDIN_MINER, StratumServer, main, temp_case, unmine, validate_schema

STANDIN_PACKED = os.path.join(BUILD, "tests", "standin_packed_miner")

CLONE_NEWNS = 0x00020000
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000
MNT_DETACH = 2
SYS_PIVOT_ROOT = 155  # x86_64

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


def _check(rc, what):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def enter_container(root, workdir):
    """In the child, before exec: a mount namespace of its own whose root is `root` (pivot_root), the old
    root detached, the working folder `workdir` inside it. What a container runtime does, minus the rest."""
    def setup():
        _check(_libc.unshare(CLONE_NEWNS), "unshare")
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "mount private")
        _check(_libc.mount(root.encode(), root.encode(), None, MS_BIND | MS_REC, None), "bind root")
        os.chdir(root)
        _check(_libc.syscall(SYS_PIVOT_ROOT, b".", b"old"), "pivot_root")
        os.chdir("/")
        _check(_libc.umount2(b"/old", MNT_DETACH), "umount old root")
        os.rmdir("/old")
        os.chdir(workdir)
    return setup


def library_paths(exe):
    """The shared objects a dynamically linked executable loads (ldd's answer)."""
    out = subprocess.run(["/usr/bin/ldd", exe], capture_output=True, text=True, check=True).stdout
    paths = []
    for line in out.splitlines():
        for word in line.split():
            if word.startswith("/") and os.path.exists(word):
                paths.append(word)
    return paths


def container_skip_reason():
    if os.geteuid() != 0:
        return "needs root (mount namespaces, pivot_root)"
    if not os.path.exists("/usr/bin/ldd"):
        return "no /usr/bin/ldd to find the stand-in's libraries for the container root"
    r = subprocess.run(["/usr/bin/unshare", "-m", "/bin/true"], capture_output=True, text=True)
    if r.returncode != 0:
        return "cannot create a mount namespace: " + r.stderr.strip()
    return None


def pool_on_443_or_any():
    """A loopback pool on port 443 when it is free (miners hide in HTTPS), else on a port the system picks."""
    try:
        return StratumServer(port=443)
    except OSError:
        return StratumServer()


def validate_finds_contained_miner(test, case, pid, pool_port):
    """validate, told nothing, reports the stand-in at `pid` as XMRig from its container's own files
    (/app/config.json, its wallet, its pool on `pool_port`). Returns validate's result and that miner."""
    r = unmine("--json", "validate", case=case)
    test.assertGreaterEqual(r.rc, 11, r)
    validate_schema(r.json, "validate")
    miners = [m for m in r.json["miners"] if m["pid"] == pid]
    test.assertEqual(len(miners), 1, r)
    m = miners[0]
    test.assertEqual(m["family"], "xmrig")
    test.assertEqual(m["version"], "6.26.0")
    test.assertEqual(m["config_path"], "/app/config.json")
    test.assertEqual(m["wallets"][0]["address"], MONERO_WALLET)
    test.assertTrue(any(p["port"] == pool_port for p in m["pools"]), m["pools"])
    kinds = {f["kind"] for f in r.json["findings"] if f.get("pid") == pid}
    test.assertIn("process.config", kinds, r)
    test.assertIn("net.connection", kinds, r)
    return r, m


class ContainerMiner(unittest.TestCase):
    """The stand-in miner, named node, in its own mount namespace and root, config.json in /app."""

    def setUp(self):
        reason = container_skip_reason()
        if reason:
            self.skipTest(reason)
        self.case = temp_case()
        self.pool = pool_on_443_or_any()
        self.addCleanup(self.pool.close)
        self.root = tempfile.mkdtemp(prefix="unmine-container-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        for lib in library_paths(STANDIN_MINER):
            dst = os.path.join(self.root, lib.lstrip("/"))
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            shutil.copy(lib, dst)
        node = os.path.join(self.root, "usr/local/bin/node")
        os.makedirs(os.path.dirname(node))
        shutil.copy(STANDIN_MINER, node)
        os.makedirs(os.path.join(self.root, "app"))
        os.makedirs(os.path.join(self.root, "old"))
        config = {"autosave": True, "cpu": True, "donate-level": 1,
                  "pools": [{"url": f"127.0.0.1:{self.pool.port}", "user": MONERO_WALLET, "pass": "x", "keepalive": True}]}
        with open(os.path.join(self.root, "app/config.json"), "w") as f:
            json.dump(config, f)
        # No options: like XMRig, the stand-in reads config.json from its working folder.
        self.proc = subprocess.Popen(["/usr/local/bin/node"], env={"PATH": "/usr/local/bin"}, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                                     preexec_fn=enter_container(self.root, "/app"))
        self.addCleanup(self.stop)
        try:
            self.pool.wait_login(timeout=10)
        except AssertionError:
            self.stop()
            self.fail("the contained miner never logged in: " + self.proc.stderr.read().decode(errors="replace"))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=5)
        self.proc.stderr.close()

    def test_validate_finds_it_without_its_pid(self):
        pid = self.proc.pid
        # Its files are its own: the host has no /app/config.json and no /usr/local/bin/node of this miner.
        self.assertEqual(os.readlink(f"/proc/{pid}/cwd"), "/app")
        r, _ = validate_finds_contained_miner(self, self.case, pid, self.pool.port)
        self.assertIn(r.json["verdict"]["case"], ("Active Cryptomining", "Persistent Cryptomining",
                                                  "Advanced Cryptomining Operation"), r)


class ByContent(unittest.TestCase):
    """XMRig by what its executable holds, whatever its name; packed builds by their memory."""

    def setUp(self):
        self.case = temp_case()
        self.dir = tempfile.mkdtemp(prefix="unmine-depth-")
        self.addCleanup(shutil.rmtree, self.dir, ignore_errors=True)

    def identify(self, *args):
        r = unmine("--json", "identify", *args, case=self.case)
        self.assertNotIn(r.rc, (1, 2), r)
        validate_schema(r.json, "identify")
        return r

    def test_renamed_binary_is_xmrig_6_26_0(self):
        renamed = os.path.join(self.dir, "php-fpm8")
        shutil.copy(STANDIN_MINER, renamed)
        f = self.identify("--file", renamed).json["files"][0]
        self.assertEqual(f["family"], "xmrig")
        self.assertEqual(f["family_source"], "content")
        self.assertEqual(f["version"], "6.26.0")
        self.assertNotIn("donate.v2.xmrig.com", [p["host"] for p in f["pools"]])

    def test_packed_binary_is_named_packed(self):
        f = self.identify("--file", STANDIN_PACKED).json["files"][0]
        self.assertEqual(f["packed"], "upx")
        self.assertEqual(f["family"], "unknown")  # nothing of XMRig shows in the file

    def test_running_packed_miner_is_read_from_memory(self):
        if not os.path.exists(f"/proc/{os.getpid()}/mem"):
            self.skipTest("no /proc/PID/mem")
        with StratumServer() as pool:
            config = os.path.join(self.dir, "c.json")
            with open(config, "w") as f:
                json.dump({"pools": [{"url": pool.url, "user": MONERO_WALLET}]}, f)
            exe = os.path.join(self.dir, "svc")
            shutil.copy(STANDIN_PACKED, exe)
            # The config is deleted once read: pool and wallet are then in the process's memory alone.
            proc = subprocess.Popen([exe, "-c", config, "--unlink-config"], cwd=self.dir, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
            try:
                pool.wait_login()
                self.assertFalse(os.path.exists(config))
                r = self.identify("--pid", proc.pid)
                m = next(m for m in r.json["miners"] if m["pid"] == proc.pid)
                self.assertEqual(m["packed"], "upx")
                self.assertEqual(m["family"], "xmrig")
                self.assertEqual(m["family_source"], "memory")
                self.assertEqual(m["version"], "6.26.0")
                self.assertTrue(m["user_agent"].startswith("XMRig/6.26.0 (Linux x86_64)"), m)
                self.assertTrue(any(p["source"] == "memory" and p["port"] == pool.port for p in m["pools"]), m["pools"])
                self.assertIn(MONERO_WALLET, [w["address"] for w in m["wallets"]])
                binary = [f for f in r.json["findings"] if f["kind"] == "file.miner_binary" and f.get("pid") == proc.pid]
                self.assertEqual(len(binary), 1, r)
                self.assertEqual(binary[0]["severity"], "high")
            finally:
                proc.kill()
                proc.wait(timeout=5)


if __name__ == "__main__":
    main()
