"""The fleet: IoCs out of a case, the sweep with them, bundles, merging host cases, the fleet view, and the
Ansible playbook driving three real SSH servers (each in a network namespace the test makes)."""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import unmine  # noqa: E402

W = harness.MONERO_WALLET
PLAYBOOK = os.path.join(harness.SOURCE, "fleet", "unmine.yml")
MINER_BYTES = b"\x7fELF\x02\x01\x01" + b"stand-in miner image " * 50


def tempdir(prefix):
    d = tempfile.mkdtemp(prefix=prefix)
    harness._TEMPORARY.append(d)
    return d


def write(root, rel, data, mode=0o644):
    p = os.path.join(root, rel.lstrip("/"))
    os.makedirs(os.path.dirname(p), exist_ok=True)
    with open(p, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    os.chmod(p, mode)
    return p


def base_root():
    root = tempdir("unmine-fleet-root-")
    write(root, "/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nwww-data:x:33:33::/var/www:/usr/sbin/nologin\n")
    write(root, "/etc/hostname", "host\n")
    write(root, "/etc/crontab", "SHELL=/bin/sh\n17 * * * * root cd / && run-parts --report /etc/cron.hourly\n")
    return root


def host_a():
    """A miner's cron line and its config naming wallet W."""
    root = base_root()
    write(root, "/opt/.cache/kswapd0", MINER_BYTES, 0o755)
    write(root, "/opt/.cache/config.json",
          json.dumps({"pools": [{"url": "stratum+tcp://pool.fleet-test.invalid:3333", "user": W, "pass": "x"}]}))
    write(root, "/etc/cron.d/sysupdate",
          f"*/5 * * * * root /opt/.cache/kswapd0 -o pool.fleet-test.invalid:3333 -u {W} >/dev/null 2>&1\n")
    return root


def host_b():
    """Clean."""
    return base_root()


def host_c():
    """W in a systemd unit, under another binary name."""
    root = base_root()
    write(root, "/usr/local/bin/dbus-session-helper", MINER_BYTES, 0o755)
    write(root, "/etc/systemd/system/dbus-session-helper.service",
          "[Unit]\nDescription=D-Bus session helper\n\n[Service]\n"
          f"ExecStart=/usr/local/bin/dbus-session-helper --user {W} --donate-level 1\nRestart=always\n\n"
          "[Install]\nWantedBy=multi-user.target\n")
    os.makedirs(os.path.join(root, "etc/systemd/system/multi-user.target.wants"), exist_ok=True)
    os.symlink("/etc/systemd/system/dbus-session-helper.service",
               os.path.join(root, "etc/systemd/system/multi-user.target.wants/dbus-session-helper.service"))
    return root


def iocs_of(case):
    r = unmine("--json", "case", "iocs", case=case)
    assert r.rc == 0, r
    return r.json


def flip_byte(path):
    os.chmod(path, 0o600)
    with open(path, "r+b") as f:
        b = f.read(1)
        f.seek(0)
        f.write(bytes([b[0] ^ 1]))


class Local(unittest.TestCase):
    """Everything but Ansible and SSH: run on any machine."""

    def test_iocs_and_sweep(self):
        a = harness.temp_case()
        root_a = host_a()
        r = unmine("--root", root_a, "--json", "validate", case=a)
        self.assertIn(r.rc, (10, 11, 12, 13), r)
        r = unmine("--root", root_a, "--json", "preserve", "--path", "/opt/.cache/kswapd0", case=a)
        self.assertEqual(r.rc, 0, r)
        doc = iocs_of(a)
        harness.validate_schema(doc, "iocs")
        self.assertIn(("wallet", W), [(i["type"], i["value"]) for i in doc["iocs"]])
        stix = json.loads(unmine("case", "iocs", "--format", "stix", case=a).stdout)
        harness.validate_schema(stix, "stix-bundle")
        self.assertTrue(any(o["type"] == "observed-data" for o in stix["objects"]))

        iocs = os.path.join(tempdir("unmine-iocs-"), "iocs.json")
        self.assertEqual(unmine("case", "iocs", "-o", iocs, case=a).rc, 0)
        # C: the unit is found by the wallet alone, named in the evidence; high.
        c = harness.temp_case()
        r = unmine("--root", host_c(), "--json", "validate", "--iocs", iocs, case=c)
        self.assertEqual(r.rc, 12, r)
        harness.validate_schema(r.json, "validate")
        matched = [f for f in r.json["findings"] if "ioc" in f["evidence"]]
        self.assertTrue(any(f["kind"] == "systemd" and f["evidence"]["ioc"]["value"] == W for f in matched), matched)
        self.assertTrue(any(f["kind"] == "file.miner_binary" and f["path"] == "/usr/local/bin/dbus-session-helper"
                            for f in matched), matched)
        self.assertTrue(all(f["severity"] == "high" for f in matched))
        # B: clean stays clean.
        r = unmine("--root", host_b(), "--json", "validate", "--iocs", iocs, case=harness.temp_case())
        self.assertEqual(r.rc, 0, r)
        # hunt takes them too.
        r = unmine("--root", host_c(), "--json", "hunt", "--iocs", iocs, "--no-yara", "--no-pid-sweep", case=harness.temp_case())
        self.assertTrue(any("ioc" in f.get("evidence", {}) for f in r.json["findings"]), r)

    def test_bad_ioc_file(self):
        bad = os.path.join(tempdir("unmine-iocs-"), "bad.json")
        with open(bad, "w") as f:
            f.write('{"format": "unmine-iocs", "version": 99, "iocs": []}')
        r = unmine("--root", host_b(), "--json", "validate", "--iocs", bad, case=harness.temp_case())
        self.assertEqual(r.rc, 1, r)
        self.assertIn("newer", r.json["error"]["message"])

    def test_export_import_merge(self):
        work = tempdir("unmine-fleet-")
        bundles = os.path.join(work, "bundles")
        os.makedirs(bundles)
        for name, make in (("a", host_a), ("b", host_b), ("c", host_c)):
            case = os.path.join(work, "case-" + name)
            root = make()
            unmine("--root", root, "validate", case=case)
            unmine("--root", root, "preserve", case=case)
            r = unmine("--json", "case", "export", "--host", name, "-o", os.path.join(bundles, name + ".tar.zst"), case=case)
            self.assertEqual(r.rc, 0, r)
            harness.validate_schema(r.json, "case-export")

        # Import checks every hash; a second import into the same folder is refused.
        imported = os.path.join(work, "imported")
        r = unmine("--json", "case", "import", os.path.join(bundles, "a.tar.zst"), case=imported)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(unmine("--json", "evidence", "verify", case=imported).json["intact"], True)
        r = unmine("--json", "case", "import", os.path.join(bundles, "a.tar.zst"), case=imported)
        self.assertEqual(r.rc, 1)
        self.assertIn("already holds a case", r.json["error"]["message"])

        fleet = os.path.join(work, "fleet")
        r = unmine("--json", "case", "merge", bundles, case=fleet)
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "case-merge")
        self.assertEqual(r.json["hosts"], 3)
        before = sqlite_counts(fleet)
        r = unmine("--json", "case", "merge", bundles, case=fleet)
        self.assertEqual([m["status"] for m in r.json["merged"]], ["unchanged"] * 3, r)
        self.assertEqual(sqlite_counts(fleet), before)

        st = unmine("--json", "status", case=fleet)
        harness.validate_schema(st.json, "status")
        harness.validate_schema(st.json["fleet"], "fleet")
        hosts = {h["host"]: h for h in st.json["fleet"]["hosts"]}
        self.assertEqual(sorted(hosts), ["a", "b", "c"])
        self.assertEqual(hosts["b"]["severity"], "none")
        self.assertEqual(st.json["fleet"]["campaigns"][0]["hosts"], ["a", "c"])
        self.assertIn(W, [l["value"] for l in st.json["fleet"]["campaigns"][0]["links"]])
        rep = unmine("--json", "report", "--format", "json", case=fleet)
        harness.validate_schema(rep.json, "report")
        harness.validate_schema(rep.json["fleet"], "fleet")
        for fmt in ("md", "html"):
            text = unmine("report", "--format", fmt, case=fleet).stdout
            self.assertIn("Campaigns", text)
            self.assertIn("Hosts × indicators", text)

        v = unmine("--json", "evidence", "verify", case=fleet)
        self.assertEqual(v.rc, 0, v)
        self.assertEqual(v.json["checked"]["hosts"], 3)
        harness.validate_schema(v.json, "evidence")
        # One flipped byte in one host's evidence is caught and named.
        host, item = first_host_item(fleet)
        flip_byte(os.path.join(fleet, item))
        v = unmine("--json", "evidence", "verify", case=fleet)
        self.assertEqual(v.rc, 1, v)
        self.assertTrue(any(p.get("host") == host and p["target"] == "evidence" for p in v.json["problems"]), v)

    def test_bad_bundles_merge_nothing(self):
        work = tempdir("unmine-fleet-bad-")
        case = os.path.join(work, "case")
        unmine("--root", host_a(), "validate", case=case)
        good = os.path.join(work, "a.tar.zst")
        self.assertEqual(unmine("case", "export", "--host", "a", "-o", good, case=case).rc, 0)

        # Two bundles with one host name and different cases.
        other = os.path.join(work, "other")
        unmine("--root", host_b(), "validate", case=other)
        clash = os.path.join(work, "clash")
        os.makedirs(clash)
        shutil.copy(good, os.path.join(clash, "a1.tar.zst"))
        self.assertEqual(unmine("case", "export", "--host", "a", "-o", os.path.join(clash, "a2.tar.zst"), case=other).rc, 0)
        fleet = os.path.join(work, "fleet")
        r = unmine("--json", "case", "merge", clash, case=fleet)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("different cases", r.json["error"]["message"])
        self.assertEqual(sqlite_counts(fleet)["hosts"], 0)

        # A manifest that does not match a member; a newer schema.
        tampered = rewrite_bundle(good, work, lambda files: files.__setitem__("case.db", files["case.db"] + b"\0"))
        r = unmine("--json", "case", "merge", good, tampered, case=fleet)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("does not match the manifest", r.json["error"]["message"])
        newer = rewrite_bundle(good, work, bump_schema)
        r = unmine("--json", "case", "merge", good, newer, case=fleet)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("newer than this unmine knows", r.json["error"]["message"])
        self.assertEqual(sqlite_counts(fleet)["hosts"], 0)
        # Nor a file: every bundle is checked in full before any evidence is copied into the fleet case.
        copied = [f for _, _, names in os.walk(os.path.join(fleet, "evidence")) for f in names]
        self.assertEqual(copied, [])
        r = unmine("--json", "case", "import", newer, case=os.path.join(work, "imp"))
        self.assertEqual(r.rc, 1, r)
        self.assertFalse(os.path.exists(os.path.join(work, "imp", "case.db")))


