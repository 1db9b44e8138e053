"""unpersist end to end on copies of a compromised fixture host: the plan, --apply (preserve, then
neutralise the smallest thing), --undo (byte for byte with mode, owner and inode flags), immutable files
on a real ext4, and kill -9 at random points of --apply."""
import fcntl
import hashlib
import os
import random
import shutil
import signal
import sqlite3
import struct
import subprocess
import tempfile
import time
import unittest

from harness import BIN, MONERO_WALLET, copy_fixture, have, is_root, main, temp_case, unmine, validate_schema

FS_IOC_GETFLAGS = 0x80086601
FS_IOC_SETFLAGS = 0x40086602
FS_IMMUTABLE_FL = 0x10
FS_APPEND_FL = 0x20

INDICATORS = [("path", "/tmp/.x/kworkerd"), ("path", "/tmp/.x/config.json"), ("dir", "/tmp/.x"),
              ("name", "kworkerd"), ("domain", "pool.supportxmr.com"), ("wallet", MONERO_WALLET)]

# (path, line or None, how): every tied artifact of tests/fixtures/hosts/persist-miner.
EXPECTED = {
    ("/etc/crontab", 23, "line"), ("/etc/cron.d/sysupdate", 3, "line"), ("/etc/cron.daily/logrotate", 21, "line"),
    ("/etc/cron.hourly/kworkerd", None, "file"), ("/etc/anacrontab", 13, "line"),
    ("/var/spool/cron/crontabs/alice", 5, "line"), ("/var/spool/cron/root", 1, "line"),
    ("/var/spool/cron/atjobs/a0000101c2b3d4", 11, "file"),
    ("/etc/systemd/system/kworkerd.service", 7, "unit_files"),
    ("/etc/systemd/system/kworkerd-watch.timer", 7, "unit_files"),
    ("/etc/systemd/system/ssh.service.d/override.conf", 2, "file"), ("/etc/rc.local", 5, "line"),
    ("/etc/init.d/kworkerd", None, "file"), ("/etc/ld.so.preload", 1, "line"),
    ("/home/alice/.ssh/authorized_keys", 2, "line"), ("/root/.bashrc", 114, "line"),
    ("/home/alice/.config/autostart/kworkerd.desktop", 4, "file"),
    ("/etc/udev/rules.d/99-net-helper.rules", 1, "line"), ("/etc/sysctl.d/60-kworkerd.conf", 2, "line"),
    ("/etc/hosts", 8, "line"),
}


def tree_state(root):
    """{relative path: (kind, sha256 or link target, mode, uid, gid)} of everything under root but proc/."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not (dirpath == root and d == "proc")]
        for name in dirnames + filenames:
            p = os.path.join(dirpath, name)
            st = os.lstat(p)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p), 0, st.st_uid, st.st_gid)
            elif os.path.isdir(p):
                out[rel] = ("dir", "", st.st_mode & 0o7777, st.st_uid, st.st_gid)
            else:
                with open(p, "rb") as f:
                    out[rel] = ("file", hashlib.sha256(f.read()).hexdigest(), st.st_mode & 0o7777, st.st_uid, st.st_gid)
    return out


def read_lines(path):
    with open(path, "rb") as f:
        return f.read().split(b"\n")


def seed_case(case, root):
    """Creates the case with a first (plan) run, then records the incident's indicators as identify would."""
    r = unmine("--root", root, "--proc", os.path.join(root, "proc"), "--json", "unpersist", case=case)
    assert r.rc in (0, 10, 11, 12, 13), r
    db = sqlite3.connect(os.path.join(case, "case.db"))
    with db:
        for t, v in INDICATORS:
            db.execute("INSERT OR IGNORE INTO indicators(case_id, type, value, source, first_seen) "
                       "VALUES(1, ?, ?, 'test', '2026-01-01T00:00:00Z')", (t, v))
    db.close()


