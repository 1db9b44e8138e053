"""block: nftables in network namespaces the test creates, the hosts-file sinkhole on a fixture root copy,
exports checked by the real tools, bad input."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness  # noqa: E402
from harness import unmine  # noqa: E402

PID = os.getpid()
SUBNET = f"10.213.{PID % 250}"
POOL_ADDR = f"{SUBNET}.1"
MINER_ADDR = f"{SUBNET}.2"
FIXTURE_HOSTS = os.path.join(harness.FIXTURES, "hosts", "block", "etc", "hosts")

# Listens on the given ports in the pool's namespace and echoes every line back.
ECHO_SERVER = r"""
import socket, sys, threading
def serve(s):
    while True:
        c, _ = s.accept()
        threading.Thread(target=echo, args=(c,), daemon=True).start()
def echo(c):
    while True:
        d = c.recv(4096)
        if not d:
            return
        c.sendall(d)
socks = []
for port in sys.argv[2:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((sys.argv[1], int(port)))
    s.listen(16)
    socks.append(s)
    threading.Thread(target=serve, args=(s,), daemon=True).start()
print("ready", flush=True)
sys.stdin.read()
"""

# The stand-in miner's network side, driven line by line: "open NAME PORT", "send NAME", "try PORT".
MINER_CLIENT = r"""
import socket, sys
conns = {}
for line in sys.stdin:
    cmd = line.split()
    try:
        if cmd[0] == "open":
            s = socket.create_connection((sys.argv[1], int(cmd[2])), timeout=2)
            conns[cmd[1]] = s
        elif cmd[0] == "send":
            s = conns[cmd[1]]
            s.settimeout(2)
            s.sendall(b'{"id":1,"method":"submit"}\n')
            if not s.recv(4096):
                raise OSError("closed")
        elif cmd[0] == "try":
            socket.create_connection((sys.argv[1], int(cmd[1])), timeout=2).close()
        print("ok", flush=True)
    except OSError as e:
        print("fail " + type(e).__name__, flush=True)
"""


def run(*argv, check=True, **kw):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, check=check, timeout=60, **kw)


def can_use_netns():
    for tool in ("ip", "nft"):
        if not harness.have(tool):
            return f"needs {tool}"
    return harness.netns_unusable("/usr/sbin/nft list ruleset")


def normalized(ruleset_json):
    """The ruleset with volatile numbers (counters, handles) zeroed, for comparisons."""
    doc = json.loads(ruleset_json)
    out = []
    for item in doc["nftables"]:
        if "metainfo" in item:
            continue
        for obj in item.values():
            if isinstance(obj, dict):
                obj.pop("handle", None)
                if "packets" in obj:
                    obj["packets"] = obj["bytes"] = 0
        out.append(item)
    return json.dumps(out, sort_keys=True)


def table(ruleset_json, family, name):
    items = []
    for item in json.loads(ruleset_json)["nftables"]:
        for kind, obj in item.items():
            if not isinstance(obj, dict):
                continue
            if (kind == "table" and obj.get("name") == name and obj.get("family") == family) or \
               (obj.get("table") == name and obj.get("family") == family):
                items.append(item)
    return items


def read(path):
    with open(path, "rb") as f:
        return f.read()


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class NetnsBlock(unittest.TestCase):
    """A stratum pool in one namespace, the miner in another, unmine run inside the miner's namespace."""

    def setUp(self):
        why = can_use_netns()
        if why:
            self.skipTest(why)
        self.pool_ns, self.miner_ns = f"unmine-pool-{PID}", f"unmine-miner-{PID}"
        self.cleanup = []
        ip = "/usr/sbin/ip"
        run(ip, "netns", "add", self.pool_ns)
        self.cleanup.append(lambda: run(ip, "netns", "del", self.pool_ns, check=False))
        run(ip, "netns", "add", self.miner_ns)
        self.cleanup.append(lambda: run(ip, "netns", "del", self.miner_ns, check=False))
        veth_pool, veth_miner = f"ubp{PID}", f"ubm{PID}"
        run(ip, "link", "add", veth_pool, "type", "veth", "peer", "name", veth_miner)
        run(ip, "link", "set", veth_pool, "netns", self.pool_ns)
        run(ip, "link", "set", veth_miner, "netns", self.miner_ns)
        for ns, dev, addr in ((self.pool_ns, veth_pool, POOL_ADDR), (self.miner_ns, veth_miner, MINER_ADDR)):
            run(ip, "-n", ns, "addr", "add", addr + "/24", "dev", dev)
            run(ip, "-n", ns, "link", "set", dev, "up")
            run(ip, "-n", ns, "link", "set", "lo", "up")
        self.server = subprocess.Popen([ip, "netns", "exec", self.pool_ns, sys.executable, "-c", ECHO_SERVER,
                                        POOL_ADDR, "3333", "8080"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       text=True)
        self.cleanup.append(self._stop(self.server))
        self.assertEqual(self.server.stdout.readline().strip(), "ready")
        self.miner = subprocess.Popen([ip, "netns", "exec", self.miner_ns, sys.executable, "-c", MINER_CLIENT, POOL_ADDR],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.cleanup.append(self._stop(self.miner))
        self.case = harness.temp_case()
        self.cleanup.append(lambda: shutil.rmtree(self.case, ignore_errors=True))
        self.root = harness.copy_fixture("block")
        self.cleanup.append(lambda: shutil.rmtree(self.root, ignore_errors=True))

    def tearDown(self):
        for c in reversed(getattr(self, "cleanup", [])):
            c()

    @staticmethod
    def _stop(proc):
        def stop():
            try:
                proc.stdin.close()
            except OSError:
                pass
            proc.kill()
            proc.wait(timeout=5)
        return stop

    def ask(self, line):
        self.miner.stdin.write(line + "\n")
        self.miner.stdin.flush()
        return self.miner.stdout.readline().strip()

    def nft(self, *args):
        return run("/usr/sbin/ip", "netns", "exec", self.miner_ns, "/usr/sbin/nft", *args).stdout

    def block(self, *args):
        # --root: the fixture copy's hosts file; --proc /proc: the live kernel, i.e. this namespace's firewall.
        argv = ["/usr/sbin/ip", "netns", "exec", self.miner_ns, harness.BIN, "--case", self.case, "--root", self.root,
                "--proc", "/proc", "--json", "block", *args]
        return harness.Result(subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL))

    def test_block_apply_idempotent_and_remove(self):
        self.assertEqual(self.ask("open pool 3333"), "ok")
        self.assertEqual(self.ask("send pool"), "ok")
        self.assertEqual(self.ask("try 8080"), "ok")
        foreign = f"foreign{PID}"
        self.nft("add", "table", "inet", foreign)
        self.nft("add", "chain", "inet", foreign, "c", "{ type filter hook output priority 10; policy accept; }")
        self.nft("add", "rule", "inet", foreign, "c", "tcp", "dport", "9", "counter", "accept")
        before = self.nft("-j", "list", "ruleset")

        r = self.block("--apply", "--ip", POOL_ADDR)
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "block")
        kinds = {a["kind"]: a for a in r.json["actions"]}
        self.assertEqual(kinds["block.nft"]["status"], "done", r)
        self.assertEqual(kinds["block.hosts"]["status"], "done", r)

        # The established connection stops passing traffic, a new one fails, port 8080 to the same peer works.
        self.assertTrue(self.ask("send pool").startswith("fail"))
        self.assertTrue(self.ask("try 3333").startswith("fail"))
        self.assertEqual(self.ask("try 8080"), "ok")
        counters = {c["counter"]["name"]: c["counter"]["packets"]
                    for c in json.loads(self.nft("-j", "list", "counters", "table", "inet", "unmine"))["nftables"]
                    if "counter" in c}
        self.assertGreater(counters["pool"], 0)

        applied = self.nft("-j", "list", "ruleset")
        self.assertEqual(table(before, "inet", foreign), table(applied, "inet", foreign))
        ours = table(applied, "inet", "unmine")
        chains = {i["chain"]["name"]: i["chain"] for i in ours if "chain" in i}
        self.assertEqual(chains["output"]["hook"], "output")
        self.assertEqual(chains["forward"]["hook"], "forward")
        sets = {i["set"]["name"]: i["set"] for i in ours if "set" in i}
        self.assertEqual(sets["pool_v4"]["elem"], [POOL_ADDR])
        self.assertIn(3333, sets["stratum_ports"]["elem"])
        for service in (25, 80, 443, 8080):
            self.assertNotIn(service, sets["stratum_ports"]["elem"])

        # Twice: the same ruleset.
        r = self.block("--apply", "--ip", POOL_ADDR)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual({a["kind"]: a["status"] for a in r.json["actions"]}, {"block.nft": "skipped", "block.hosts": "skipped"})
        self.assertEqual(normalized(applied), normalized(self.nft("-j", "list", "ruleset")))

        # A new indicator: only a set element is added.
        extra = f"{SUBNET}.9"
        r = self.block("--apply", "--ip", POOL_ADDR, "--ip", extra)
        self.assertEqual(r.rc, 0, r)
        grown = self.nft("-j", "list", "ruleset")
        expected = json.loads(normalized(applied))
        for item in expected:
            if item.get("set", {}).get("name") == "pool_v4" and item["set"]["table"] == "unmine":
                item["set"]["elem"] = sorted([POOL_ADDR, extra])
        got = json.loads(normalized(grown))
        for item in got:
            if item.get("set", {}).get("name") == "pool_v4" and item["set"]["table"] == "unmine":
                item["set"]["elem"] = sorted(item["set"]["elem"])
        self.assertEqual(json.dumps(expected, sort_keys=True), json.dumps(got, sort_keys=True))

        # Remove: our table goes, the foreign one stays, a new connection succeeds again.
        r = self.block("--remove", "--apply")
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "block")
        self.assertEqual({a["kind"]: a["status"] for a in r.json["actions"]}, {"unblock.nft": "done", "unblock.hosts": "done"})
        self.assertGreater(r.json["counters"]["pool"]["packets"], 0)
        removed = self.nft("-j", "list", "ruleset")
        self.assertEqual(table(removed, "inet", "unmine"), [])
        self.assertEqual(normalized(before), normalized(removed))
        self.assertEqual(self.ask("try 3333"), "ok")
        with open(os.path.join(self.root, "etc", "hosts"), "rb") as a, open(FIXTURE_HOSTS, "rb") as b:
            self.assertEqual(a.read(), b.read())
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        statuses = dict(db.execute("SELECT kind, group_concat(DISTINCT status) FROM actions GROUP BY kind"))
        self.assertEqual(statuses["unblock.nft"], "done")
        self.assertNotIn("done", statuses["block.nft"].split(","))

    def test_no_nftables_permission_falls_back_to_exports(self):
        # Without CAP_NET_ADMIN nft cannot list or change the ruleset: the action fails with the reason and
        # the firewall exports land in the case.
        if not harness.have("setpriv"):
            self.skipTest("needs setpriv to drop CAP_NET_ADMIN")
        argv = ["/usr/sbin/ip", "netns", "exec", self.miner_ns, "setpriv", "--inh-caps=-net_admin",
                "--bounding-set=-net_admin", harness.BIN, "--case", self.case, "--root", self.root, "--proc", "/proc",
                "--json", "block", "--apply", "--ip", POOL_ADDR]
        r = harness.Result(subprocess.run(argv, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL))
        self.assertEqual(r.rc, 1, r)
        nft = [a for a in r.json["actions"] if a["kind"] == "block.nft"][0]
        self.assertEqual(nft["status"], "failed")
        self.assertIn("nftables unavailable", nft["error"])
        for name in ("block.nft", "block.iptables", "block.ip6tables"):
            self.assertTrue(os.path.exists(os.path.join(self.case, "exports", name)), name)
        self.assertEqual(self.nft("list", "tables").strip(), "")