def sqlite_counts(case):
    import sqlite3
    db = sqlite3.connect(os.path.join(case, "case.db"))
    try:
        return {t: db.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("cases", "hosts", "findings", "evidence", "host_custody", "steps")}
    finally:
        db.close()


def first_host_item(fleet):
    """(host, stored path) of the first stored item of a merged host."""
    import sqlite3
    db = sqlite3.connect(os.path.join(fleet, "case.db"))
    try:
        return db.execute("SELECT h.name, e.stored_path FROM evidence e JOIN hosts h ON h.case_id=e.case_id "
                          "WHERE e.status='stored' ORDER BY h.name DESC, e.id LIMIT 1").fetchone()
    finally:
        db.close()


def rewrite_bundle(bundle, work, change):
    """The bundle unpacked, changed by `change(files)` (name -> bytes; manifest kept as it was), packed again."""
    d = tempfile.mkdtemp(dir=work)
    subprocess.run(["tar", "--zstd", "-xf", bundle, "-C", d], check=True)
    files = {}
    for top, _, names in os.walk(d):
        for n in names:
            p = os.path.join(top, n)
            with open(p, "rb") as f:
                files[os.path.relpath(p, d)] = f.read()
    change(files)
    for rel, data in files.items():
        with open(os.path.join(d, rel), "wb") as f:
            f.write(data)
    out = os.path.join(work, f"rewritten-{len(os.listdir(work))}.tar.zst")
    names = sorted(n for n in files if n != "manifest.json") + ["manifest.json"]
    subprocess.run(["tar", "--zstd", "-cf", out, "-C", d] + names, check=True)
    return out