def get_flags(path):
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        return struct.unpack("i", fcntl.ioctl(fd, FS_IOC_GETFLAGS, struct.pack("i", 0)))[0]
    finally:
        os.close(fd)


def set_flags(path, flags):
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        fcntl.ioctl(fd, FS_IOC_SETFLAGS, struct.pack("i", flags))
    finally:
        os.close(fd)


class Unpersist(unittest.TestCase):
    def setUp(self):
        self.root = copy_fixture("persist-miner")
        os.makedirs(os.path.join(self.root, "proc"), exist_ok=True)
        # Owners and modes a real host has: undo must bring them back.
        alice = os.path.join(self.root, "var/spool/cron/crontabs/alice")
        if is_root():
            os.chown(alice, 1000, 1000)
            os.chown(os.path.join(self.root, "home/alice/.ssh/authorized_keys"), 1000, 1000)
        os.chmod(alice, 0o600)
        self.case = temp_case()
        seed_case(self.case, self.root)

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.case, ignore_errors=True)

    def run_unpersist(self, *args):
        return unmine("--root", self.root, "--proc", os.path.join(self.root, "proc"), "--json", "unpersist", *args,
                      case=self.case)

    def test_plan_lists_each_artifact_and_changes_nothing(self):
        before = tree_state(self.root)
        r = self.run_unpersist()
        self.assertEqual(r.rc, 12, r)  # highest severity high
        validate_schema(r.json, "unpersist")
        got = {(p["target"]["path"], p["target"].get("line"), p["target"]["how"]) for p in r.json["plan"]}
        self.assertEqual(got, EXPECTED)
        ids = {f["id"]: f for f in r.json["findings"]}
        for p in r.json["plan"]:
            f = ids[p["reason"]]
            self.assertEqual(f["severity"], "high")
            self.assertTrue(f["evidence"]["rule"])
        # A benign curl job and a benign forced command are shown at info, never planned.
        infos = {(f.get("path"), f.get("line")) for f in r.json["findings"] if f["severity"] == "info"}
        self.assertIn(("/etc/cron.d/sysupdate", 2), infos)
        self.assertIn(("/root/.ssh/authorized_keys", 1), infos)
        self.assertEqual(tree_state(self.root), before)
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        self.assertEqual(db.execute("SELECT count(*) FROM actions").fetchone()[0], 0)
        self.assertEqual(db.execute("SELECT status FROM steps ORDER BY id DESC LIMIT 1").fetchone()[0], "planned")
        db.close()

    def test_human_output_is_a_plan_table(self):
        r = unmine("--root", self.root, "--proc", os.path.join(self.root, "proc"), "unpersist", case=self.case)
        self.assertEqual(r.rc, 12, r)
        self.assertIn("Plan (nothing changed", r.stdout)
        self.assertIn("unpersist.unit_files", r.stdout)

    def test_apply_neutralises_each_keeps_the_rest_and_undo_restores_byte_for_byte(self):
        before = tree_state(self.root)
        lines_before = {p: read_lines(self.root + p) for p, line, how in EXPECTED if how == "line"}
        r = self.run_unpersist("--apply")
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "unpersist")
        actions = r.json["actions"]
        self.assertEqual({(a["target"]["path"], a["target"].get("line"), a["target"]["how"]) for a in actions}, EXPECTED)
        for a in actions:
            self.assertEqual(a["status"], "done", a)
            self.assertIsInstance(a["evidence_id"], int)
        after = tree_state(self.root)
        touched = {p.lstrip("/") for p, _, _ in EXPECTED}
        links = {"etc/rc2.d/S99kworkerd", "etc/rc3.d/S99kworkerd",
                 "etc/systemd/system/multi-user.target.wants/kworkerd.service",
                 "etc/systemd/system/timers.target.wants/kworkerd-watch.timer"}
        for rel, state in before.items():
            if rel in touched or rel in links:
                continue
            self.assertEqual(after.get(rel), state, rel)  # every unrelated file and link byte-identical
        for p, line, how in EXPECTED:
            rel = p.lstrip("/")
            if how == "line":
                # Exactly the one line is gone; mode and owner stay.
                expected = lines_before[p][:line - 1] + lines_before[p][line:]
                self.assertEqual(read_lines(self.root + p), expected, p)
                self.assertEqual(after[rel][2:], before[rel][2:], p)
            else:
                self.assertNotIn(rel, after, p)
        for link in links:
            self.assertNotIn(link, after)

        # Every change has its preserved copy: same bytes as the file before.
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        for a in actions:
            row = db.execute("SELECT e.status, e.sha256, e.stored_path, e.source_path, x.status, x.kind FROM actions x "
                             "JOIN evidence e ON e.id = x.evidence_id WHERE x.id=?", (a["id"],)).fetchone()
            self.assertEqual(row[0], "stored")
            self.assertEqual(row[4], "done")
            self.assertTrue(row[5].startswith("unpersist."))
            with open(os.path.join(self.case, row[2]), "rb") as f:
                self.assertEqual(hashlib.sha256(f.read()).hexdigest(), row[1])
            rel = row[3].lstrip("/")
            if before[rel][0] == "file":
                self.assertEqual(before[rel][1], row[1], rel)
        db.close()

        # Nothing tied is left: a second plan is empty.
        again = self.run_unpersist()
        self.assertEqual(again.json["plan"], [])

        # Undo every action, in reverse order: the tree is what it was, mode and owner included.
        for a in reversed(actions):
            u = self.run_unpersist("--undo", a["id"])
            self.assertEqual(u.rc, 0, u)
            validate_schema(u.json, "unpersist")
            self.assertEqual(u.json["actions"][0]["status"], "done")
            self.assertEqual(u.json["actions"][0]["undo_of"], a["id"])
        self.assertEqual(tree_state(self.root), before)
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        statuses = dict(db.execute("SELECT kind, count(*) FROM actions WHERE status IN ('undone') GROUP BY kind").fetchall())
        self.assertEqual(sum(statuses.values()), len(actions))
        self.assertEqual(db.execute("SELECT count(*) FROM actions WHERE kind='unpersist.undo'").fetchone()[0], len(actions))
        db.close()

        # A second undo of the same action changes nothing and says so.
        u = self.run_unpersist("--undo", actions[0]["id"])
        self.assertEqual(u.rc, 0, u)
        self.assertEqual(u.json["actions"][0]["status"], "skipped")

    def test_undo_keeps_later_edits_of_the_file(self):
        r = self.run_unpersist("--apply")
        cron = [a for a in r.json["actions"] if a["target"]["path"] == "/etc/crontab"][0]
        with open(self.root + "/etc/crontab", "ab") as f:
            f.write(b"# added by the admin after the cleanup\n")
        u = self.run_unpersist("--undo", cron["id"])
        self.assertEqual(u.rc, 0, u)
        lines = read_lines(self.root + "/etc/crontab")
        self.assertEqual(lines[22], b"*/10 * * * *\troot\t/tmp/.x/kworkerd -B >/dev/null 2>&1")
        self.assertIn(b"# added by the admin after the cleanup", lines)

    def test_undo_of_an_unknown_action_is_a_usage_error(self):
        r = self.run_unpersist("--undo", 9999)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("error", r.json)

    def test_hostile_names_are_escaped_and_still_handled(self):
        with open(os.fsencode(self.root) + b"/etc/cron.d/upd\nate\xff", "wb") as f:
            f.write(b"0 * * * * root /tmp/.x/kworkerd\n1 * * * * root /bin/true\n")
        r = self.run_unpersist()
        paths = [p["target"]["path"] for p in r.json["plan"]]
        self.assertIn("/etc/cron.d/upd\\nate\\xff", paths)
        a = self.run_unpersist("--apply")
        self.assertEqual(a.rc, 0, a)
        with open(os.fsencode(self.root) + b"/etc/cron.d/upd\nate\xff", "rb") as f:
            self.assertEqual(f.read(), b"1 * * * * root /bin/true\n")
        act = [x for x in a.json["actions"] if x["target"]["path"] == "/etc/cron.d/upd\\nate\\xff"][0]
        self.assertEqual(self.run_unpersist("--undo", act["id"]).rc, 0)
        with open(os.fsencode(self.root) + b"/etc/cron.d/upd\nate\xff", "rb") as f:
            self.assertEqual(f.read(), b"0 * * * * root /tmp/.x/kworkerd\n1 * * * * root /bin/true\n")