class HostsBlock(unittest.TestCase):
    """The hosts-file sinkhole on a copy of a fixture root (no firewall: the root is not the live host)."""

    def setUp(self):
        self.root = harness.copy_fixture("block")
        self.case = harness.temp_case()
        self.hosts = os.path.join(self.root, "etc", "hosts")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.case, ignore_errors=True)

    def block(self, *args):
        return unmine("--root", self.root, "--json", "block", *args, case=self.case)

    def test_plan_changes_nothing(self):
        r = self.block("--host", "pool.evil.example", "--ip", "198.51.100.7")
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "block")
        kinds = {(p["kind"], p["reason"]) for p in r.json["plan"]}
        self.assertIn(("block.nft", "--ip"), kinds)
        self.assertIn(("block.hosts", "--host"), kinds)
        self.assertIn(("block.nft", "playbook"), kinds)
        anyp = [p for p in r.json["plan"] if p["target"].get("address") == "any"][0]
        self.assertIn(3333, anyp["target"]["ports"])
        self.assertNotIn(8080, anyp["target"]["ports"])
        self.assertEqual(sha256(self.hosts), sha256(FIXTURE_HOSTS))
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        self.assertEqual(db.execute("SELECT count(*) FROM actions").fetchone()[0], 0)
        self.assertEqual(db.execute("SELECT status FROM steps WHERE step='block'").fetchone()[0], "planned")
        text = unmine("--root", self.root, "block", "--ip", "198.51.100.7", case=self.case)
        self.assertEqual(text.rc, 0, text)
        self.assertIn("198.51.100.7", text.stdout)
        self.assertIn("Dry run", text.stdout)

    def test_plan_uses_the_case_indicators(self):
        r = self.block()
        self.assertEqual(r.rc, 0, r)
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        rows = [("domain", "pool.case.example"), ("ipv4", "192.0.2.44"), ("ipv6", "2001:DB8::44"), ("port", "8443"),
                ("domain", "bad.example;reboot")]
        with db:
            for t, v in rows:
                db.execute("INSERT INTO indicators(case_id, type, value, first_seen) VALUES(1, ?, ?, '2026-01-01T00:00:00Z')",
                           (t, v))
        r = self.block()
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "block")
        by_target = {(p["target"].get("address") or p["target"].get("domain")): p for p in r.json["plan"]}
        self.assertEqual(by_target["192.0.2.44"]["reason"], "incident")
        self.assertIn(8443, by_target["192.0.2.44"]["target"]["ports"])
        self.assertIn(3333, by_target["192.0.2.44"]["target"]["ports"])
        self.assertEqual(by_target["2001:db8::44"]["reason"], "incident")
        self.assertNotIn(8443, by_target["any"]["target"]["ports"])
        self.assertEqual(by_target["pool.case.example"]["reason"], "incident")
        rejected = [f for f in r.json["findings"] if f["kind"] == "net.dns"]
        self.assertEqual(len(rejected), 1)
        self.assertIn("bad.example", rejected[0]["summary"])
        self.assertNotIn("bad.example;reboot", json.dumps(r.json["plan"]))

    def test_block_reblock_remove_byte_identical(self):
        original = read(self.hosts)
        os.chmod(self.hosts, 0o640)
        r = self.block("--apply", "--host", "pool.evil.example")
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "block")
        acts = {a["kind"]: a for a in r.json["actions"]}
        self.assertEqual(acts["block.nft"]["status"], "skipped")
        self.assertEqual(acts["block.hosts"]["status"], "done")
        data = read(self.hosts)
        self.assertTrue(data.startswith(original + b"\n# BEGIN unmine block (case "))
        self.assertIn(b"\n0.0.0.0 pool.evil.example\n:: pool.evil.example\n", data)
        self.assertIn(b"\n0.0.0.0 pool.supportxmr.com\n", data)
        self.assertTrue(data.endswith(b"# END unmine block\n"))
        self.assertEqual(os.stat(self.hosts).st_mode & 0o777, 0o640)
        # Preserved first: the evidence row holds the original's hash and a stored copy.
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        ev_id = acts["block.hosts"]["evidence_id"]
        sha, stored, status = db.execute("SELECT sha256, stored_path, status FROM evidence WHERE id=?", (ev_id,)).fetchone()
        self.assertEqual(sha, hashlib.sha256(original).hexdigest())
        self.assertEqual(status, "stored")
        self.assertEqual(sha256(os.path.join(self.case, stored)), sha)
        # The attacker's lines are findings.
        found = {(f["line"], f["severity"]) for f in r.json["findings"] if f["kind"] == "net.dns"}
        self.assertIn((10, "low"), found)   # rival pools sent to 127.0.0.1
        self.assertIn((13, "low"), found)   # a name pinned to a public address
        self.assertIn((14, "high"), found)  # a pool sent to a routable address

        r = self.block("--apply", "--host", "pool.evil.example")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([a["status"] for a in r.json["actions"] if a["kind"] == "block.hosts"], ["skipped"])
        self.assertEqual(read(self.hosts), data)

        r = self.block("--apply", "--host", "second.evil.example")
        self.assertEqual(r.rc, 0, r)
        grown = read(self.hosts)
        self.assertEqual(grown.count(b"# BEGIN unmine block"), 1)
        self.assertIn(b"0.0.0.0 second.evil.example\n", grown)
        self.assertIn(b"0.0.0.0 pool.evil.example\n", grown)

        plan = self.block("--remove")
        self.assertEqual(plan.rc, 0, plan)
        self.assertEqual(read(self.hosts), grown)
        r = self.block("--remove", "--apply")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(read(self.hosts), original)
        self.assertEqual(os.stat(self.hosts).st_mode & 0o777, 0o640)
        statuses = db.execute("SELECT status FROM actions WHERE kind='block.hosts' AND status != 'skipped'").fetchall()
        self.assertEqual({s for (s,) in statuses}, {"undone"})
        r = self.block("--remove", "--apply")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json["actions"], [])

    def test_bad_input_is_a_usage_error(self):
        empty_playbook = tempfile.mkdtemp(prefix="unmine-playbook-")
        self.addCleanup(shutil.rmtree, empty_playbook, True)
        os.makedirs(os.path.join(empty_playbook, "intel"))
        for name in ("falco_miner_domains.txt", "sigma_pool_domains.txt", "nocoin_hosts.txt", "falco_miner_ports.txt"):
            open(os.path.join(empty_playbook, "intel", name), "w").close()
        cases = [
            ("block", "--ip", "10.1.2"),
            ("block", "--ip", "10.0.0.1;reboot"),
            ("block", "--host", "pool.example;reboot"),
            ("block", "--host", "$(id).example.com"),
            ("block", "--host", "a" * 254),
            ("block", "--host", "b" * 64 + ".example.com"),
            ("block", "--export", "pf"),
            ("block", "--remove", "--ip", "10.0.0.1"),
            ("--playbook", empty_playbook, "block"),
        ]
        for args in cases:
            with self.subTest(args=args):
                r = unmine("--root", self.root, "--json", *args, case=self.case)
                self.assertEqual(r.rc, 2, r)
                self.assertEqual(r.json["error"]["kind"], "usage")
        self.assertEqual(sha256(self.hosts), sha256(FIXTURE_HOSTS))


