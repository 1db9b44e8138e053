"""identify: the stand-in miner profiled end to end (family, version, wallets, pools, config, deleted
binary), identify --file, and what goes into the case."""
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import unittest

from harness import (BITCOIN_WALLET, ETHEREUM_WALLET, MONERO_WALLET, STANDIN_MINER, Miner, StratumServer,
                     main, temp_case, unmine, validate_schema)


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


class Identify(unittest.TestCase):
    def setUp(self):
        self.case = temp_case()
        self.pool = StratumServer()

    def tearDown(self):
        self.pool.close()
        shutil.rmtree(self.case, ignore_errors=True)

    def identify(self, *args):
        r = unmine("--json", "identify", *args, case=self.case)
        self.assertNotIn(r.rc, (1, 2), r)
        validate_schema(r.json, "identify")
        return r

    def only_miner(self, r, pid):
        miners = [m for m in r.json["miners"] if m["pid"] == pid]
        self.assertEqual(len(miners), 1, r)
        return miners[0]

    def wallet(self, m, address):
        found = [w for w in m["wallets"] if w["address"] == address]
        self.assertEqual(len(found), 1, m["wallets"])
        return found[0]

    def test_cmdline_pool_and_wallet(self):
        with Miner(["-o", self.pool.url, "-u", MONERO_WALLET + ".rig1", "--donate-level=1"], wait_pool=self.pool) as miner:
            r = self.identify("--pid", miner.pid)
            m = self.only_miner(r, miner.pid)
            self.assertTrue(m["is_miner"])
            self.assertEqual(m["family"], "xmrig")
            self.assertEqual(m["version"], "6.26.0")
            w = self.wallet(m, MONERO_WALLET)
            self.assertTrue(w["checksum_valid"])
            self.assertEqual(w["coin"], "monero")
            self.assertEqual(w["kind"], "standard")
            self.assertEqual(m["worker"], "rig1")
            pools = [p for p in m["pools"] if p["source"] == "cmdline"]
            self.assertEqual(len(pools), 1, m["pools"])
            self.assertEqual(pools[0]["host"], "127.0.0.1")
            self.assertEqual(pools[0]["port"], self.pool.port)
            self.assertFalse(pools[0]["tls"])
            self.assertEqual(pools[0]["user"], MONERO_WALLET + ".rig1")
            self.assertEqual(m["exe"], miner.exe)
            self.assertEqual(m["exe_sha256"], sha256_of(STANDIN_MINER))
            self.assertTrue(any(c["remote_port"] == self.pool.port for c in m["connections"]), m["connections"])
            self.assertEqual(m["ancestry"][-1]["pid"], 1)
            self.assertGreaterEqual(r.rc, 12, r)  # the image carries XMRig's user agent: high
            kinds = {f["kind"] for f in r.json["findings"]}
            self.assertIn("file.miner_binary", kinds)
            self.assertIn(MONERO_WALLET, r.json["indicators"]["wallets"])

        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        rows = db.execute("SELECT pid, family, data FROM miners").fetchall()
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][0], miner.pid)
        self.assertEqual(json.loads(rows[0][2])["version"], "6.26.0")
        indicators = set(db.execute("SELECT type, value FROM indicators").fetchall())
        self.assertIn(("wallet", MONERO_WALLET), indicators)
        self.assertIn(("ipv4", "127.0.0.1"), indicators)
        self.assertIn(("port", str(self.pool.port)), indicators)
        self.assertIn(("path", miner.exe), indicators)
        step = db.execute("SELECT step, status, exit_code FROM steps").fetchall()
        self.assertEqual(step[-1][0], "identify")

    def test_wallet_only_in_environment(self):
        with Miner(["-o", self.pool.url], env={"WALLET": MONERO_WALLET}, wait_pool=self.pool) as miner:
            self.assertEqual(self.pool.wait_login()["params"]["login"], MONERO_WALLET)
            m = self.only_miner(self.identify("--pid", miner.pid), miner.pid)
            self.assertTrue(self.wallet(m, MONERO_WALLET)["checksum_valid"])
            pool = [p for p in m["pools"] if p["port"] == self.pool.port][0]
            self.assertEqual(pool["user"], MONERO_WALLET)

    def test_config_file_instead_of_options(self):
        workdir = tempfile.mkdtemp(prefix="unmine-miner-")
        with open(os.path.join(workdir, "config.json"), "w") as f:
            json.dump({"autosave": True, "donate-level": 1, "cpu": {"enabled": True},
                       "randomx": {"1gb-pages": False},
                       "pools": [{"algo": "rx/0", "url": self.pool.url, "user": MONERO_WALLET, "pass": "x",
                                  "rig-id": "web7", "tls": False}]}, f)
        with Miner(["-c", "config.json"], workdir=workdir, wait_pool=self.pool) as miner:
            r = self.identify("--pid", miner.pid)
            m = self.only_miner(r, miner.pid)
            self.assertEqual(m["config_path"], os.path.join(workdir, "config.json"))
            self.assertTrue(m["config_valid"])
            self.assertEqual(m["algorithm"], "rx/0")
            self.assertEqual(m["worker"], "web7")
            pools = [p for p in m["pools"] if p["source"] == "config"]
            self.assertEqual(len(pools), 1, m["pools"])
            self.assertEqual((pools[0]["host"], pools[0]["port"], pools[0]["tls"], pools[0]["user"]),
                             ("127.0.0.1", self.pool.port, False, MONERO_WALLET))
            self.assertTrue(self.wallet(m, MONERO_WALLET)["checksum_valid"])
            config_findings = [f for f in r.json["findings"] if f["kind"] == "process.config"]
            self.assertEqual(len(config_findings), 1)
            self.assertTrue(config_findings[0]["evidence"]["valid_json"])

    def test_config_that_is_not_json(self):
        workdir = tempfile.mkdtemp(prefix="unmine-miner-")
        path = os.path.join(workdir, "config.json")
        with open(path, "w") as f:
            f.write('{"pools": [{"url": "%s", "user": "%s", "tls": false,\n  // cut short\n' % (self.pool.url, MONERO_WALLET))
        with Miner(["--config=" + path], workdir=workdir, wait_pool=self.pool) as miner:
            r = self.identify("--pid", miner.pid)
            m = self.only_miner(r, miner.pid)
            self.assertFalse(m["config_valid"])
            self.assertEqual(m["pools"][0]["port"], self.pool.port)
            self.assertTrue(self.wallet(m, MONERO_WALLET)["checksum_valid"])
            f = [f for f in r.json["findings"] if f["kind"] == "process.config"][0]
            self.assertFalse(f["evidence"]["valid_json"])
            self.assertIn("parse_error", f["evidence"])
            self.assertIn("not valid JSON", f["summary"])

            files = self.identify("--file", path).json["files"]
            self.assertEqual(files[0]["type"], "config")
            self.assertFalse(files[0]["config_valid"])
            self.assertEqual(files[0]["pools"][0]["host"], "127.0.0.1")

    def test_deleted_binary_still_hashed(self):
        original = sha256_of(STANDIN_MINER)
        with Miner(["-o", self.pool.url, "-u", MONERO_WALLET], name="kdevtmpfsi", delete_binary=True,
                   wait_pool=self.pool) as miner:
            self.assertFalse(os.path.exists(miner.exe))
            m = self.only_miner(self.identify("--pid", miner.pid), miner.pid)
            self.assertTrue(m["exe_deleted"])
            self.assertEqual(m["exe_sha256"], original)
            self.assertEqual(m["family"], "kinsing")  # the campaign's name for its XMRig build
            self.assertEqual(m["version"], "6.26.0")

    def test_file_binary_and_human_output(self):
        r = self.identify("--file", STANDIN_MINER)
        f = r.json["files"][0]
        self.assertEqual(f["type"], "binary")
        self.assertEqual(f["family"], "xmrig")
        self.assertEqual(f["family_source"], "content")  # XMRig's banner and strings
        self.assertEqual(f["version"], "6.26.0")
        self.assertEqual(f["sha256"], sha256_of(STANDIN_MINER))
        self.assertEqual(r.json["miners"], [])  # --file alone looks at no process
        self.assertEqual(r.rc, 12, r)
        text = unmine("identify", "--file", STANDIN_MINER, case=self.case)
        self.assertEqual(text.rc, 12, text)
        self.assertIn("xmrig 6.26.0", text.stdout)
        self.assertIn("file.miner_binary", text.stdout)

    def test_file_script_with_wallets_of_several_coins(self):
        workdir = tempfile.mkdtemp(prefix="unmine-script-")
        path = os.path.join(workdir, "run.sh")
        with open(path, "w") as f:
            f.write("#!/bin/sh\nW=%s\n./xmrig -o stratum+ssl://pool.example:443 -u $W.w1\n# %s %s\n"
                    % (MONERO_WALLET, BITCOIN_WALLET, ETHEREUM_WALLET))
        try:
            f = self.identify("--file", path).json["files"][0]
            self.assertEqual(f["type"], "script")
            self.assertEqual(f["family"], "xmrig")
            self.assertEqual(f["pools"][0]["host"], "pool.example")
            self.assertTrue(f["pools"][0]["tls"])
            self.assertEqual(f["worker"], "w1")
            coins = {w["coin"]: w["checksum_valid"] for w in f["wallets"]}
            self.assertEqual(coins, {"monero": True, "bitcoin": True, "ethereum": True})
        finally:
            shutil.rmtree(workdir)

    def test_process_without_mining_is_described_not_recorded(self):
        p = subprocess.Popen(["/bin/sleep", "60"])
        try:
            r = self.identify("--pid", p.pid)
            m = self.only_miner(r, p.pid)
            self.assertFalse(m["is_miner"])
            self.assertEqual(m["family"], "unknown")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.json["indicators"]["paths"], [])
        finally:
            p.kill()
            p.wait()
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        self.assertEqual(db.execute("SELECT count(*) FROM miners").fetchone()[0], 0)
        self.assertEqual(db.execute("SELECT count(*) FROM indicators").fetchone()[0], 0)

    def test_gone_process_and_bad_file(self):
        r = unmine("--json", "identify", "--pid", "999999999", case=self.case)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("error", r.json)
        r = unmine("--json", "identify", "--file", "/no/such/file", case=self.case)
        self.assertEqual(r.rc, 1, r)

    def test_without_arguments_every_listed_process_is_a_miner(self):
        with Miner(["-o", self.pool.url, "-u", MONERO_WALLET], wait_pool=self.pool):
            r = self.identify()
            for m in r.json["miners"]:
                self.assertTrue(m["is_miner"], m)


if __name__ == "__main__":
    main()