class StockHost(unittest.TestCase):
    def test_stock_debian_has_nothing_to_neutralise(self):
        root = copy_fixture("debian-stock")
        case = temp_case()
        try:
            os.makedirs(os.path.join(root, "proc"), exist_ok=True)
            seed_case(case, root)
            # A copy writes every fixture file now: a window starting in an hour has none of them new.
            later = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            r = unmine("--root", root, "--proc", os.path.join(root, "proc"), "--json", "unpersist", "--since", later,
                       case=case)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.json["plan"], [])
            self.assertTrue(all(f["severity"] == "info" for f in r.json["findings"]))
        finally:
            shutil.rmtree(root, ignore_errors=True)
            shutil.rmtree(case, ignore_errors=True)


class Immutable(unittest.TestCase):
    """chattr +i / +a on a real ext4 (a loop-mounted image): cleared to neutralise, restored by undo."""

    def setUp(self):
        if not is_root():
            self.skipTest("needs root to mount a loop ext4 image and set inode flags")
        if not have("mkfs.ext4") or not have("mount"):
            self.skipTest("needs mkfs.ext4 and mount (e2fsprogs, mount)")
        self.work = tempfile.mkdtemp(prefix=f"unmine-immutable-{os.getpid()}-")
        self.image = os.path.join(self.work, "disk.img")
        self.mnt = os.path.join(self.work, "mnt")
        os.makedirs(self.mnt)
        with open(self.image, "wb") as f:
            f.truncate(32 << 20)
        subprocess.run(["mkfs.ext4", "-q", "-F", self.image], check=True, capture_output=True)
        m = subprocess.run(["mount", "-o", "loop", self.image, self.mnt], capture_output=True, text=True)
        if m.returncode != 0:
            shutil.rmtree(self.work, ignore_errors=True)
            self.skipTest("cannot loop-mount an ext4 image here: " + m.stderr.strip())
        src = copy_fixture("persist-miner")
        shutil.copytree(src, self.mnt, symlinks=True, dirs_exist_ok=True)
        shutil.rmtree(src, ignore_errors=True)
        os.makedirs(os.path.join(self.mnt, "proc"), exist_ok=True)
        self.case = temp_case()
        seed_case(self.case, self.mnt)

    def tearDown(self):
        for dirpath, dirnames, filenames in os.walk(self.mnt):
            for n in dirnames + filenames:
                p = os.path.join(dirpath, n)
                if not os.path.islink(p):
                    try:
                        set_flags(p, get_flags(p) & ~(FS_IMMUTABLE_FL | FS_APPEND_FL))
                    except OSError:
                        pass
        subprocess.run(["umount", self.mnt], capture_output=True)
        shutil.rmtree(self.work, ignore_errors=True)
        shutil.rmtree(self.case, ignore_errors=True)

    def test_immutable_and_append_only_are_cleared_then_restored(self):
        crontab = self.mnt + "/etc/crontab"
        preload = self.mnt + "/etc/ld.so.preload"
        crond = self.mnt + "/etc/cron.d"
        set_flags(crontab, get_flags(crontab) | FS_IMMUTABLE_FL)
        set_flags(preload, get_flags(preload) | FS_APPEND_FL)
        set_flags(crond, get_flags(crond) | FS_IMMUTABLE_FL)  # the attacker locks the folder too
        flags_before = {p: get_flags(p) for p in (crontab, preload, crond)}
        before = tree_state(self.mnt)
        r = unmine("--root", self.mnt, "--proc", self.mnt + "/proc", "--json", "unpersist", "--apply", case=self.case)
        self.assertEqual(r.rc, 0, r)
        for a in r.json["actions"]:
            self.assertEqual(a["status"], "done", a)
        self.assertFalse(get_flags(crontab) & FS_IMMUTABLE_FL)
        self.assertNotIn(b"/tmp/.x/kworkerd", read_lines(crontab)[22])
        self.assertEqual(read_lines(preload), [b""])
        self.assertFalse(get_flags(crond) & FS_IMMUTABLE_FL)
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        before_json = db.execute("SELECT before FROM actions WHERE target LIKE '%\"/etc/crontab\"%'").fetchone()[0]
        self.assertIn('"immutable":true', before_json.replace(" ", ""))
        db.close()
        for a in reversed(r.json["actions"]):
            u = unmine("--root", self.mnt, "--proc", self.mnt + "/proc", "--json", "unpersist", "--undo", a["id"],
                       case=self.case)
            self.assertEqual(u.rc, 0, u)
        self.assertEqual(tree_state(self.mnt), before)
        for p, f in flags_before.items():
            self.assertEqual(get_flags(p), f, p)