def bump_schema(files):
    """The case database and its manifest both say a schema newer than this unmine knows (hashes consistent)."""
    import hashlib
    import sqlite3
    d = tempfile.mkdtemp()
    p = os.path.join(d, "case.db")
    with open(p, "wb") as f:
        f.write(files["case.db"])
    db = sqlite3.connect(p)
    db.execute("PRAGMA user_version=999")
    db.commit()
    db.close()
    with open(p, "rb") as f:
        files["case.db"] = f.read()
    shutil.rmtree(d)
    m = json.loads(files["manifest.json"])
    m["schema_version"] = 999
    for e in m["files"]:
        if e["path"] == "case.db":
            e["sha256"] = hashlib.sha256(files["case.db"]).hexdigest()
            e["size"] = len(files["case.db"])
    files["manifest.json"] = json.dumps(m).encode()


# --- three SSH hosts, each in a network namespace, driven by the playbook --------------------------------

def fleet_unusable():
    why = harness.netns_unusable()
    if why:
        return why
    for tool, pkg in (("/usr/sbin/sshd", "openssh-server"), ("/usr/bin/ssh-keygen", "openssh-client"),
                      ("/usr/bin/ansible-playbook", "ansible-core")):
        if not os.path.exists(tool):
            return f"needs {tool} (Debian: {pkg})"
    return None


