"""Do no harm on this real Debian host: a stand-in miner from /tmp under twenty names of system programs and
common words (sshd, systemd, node, ...), each with a config in its folder, goes through validate, identify,
preserve and unpersist. No unpersist plan may hold a file a Debian package owns unmodified (checked here
against dpkg's own database, with merged-/usr spellings, not through unmine), and the stand-in's own
persistence (a cron line and a unit naming its full path, added by this test) is still planned."""
import glob
import hashlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import unittest

from harness import (MONERO_WALLET, Miner, StratumServer, is_root, main, pid_alive, temp_case, unmine,
                     validate_schema)

NAMES = ["sshd", "dbus-daemon", "systemd", "bash", "node", "java", "python3", "Xorg", "kworker", "cron",
         "nginx", "php-fpm", "containerd", "snapd", "rsyslogd", "agetty", "polkitd", "udisksd", "chronyd", "tuned"]
MERGED = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")


def canonical(path):
    """dpkg's /lib/x and the disk's /usr/lib/x are one file under merged /usr."""
    for top in MERGED:
        if (path == top or path.startswith(top + "/")) and os.path.islink(top):
            return "/usr" + path
    return path


def dpkg_md5s():
    """{canonical path: md5} of every file dpkg recorded a digest for (md5sums and status Conffiles)."""
    out = {}
    for sums in glob.glob("/var/lib/dpkg/info/*.md5sums"):
        with open(sums, "rb") as f:
            for line in f:
                digest, _, rel = line.decode("utf-8", "replace").rstrip("\n").partition("  ")
                if rel:
                    out[canonical("/" + rel)] = digest
    package_conffiles = False
    with open("/var/lib/dpkg/status", encoding="utf-8", errors="replace") as f:
        for line in f:
            if not line.startswith(" "):
                package_conffiles = line.startswith("Conffiles:")
                continue
            fields = line.split()
            if package_conffiles and len(fields) >= 2 and fields[0].startswith("/"):
                out[canonical(fields[0])] = fields[1]
    return out


def unmodified_package_file(path, md5s):
    real = os.path.realpath(path)
    for p in {canonical(path), canonical(real)}:
        want = md5s.get(p)
        if want and os.path.isfile(real):
            with open(real, "rb") as f:
                if hashlib.md5(f.read()).hexdigest() == want:
                    return True
    return False


