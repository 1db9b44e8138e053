"""unmine validate on the live host: stand-in miners talking to a loopback stratum pool are found, with the
attack-chain verdict and exit code the contract gives; a clean host stays clean; hostile input never crashes it."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

from harness import (FIXTURES, MONERO_WALLET, Miner, StratumServer, copy_fixture, main, temp_case, unmine,
                     validate_schema)

def findings_of(doc, pid):
    return [f for f in doc["findings"] if f.get("pid") == pid]


def groups_of(doc, pid):
    return {f["group"] for f in findings_of(doc, pid) if f["severity"] != "info"}


def only_ours(doc, pids):
    """True when every miner validate reports is one this test started (others' stand-ins may run here)."""
    return all(m["pid"] in pids for m in doc["miners"])


class ValidateMiners(unittest.TestCase):
    def setUp(self):
        self.case = temp_case()
        self.pool = StratumServer()
        self.addCleanup(shutil.rmtree, self.case, ignore_errors=True)
        self.addCleanup(self.pool.close)

    def run_validate(self, *extra):
        r = unmine("--json", *extra, "validate", case=self.case)
        self.assertIn(r.rc, (0, 10, 11, 12, 13), r)
        validate_schema(r.json, "validate")
        return r

    def assert_active(self, r, miner, *, hiding=False):
        doc = r.json
        pids = [m["pid"] for m in doc["miners"]]
        self.assertIn(miner.pid, pids, r)
        self.assertTrue({"miner", "pool"} <= groups_of(doc, miner.pid), r)
        conns = [f for f in findings_of(doc, miner.pid) if f["kind"] == "net.connection"]
        self.assertTrue(any(f["evidence"]["remote_port"] == self.pool.port for f in conns), r)
        ours = next(m for m in doc["miners"] if m["pid"] == miner.pid)
        self.assertEqual(ours["wallets"][0]["address"], MONERO_WALLET)
        self.assertTrue(any(p["port"] == self.pool.port for p in ours["pools"]), ours)
        if hiding:
            self.assertIn("hiding", groups_of(doc, miner.pid), r)
        if only_ours(doc, [miner.pid]):
            self.assertEqual(doc["verdict"]["case"], "Active Cryptomining", r)
            # Hiding (a deleted image) raises the severity one step (contract verdict).
            self.assertEqual(doc["verdict"]["severity"], "high" if hiding else "medium", r)
            self.assertEqual(r.rc, 12 if hiding else 11, r)
        return ours

    def test_cmdline_miner_and_pool(self):
        args = ["-o", self.pool.url, "-u", MONERO_WALLET, "--donate-level=1"]
        with Miner(args, wait_pool=self.pool) as m:
            r = self.run_validate()
            ours = self.assert_active(r, m)
            self.assertEqual(ours["family"], "xmrig")
            kinds = {f["kind"] for f in findings_of(r.json, m.pid)}
            self.assertTrue({"process.cmdline", "process.name", "net.connection"} <= kinds, kinds)
        # The case holds the findings, the miner and its indicators.
        import sqlite3
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        self.assertGreater(db.execute("SELECT count(*) FROM findings").fetchone()[0], 0)
        self.assertGreaterEqual(db.execute("SELECT count(*) FROM miners").fetchone()[0], 1)
        wallets = [v for (v,) in db.execute("SELECT value FROM indicators WHERE type='wallet'")]
        self.assertIn(MONERO_WALLET, wallets)
        db.close()

    def test_finding_ids_are_stable_across_runs(self):
        with Miner(["-o", self.pool.url, "-u", MONERO_WALLET, "--donate-level=1"], wait_pool=self.pool) as m:
            a = {f["id"] for f in findings_of(self.run_validate().json, m.pid) if f["kind"] != "process.cpu"}
            b = {f["id"] for f in findings_of(self.run_validate().json, m.pid) if f["kind"] != "process.cpu"}
            self.assertTrue(a)
            self.assertEqual(a, b)

    def test_wallet_only_in_environment(self):
        args = ["-o", self.pool.url, "--donate-level=1"]
        with Miner(args, name="dbus-daemon-helper", env={"WALLET": MONERO_WALLET}, wait_pool=self.pool) as m:
            r = self.run_validate()
            self.assert_active(r, m)
            env = [f for f in findings_of(r.json, m.pid) if f["kind"] == "process.environ"]
            self.assertTrue(env and env[0]["severity"] == "high", r)
            self.assertIn("WALLET", env[0]["evidence"]["variables"])

    def test_pool_and_wallet_only_in_a_config_file(self):
        workdir = tempfile.mkdtemp(prefix="unmine-miner-")
        with open(os.path.join(workdir, "config.json"), "w") as f:
            json.dump({"autosave": True, "donate-level": 1, "cpu": {"enabled": True},
                       "pools": [{"url": f"127.0.0.1:{self.pool.port}", "user": MONERO_WALLET, "pass": "x"}]}, f)
        with Miner(["-c", "config.json"], name="systemd-journal-x", workdir=workdir, wait_pool=self.pool) as m:
            r = self.run_validate()
            ours = self.assert_active(r, m)
            self.assertTrue(ours["config_path"].endswith("config.json"), ours)
            self.assertTrue(any(f["kind"] == "process.config" for f in findings_of(r.json, m.pid)), r)

    def test_binary_deleted_after_start(self):
        args = ["-o", self.pool.url, "-u", MONERO_WALLET, "--donate-level=1"]
        with Miner(args, delete_binary=True, wait_pool=self.pool) as m:
            r = self.run_validate()
            ours = self.assert_active(r, m, hiding=True)
            self.assertTrue(ours["exe_deleted"])
            self.assertRegex(ours["exe_sha256"], "^[0-9a-f]{64}$")  # read through /proc/PID/exe

    def test_human_output(self):
        with Miner(["-o", self.pool.url, "-u", MONERO_WALLET, "--donate-level=1"], wait_pool=self.pool) as m:
            r = unmine("validate", case=self.case)
            self.assertIn(r.rc, (11, 12, 13), r)
            self.assertIn("Verdict:", r.stdout)
            self.assertIn(str(m.pid), r.stdout)
            self.assertIn("xmrig", r.stdout)

    def test_huge_cmdline_and_invalid_utf8(self):
        # 4 x 32 KiB of filler, an invalid UTF-8 byte in an argument and in the file name.
        filler = ["--x=" + "A" * 32768 for _ in range(4)]
        args = filler + ["--rig-id=w\udcffx", "-o", self.pool.url, "-u", MONERO_WALLET, "--donate-level=1"]
        with Miner(args, name="xm\udcffrig", wait_pool=self.pool) as m:
            r = self.run_validate()
            self.assertIn(m.pid, [x["pid"] for x in r.json["miners"]], r)
            self.assertTrue({"miner", "pool"} <= groups_of(r.json, m.pid), r)
            self.assertIn("\\xff", json.dumps(r.json))  # the byte is shown escaped, the document stays UTF-8


class ValidateClean(unittest.TestCase):
    def setUp(self):
        self.case = temp_case()
        self.addCleanup(shutil.rmtree, self.case, ignore_errors=True)

    def test_clean_host_exits_0(self):
        r = unmine("--json", "validate", case=self.case)
        validate_schema(r.json, "validate")
        # Files changed in the last 30 days are listed as new (low) for a human: this machine changes its own.
        above = [f for f in r.json["findings"] if f["severity"] != "info" and f.get("class") != "new"]
        # Other tests on this machine run stand-ins from temp folders against loopback pools: their findings
        # are theirs. Anything else above info fails the test.
        standins = {m["pid"] for m in r.json["miners"] if m["exe"].startswith("/tmp/") and
                    all(p["host"] in ("127.0.0.1", "::1", "localhost") for p in m["pools"])}
        theirs = [f for f in above if f.get("pid") in standins or
                  f.get("evidence", {}).get("remote") in ("127.0.0.1", "::1")]
        if above and len(theirs) == len(above):
            self.skipTest(f"other tests' stand-in miners are running here (pids {sorted(standins)})")
        self.assertEqual(above, [], r)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json["verdict"]["case"], "No Mining Activity")

    def test_benign_fixture_nothing_above_info(self):
        # A checkout writes every fixture file now: a window starting in an hour has none of them new.
        later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        r = unmine("--json", "--root", os.path.join(FIXTURES, "hosts", "benign_debian"), "validate", "--since", later,
                   case=self.case)
        validate_schema(r.json, "validate")
        self.assertEqual([f for f in r.json["findings"] if f["severity"] != "info"], [], r)
        self.assertEqual(r.rc, 0, r)
        # In the default window the same files are new: low, for a human to judge, never a verdict.
        r = unmine("--json", "--root", os.path.join(FIXTURES, "hosts", "benign_debian"), "validate", case=self.case)
        self.assertEqual([f for f in r.json["findings"] if f["severity"] != "info" and f.get("class") != "new"], [], r)
        self.assertTrue(all(f["severity"] == "low" for f in r.json["findings"] if f.get("class") == "new"), r)
        self.assertEqual(r.rc, 0, r)

    def test_fixture_miner_host(self):
        r = unmine("--json", "--root", os.path.join(FIXTURES, "hosts", "triage_miner"), "validate", case=self.case)
        validate_schema(r.json, "validate")
        groups = set(r.json["verdict"]["groups"])
        self.assertTrue({"miner", "pool", "system_optimization", "hiding"} <= groups, r)
        self.assertEqual(r.rc, 10 + ["low", "medium", "high", "critical"].index(r.json["verdict"]["severity"]), r)
        # The truncated /proc/net/tcp line is said, not fatal.
        self.assertTrue(any("truncated" in n for n in r.json["notes"]), r)

    def test_symlink_out_of_root_is_resolved_inside(self):
        root = copy_fixture("benign_debian")
        self.addCleanup(shutil.rmtree, root, ignore_errors=True)
        outside = f"/tmp/unmine-outside-{os.getpid()}.conf"
        with open(outside, "w") as f:
            f.write("vm.nr_hugepages = 1280\n")
        self.addCleanup(os.unlink, outside)
        os.makedirs(os.path.join(root, "etc", "sysctl.d"), exist_ok=True)
        os.symlink(outside, os.path.join(root, "etc", "sysctl.d", "99-miner.conf"))
        os.symlink("../../../../../../.." + outside, os.path.join(root, "etc", "sysctl.d", "98-miner.conf"))
        r = unmine("--json", "--root", root, "validate", case=self.case)
        validate_schema(r.json, "validate")
        self.assertFalse([f for f in r.json["findings"] if f["kind"] == "sysctl.hugepages"], r)

    def test_processes_exiting_mid_scan(self):
        churn = subprocess.Popen(["/bin/sh", "-c", "while :; do /bin/true & /bin/true; done"],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            time.sleep(0.2)
            for _ in range(3):
                r = unmine("--json", "validate", case=self.case)
                self.assertIn(r.rc, (0, 10, 11, 12, 13), r)
                validate_schema(r.json, "validate")
        finally:
            os.killpg(churn.pid, 9)
            churn.wait()

    def test_nonexistent_root_is_a_runtime_error(self):
        r = unmine("--json", "--root", "/nonexistent", "validate", case=self.case)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("error", r.json)
        self.assertEqual(r.json["error"]["code"], 1)


if __name__ == "__main__":
    main()