class KillNine(unittest.TestCase):
    """kill -9 at random points of --apply: nothing is removed without its preserved copy in the case."""

    def test_kill_during_apply(self):
        rng = random.Random(os.getpid())
        # How long one full apply takes here, to spread the kills over it.
        root, case = copy_fixture("persist-miner"), temp_case()
        os.makedirs(os.path.join(root, "proc"), exist_ok=True)
        seed_case(case, root)
        t0 = time.monotonic()
        unmine("--root", root, "--proc", root + "/proc", "unpersist", "--apply", case=case)
        duration = time.monotonic() - t0
        shutil.rmtree(root)
        shutil.rmtree(case)
        for attempt in range(5):
            root, case = copy_fixture("persist-miner"), temp_case()
            try:
                os.makedirs(os.path.join(root, "proc"), exist_ok=True)
                seed_case(case, root)
                before = tree_state(root)
                p = subprocess.Popen([BIN, "--case", case, "--root", root, "--proc", root + "/proc", "unpersist",
                                      "--apply"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     stdin=subprocess.DEVNULL)
                time.sleep(rng.uniform(0.0, duration))
                p.send_signal(signal.SIGKILL)
                p.wait()
                db = sqlite3.connect(os.path.join(case, "case.db"))
                self.assertEqual(db.execute("PRAGMA integrity_check").fetchone()[0], "ok")
                stored = {row[0]: row[1] for row in db.execute(
                    "SELECT sha256, stored_path FROM evidence WHERE status='stored'")}
                after = tree_state(root)
                for rel, state in before.items():
                    if state[0] != "file" or after.get(rel) == state:
                        continue
                    # Changed or removed: its original bytes are preserved in the case.
                    self.assertIn(state[1], stored, f"attempt {attempt}: {rel} changed without a preserved copy")
                    with open(os.path.join(case, stored[state[1]]), "rb") as f:
                        self.assertEqual(hashlib.sha256(f.read()).hexdigest(), state[1])
                db.close()
                # The next run settles what was left pending and finishes the job.
                r = unmine("--root", root, "--proc", root + "/proc", "--json", "unpersist", "--apply", case=case)
                self.assertEqual(r.rc, 0, r)
                db = sqlite3.connect(os.path.join(case, "case.db"))
                self.assertEqual(db.execute("SELECT count(*) FROM actions WHERE status='pending'").fetchone()[0], 0)
                db.close()
                self.assertEqual(unmine("--root", root, "--proc", root + "/proc", "--json", "unpersist",
                                        case=case).json["plan"], [])
            finally:
                shutil.rmtree(root, ignore_errors=True)
                shutil.rmtree(case, ignore_errors=True)


if __name__ == "__main__":
    main()