class SshHost:
    """sshd in a network namespace of its own, reached over a veth pair with the test's own addresses."""

    def __init__(self, work, index, name, client_pub):
        tag = f"{os.getpid() % 100000}{index}"
        self.ns = f"unmine-fleet-{os.getpid()}-{name}"
        self.veth = f"ufl{tag}"
        net = 200 + index
        self.outer, self.addr = f"10.{net}.{os.getpid() % 250}.1", f"10.{net}.{os.getpid() % 250}.2"
        self.dir = os.path.join(work, "sshd-" + name)
        os.makedirs(self.dir)
        ip = "/usr/sbin/ip"
        for argv in ([ip, "netns", "add", self.ns],
                     [ip, "link", "add", self.veth, "type", "veth", "peer", "name", self.veth + "p"],
                     [ip, "link", "set", self.veth + "p", "netns", self.ns],
                     [ip, "addr", "add", self.outer + "/30", "dev", self.veth],
                     [ip, "link", "set", self.veth, "up"],
                     [ip, "-n", self.ns, "addr", "add", self.addr + "/30", "dev", self.veth + "p"],
                     [ip, "-n", self.ns, "link", "set", self.veth + "p", "up"],
                     [ip, "-n", self.ns, "link", "set", "lo", "up"]):
            subprocess.run(argv, check=True, capture_output=True)
        key = os.path.join(self.dir, "host_key")
        subprocess.run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        auth = os.path.join(self.dir, "authorized_keys")
        shutil.copy(client_pub, auth)
        config = os.path.join(self.dir, "sshd_config")
        with open(config, "w") as f:
            f.write(f"ListenAddress {self.addr}\nPort 22\nHostKey {key}\nPidFile {self.dir}/sshd.pid\n"
                    f"AuthorizedKeysFile {auth}\nPermitRootLogin prohibit-password\nPasswordAuthentication no\n"
                    "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\n"
                    "Subsystem sftp /usr/lib/openssh/sftp-server\n")
        os.makedirs("/run/sshd", exist_ok=True)
        self.proc = subprocess.Popen([ip, "netns", "exec", self.ns, "/usr/sbin/sshd", "-D", "-e", "-f", config],
                                     stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.dir, "sshd.log"), "w"))
        deadline = time.time() + 10
        while time.time() < deadline:
            r = subprocess.run([ip, "netns", "exec", self.ns, "ss", "-Hltn", f"src {self.addr}"], capture_output=True, text=True)
            if ":22" in r.stdout:
                return
            time.sleep(0.1)
        raise RuntimeError("sshd did not start: " + open(os.path.join(self.dir, "sshd.log")).read())

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        subprocess.run(["/usr/sbin/ip", "link", "del", self.veth], capture_output=True)
        subprocess.run(["/usr/sbin/ip", "netns", "del", self.ns], capture_output=True)