class Exports(unittest.TestCase):
    """Each export format written by block, then checked by the tool that reads it where Debian has it."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="unmine-exports-")
        cls.case = os.path.join(cls.dir, "case")
        cls.root = harness.copy_fixture("block")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)
        shutil.rmtree(cls.root, ignore_errors=True)

    def export(self, fmt):
        path = os.path.join(self.dir, "block." + fmt)
        r = unmine("--root", self.root, "--json", "block", "--export", fmt, "-o", path, "--ip", "198.51.100.7",
                   "--ip", "2001:db8::7", "--host", "pool.evil.example", case=self.case)
        self.assertEqual(r.rc, 0, r)
        harness.validate_schema(r.json, "block")
        self.assertEqual(r.json["export"]["sha256"], sha256(path))
        return path

    def in_netns(self, *argv):
        if can_use_netns():
            self.skipTest(can_use_netns())
        name = f"unmine-exp-{PID}"
        run("/usr/sbin/ip", "netns", "add", name)
        try:
            return run("/usr/sbin/ip", "netns", "exec", name, *argv, check=False)
        finally:
            run("/usr/sbin/ip", "netns", "del", name, check=False)

    def test_stdout_export(self):
        r = unmine("--root", self.root, "block", "--export", "hosts", "--ip", "198.51.100.7", case=self.case)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("0.0.0.0 pool.minexmr.com\n", r.stdout)
        self.assertNotIn("KIND", r.stdout)

    def test_dnsmasq(self):
        path = self.export("dnsmasq")
        if not harness.have("dnsmasq"):
            self.skipTest("dnsmasq not installed (Debian: dnsmasq-base)")
        r = run("/usr/sbin/dnsmasq", "--test", f"--conf-file={path}", check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("syntax check OK", r.stderr + r.stdout)

    def test_unbound(self):
        path = self.export("unbound")
        if not harness.have("unbound-checkconf"):
            self.skipTest("unbound-checkconf not installed (Debian: unbound)")
        conf = os.path.join(self.dir, "unbound.conf")
        with open(conf, "w") as f:
            f.write(f'server:\n    chroot: ""\n    username: ""\n    directory: "{self.dir}"\n    pidfile: ""\n'
                    f'include: "{path}"\n')
        r = run("/usr/sbin/unbound-checkconf", conf, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_rpz(self):
        path = self.export("rpz")
        if not harness.have("named-checkzone"):
            self.skipTest("named-checkzone not installed (Debian: bind9-utils)")
        r = run("/usr/bin/named-checkzone", "rpz.local", path, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_nft(self):
        path = self.export("nft")
        r = self.in_netns("/usr/sbin/nft", "-c", "-f", path)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(path) as f:
            self.assertIn("198.51.100.7", f.read())

    def test_iptables(self):
        for fmt, tool in (("iptables", "iptables-restore"), ("ip6tables", "ip6tables-restore")):
            with self.subTest(fmt=fmt):
                path = self.export(fmt)
                if not harness.have(tool):
                    self.skipTest(f"{tool} not installed (Debian: iptables)")
                r = self.in_netns("/usr/sbin/" + tool, "--test", path)
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_squid(self):
        path = self.export("squid")
        with open(path) as f:
            text = f.read()
        self.assertIn("acl unmine_pool_domains dstdomain .pool.evil.example\n", text)
        if not harness.have("squid"):
            self.skipTest("squid not installed: the ACL text is checked, not parsed by squid")

    def test_suricata(self):
        path = self.export("suricata")
        with open(path) as f:
            text = f.read()
        self.assertIn('dns.query; dotprefix; content:".pool.evil.example"; nocase; endswith;', text)
        self.assertIn("mining\\.subscribe", text)
        if not harness.have("suricata"):
            self.skipTest("suricata has no Debian 12 main package on this machine: rules checked as text only")
        conf = os.path.join(self.dir, "suricata.yaml")
        with open(conf, "w") as f:
            f.write("%YAML 1.1\n---\nvars:\n  address-groups:\n    HOME_NET: \"[10.0.0.0/8]\"\n"
                    "    EXTERNAL_NET: \"!$HOME_NET\"\n  port-groups: {}\n"
                    f"default-rule-path: {self.dir}\nrule-files:\n  - {os.path.basename(path)}\n"
                    "classification-file: /etc/suricata/classification.config\n")
        r = run("/usr/bin/suricata", "-T", "-c", conf, "-l", self.dir, check=False)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    harness.main()