class DoNoHarmOnThisHost(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not is_root():
            raise unittest.SkipTest("needs root: writes a cron line and a unit under /etc for the stand-in")
        if not os.path.exists("/var/lib/dpkg/status"):
            raise unittest.SkipTest("not a Debian host: no dpkg database to check plans against")
        cls.md5s = dpkg_md5s()
        cls.pool = StratumServer()

    @classmethod
    def tearDownClass(cls):
        cls.pool.close()

    def own_persistence(self, name, exe, config):
        """A cron line and a unit naming the stand-in's full path, removed whatever happens."""
        tag = f"unmine-harm-{os.getpid()}-{name}"
        cron = f"/etc/cron.d/{tag}"
        unit = f"/etc/systemd/system/{tag}.service"
        for path in (cron, unit):
            self.addCleanup(lambda p=path: os.path.lexists(p) and os.unlink(p))
        with open(cron, "w") as f:
            f.write(f"*/5 * * * * root {exe} -c {config} >/dev/null 2>&1\n")
        with open(unit, "w") as f:
            f.write(f"[Unit]\nDescription=system helper\n\n[Service]\nExecStart={exe} -c {config}\nRestart=always\n\n"
                    "[Install]\nWantedBy=multi-user.target\n")
        return cron, unit

    def test_the_check_knows_package_files(self):
        # The check below could not fail if it knew no package file: both /usr spellings are found.
        self.assertTrue(unmodified_package_file("/bin/ls", self.md5s))
        self.assertTrue(unmodified_package_file("/usr/bin/ls", self.md5s))
        self.assertFalse(unmodified_package_file(__file__, self.md5s))

    def test_twenty_common_names(self):
        for name in NAMES:
            with self.subTest(name=name):
                self.one_name(name)

    def one_name(self, name):
        workdir = tempfile.mkdtemp(prefix="unmine-harm-")
        self.addCleanup(shutil.rmtree, workdir, True)
        config = os.path.join(workdir, "config.json")
        with open(config, "w") as f:
            json.dump({"pools": [{"url": self.pool.url, "user": MONERO_WALLET, "pass": "x"}]}, f)
        case = temp_case()
        with Miner(["-c", config], name=name, workdir=workdir, wait_pool=self.pool) as miner:
            cron, unit = self.own_persistence(name, miner.exe, config)
            for step in (("validate",), ("identify", "--pid", miner.pid), ("preserve", "--pid", miner.pid)):
                r = unmine("--json", *step, case=case)
                self.assertIn(r.rc, (0, 10, 11, 12, 13), r)
            r = unmine("--json", "unpersist", case=case)
            self.assertIn(r.rc, (0, 10, 11, 12, 13), r)
            validate_schema(r.json, "unpersist")
            planned = [it["target"]["path"] for it in r.json["plan"]]
            harmful = [p for p in planned if unmodified_package_file(p, self.md5s)]
            self.assertEqual(harmful, [], f"{name}: the plan neutralises package files")
            self.assertIn(cron, planned, f"{name}: the stand-in's cron line is not planned")
            self.assertIn(unit, planned, f"{name}: the stand-in's unit is not planned")
            self.assertTrue(pid_alive(miner.pid), "a plan must not change anything")
        self.assertFalse(pid_alive(miner.pid))


class ProgramsThatShareMinerOptions(unittest.TestCase):
    """Real programs whose options miners also use are not miners: `xargs -P 2` once read as ethminer's pool
    option (-P) beside a shared one (-t), at high severity, so `kill --apply` would have killed a build's
    parallel jobs."""

    def test_xargs_running_parallel_jobs_is_left_alone(self):
        jobs = subprocess.Popen(["/usr/bin/xargs", "-0", "-n", "1", "-P", "2", "-t", "/usr/bin/sleep"],
                                stdin=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.addCleanup(lambda: (jobs.poll() is None and jobs.kill(), jobs.wait()))
        jobs.stdin.write(b"300\0" b"300\0")
        jobs.stdin.close()
        deadline = time.time() + 10
        children = []
        while time.time() < deadline and len(children) < 2:
            with open(f"/proc/{jobs.pid}/task/{jobs.pid}/children") as f:
                children = [int(c) for c in f.read().split()]
            time.sleep(0.05)
        self.assertEqual(len(children), 2, "xargs did not start its two jobs")
        self.addCleanup(lambda: [pid_alive(c) and os.kill(c, 9) for c in children])
        case = temp_case()
        r = unmine("--json", "validate", case=case)
        self.assertIn(r.rc, (0, 10, 11, 12, 13), r)
        self.assertNotIn(jobs.pid, [m["pid"] for m in r.json["miners"]], r)
        flagged = [f for f in r.json["findings"]
                   if f["kind"] == "process.cmdline" and f"pid {jobs.pid} " in f["summary"]]
        self.assertEqual(flagged, [], r)
        if is_root():
            r = unmine("--json", "kill", "--apply", case=case)
            self.assertNotIn(str(jobs.pid), json.dumps(r.json), r)
        for pid in [jobs.pid, *children]:
            self.assertTrue(pid_alive(pid), f"pid {pid} of the xargs tree was touched")


class BlockKeepsTheWayIn(unittest.TestCase):
    def test_ssh_peer_and_resolvers_are_never_dropped(self):
        peer = "203.0.113.9"
        case = temp_case()
        r = unmine("--json", "block", "--ip", peer, "--ip", "198.51.100.7", case=case,
                   env={"SSH_CONNECTION": f"{peer} 51234 10.0.0.1 22"})
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "block")
        dropped = [it["target"].get("address") for it in r.json["plan"] if it["kind"] == "block.nft"]
        self.assertIn("198.51.100.7", dropped)
        self.assertNotIn(peer, dropped)
        kept = {k["address"]: k["why"] for k in r.json["kept"]}
        self.assertIn("SSH_CONNECTION", kept.get(peer, ""))
        with open("/etc/resolv.conf") as f:
            resolvers = [l.split()[1] for l in f if l.startswith("nameserver") and len(l.split()) > 1]
        for ns in resolvers:
            if "%" not in ns:
                self.assertIn(ns, kept, "a resolver of /etc/resolv.conf is not kept")
        self.assertTrue(any("never dropped" in f["summary"] for f in r.json["findings"]))


if __name__ == "__main__":
    main()