class Fleet(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        why = fleet_unusable()
        if why:
            raise unittest.SkipTest(why)
        cls.work = tempdir("unmine-fleet-ssh-")
        key = os.path.join(cls.work, "client_key")
        subprocess.run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        cls.hosts = []
        try:
            for i, name in enumerate("ABC"):
                cls.hosts.append(SshHost(cls.work, i + 1, name, key + ".pub"))
        except Exception:
            for h in cls.hosts:
                h.close()
            raise
        roots = {"A": host_a(), "B": host_b(), "C": host_c()}
        # The incident's IoCs: A's case as the responder made it first on A.
        first = harness.temp_case()
        unmine("--root", roots["A"], "validate", case=first)
        cls.iocs = os.path.join(cls.work, "iocs.json")
        assert unmine("case", "iocs", "-o", cls.iocs, case=first).rc == 0
        inv = os.path.join(cls.work, "inventory.ini")
        with open(inv, "w") as f:
            f.write("[fleet]\n")
            for h, name in zip(cls.hosts, "ABC"):
                remote = os.path.join(cls.work, "remote-" + name)
                f.write(f"{name} ansible_host={h.addr} unmine_root={roots[name]} unmine_remote_dir={remote} "
                        f"unmine_case={remote}/case\n")
            # A host nothing answers for: reported, the others go on.
            f.write(f"D ansible_host=10.199.{os.getpid() % 250}.2 unmine_root=/ unmine_remote_dir={cls.work}/remote-D\n")
            f.write(f"[fleet:vars]\nansible_user=root\nansible_ssh_private_key_file={key}\n"
                    "ansible_python_interpreter=/usr/bin/python3\nansible_ssh_timeout=5\n"
                    "ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null'\n")
        cls.inventory = inv
        cls.fetch = os.path.join(cls.work, "bundles")
        os.makedirs(cls.fetch)

    @classmethod
    def tearDownClass(cls):
        for h in getattr(cls, "hosts", []):
            h.close()

    def playbook(self):
        env = dict(os.environ, ANSIBLE_HOST_KEY_CHECKING="False", ANSIBLE_LOCAL_TEMP=os.path.join(self.work, "ansible-local"),
                   ANSIBLE_REMOTE_TEMP=os.path.join(self.work, "ansible-remote"), ANSIBLE_NOCOLOR="1",
                   ANSIBLE_RETRY_FILES_ENABLED="False", HOME=self.work)
        argv = ["/usr/bin/ansible-playbook", "-i", self.inventory, PLAYBOOK, "-e", "unmine_binary=" + os.path.abspath(harness.BIN),
                "-e", "unmine_fetch_dir=" + self.fetch, "-e", "unmine_iocs=" + self.iocs,
                "-e", '{"unmine_steps": ["validate", "preserve"]}']
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=600)
        recap = {}
        for m in re.finditer(r"^(\w+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", p.stdout, re.M):
            recap[m.group(1)] = {"ok": int(m.group(2)), "changed": int(m.group(3)), "unreachable": int(m.group(4)),
                                 "failed": int(m.group(5))}
        return p, recap

    def test_fleet_end_to_end(self):
        p, recap = self.playbook()
        out = p.stdout + p.stderr
        for name in "ABC":
            self.assertIn(name, recap, out)
            self.assertEqual((recap[name]["failed"], recap[name]["unreachable"]), (0, 0), out)
            self.assertGreater(recap[name]["changed"], 0, out)
        self.assertEqual(recap.get("D", {}).get("unreachable"), 1, out)
        bundles = sorted(os.listdir(self.fetch))
        self.assertEqual(bundles, ["A.tar.zst", "B.tar.zst", "C.tar.zst"], out)
        hashes = {b: sha256(os.path.join(self.fetch, b)) for b in bundles}

        fleet = os.path.join(self.work, "fleet")
        r = unmine("--json", "case", "merge", self.fetch, case=fleet)
        self.assertEqual(r.rc, 0, r)
        st = unmine("--json", "status", case=fleet).json
        harness.validate_schema(st["fleet"], "fleet")
        sev = {h["host"]: h["severity"] for h in st["fleet"]["hosts"]}
        self.assertEqual(sev, {"A": "high", "B": "none", "C": "high"}, st["fleet"])
        self.assertEqual(len(st["fleet"]["campaigns"]), 1, st["fleet"])
        camp = st["fleet"]["campaigns"][0]
        self.assertEqual(camp["hosts"], ["A", "C"])
        self.assertIn(("wallet", W), [(l["type"], l["value"]) for l in camp["links"]])
        # C's unit, found by the wallet alone.
        c_case = os.path.join(self.work, "remote-C", "case")
        units = [f for f in unmine("--json", "report", "--format", "json", case=c_case).json["findings"]
                 if f["kind"] == "systemd" and f["evidence"].get("ioc", {}).get("value") == W]
        self.assertTrue(units, "C's unit was not matched by the wallet IoC")

        # A second run changes nothing, on the hosts and in the bundles; a second merge neither.
        p2, recap2 = self.playbook()
        for name in "ABC":
            self.assertEqual(recap2[name]["changed"], 0, p2.stdout)
        self.assertEqual({b: sha256(os.path.join(self.fetch, b)) for b in bundles}, hashes)
        before = sqlite_counts(fleet)
        r = unmine("--json", "case", "merge", self.fetch, case=fleet)
        self.assertEqual([m["status"] for m in r.json["merged"]], ["unchanged"] * 3, r)
        self.assertEqual(sqlite_counts(fleet), before)

        v = unmine("--json", "evidence", "verify", case=fleet)
        self.assertEqual(v.rc, 0, v)
        self.assertEqual(v.json["checked"]["hosts"], 3)
        host, item = first_host_item(fleet)
        flip_byte(os.path.join(fleet, item))
        v = unmine("--json", "evidence", "verify", case=fleet)
        self.assertEqual(v.rc, 1, v)
        self.assertTrue(any(p.get("host") == host for p in v.json["problems"]), v)


def sha256(path):
    import hashlib
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


if __name__ == "__main__":
    harness.main()
