"""kill: a stand-in miner under its watchdog, with a worker and a grandchild, all from a temp folder.
Only processes this test started are ever signalled (by the tool under test, or by the cleanup of the
session this test created)."""
import os
import shutil
import signal
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import STANDIN_MINER, STANDIN_WATCHDOG, main, pid_alive, temp_case, unmine, validate_schema

TEMP_DIRS = ("/tmp/", "/var/tmp/", "/dev/shm/")


def ppid_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def state_of(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def children(pid):
    out = []
    for e in os.listdir("/proc"):
        if e.isdigit() and ppid_of(int(e)) == pid and pid_alive(int(e)):
            out.append(int(e))
    return sorted(out)


def wait_for(pred, timeout=10):
    end = time.time() + timeout
    while time.time() < end:
        v = pred()
        if v:
            return v
        time.sleep(0.02)
    return pred()


def running_from(folder):
    """PIDs whose executable lies in folder (a respawn of the stand-in)."""
    out = []
    for e in os.listdir("/proc"):
        if not e.isdigit():
            continue
        try:
            exe = os.readlink(f"/proc/{e}/exe")
        except OSError:
            continue
        if exe.startswith(folder + "/") and pid_alive(int(e)):
            out.append(int(e))
    return out


class MinerTree:
    """watchdog -> miner -> worker -> grandchild, in a new session of its own."""

    def __init__(self, watchdog_from_temp=True, miner_via_link=False):
        self.dir = tempfile.mkdtemp(prefix=f"unmine-kill-{os.getpid()}-", dir="/tmp")
        self.miner_exe = os.path.join(self.dir, "xmrig")
        shutil.copy(STANDIN_MINER, self.miner_exe)
        os.chmod(self.miner_exe, 0o755)
        target = self.miner_exe
        self.link_dir = None
        if miner_via_link:
            # Started through a link elsewhere, so the watchdog's command line names neither the miner's
            # path nor its folder: nothing ties the watchdog to it.
            self.link_dir = tempfile.mkdtemp(prefix=f"unmine-kill-{os.getpid()}-l", dir="/tmp")
            target = os.path.join(self.link_dir, "svc")
            os.symlink(self.miner_exe, target)
        if watchdog_from_temp:
            self.watchdog_exe = os.path.join(self.dir, "wd")
            shutil.copy(STANDIN_WATCHDOG, self.watchdog_exe)
            os.chmod(self.watchdog_exe, 0o755)
        else:
            self.watchdog_exe = STANDIN_WATCHDOG
        self.proc = subprocess.Popen([self.watchdog_exe, target, "--workers", "1", "--grandchild", "--no-connect"],
                                     cwd=self.dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL, start_new_session=True)
        self.watchdog = self.proc.pid
        self.miner = wait_for(lambda: (children(self.watchdog) or [None])[0])
        self.worker = wait_for(lambda: (children(self.miner) or [None])[0]) if self.miner else None
        self.grandchild = wait_for(lambda: (children(self.worker) or [None])[0]) if self.worker else None
        if not self.grandchild:
            self.close()
            raise AssertionError("the stand-in tree did not start")

    def all(self):
        return [self.watchdog, self.miner, self.worker, self.grandchild]

    def close(self):
        # The session this test created: the watchdog and everything it started (respawns included).
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.proc.wait(timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)
        if self.link_dir:
            shutil.rmtree(self.link_dir, ignore_errors=True)


def preserve(case, *pids):
    args = []
    for p in pids:
        args += ["--pid", p]
    r = unmine("preserve", *args, case=case)
    assert r.rc == 0, r


@unittest.skipUnless(os.path.exists("/proc/self/exe"), "needs a live /proc")
class KillTest(unittest.TestCase):
    def setUp(self):
        self.case = temp_case()
        self.tree = MinerTree()

    def tearDown(self):
        self.tree.close()
        shutil.rmtree(self.case, ignore_errors=True)

    def test_plan_lists_the_whole_tree_and_changes_nothing(self):
        t = self.tree
        r = unmine("--json", "kill", "--pid", t.miner, case=self.case)
        self.assertIn(r.rc, (10, 11, 12, 13), r)
        validate_schema(r.json, "kill")
        plan = {e["target"]["pid"]: e for e in r.json["plan"]}
        self.assertEqual(set(plan), set(t.all()), r)
        self.assertEqual(plan[t.watchdog]["role"], "ancestor")
        self.assertEqual(plan[t.watchdog]["reason"], "ancestor: wd from /tmp")
        self.assertEqual(plan[t.worker]["reason"], f"descendant of PID {t.miner}")
        self.assertEqual(plan[t.grandchild]["reason"], f"descendant of PID {t.worker}")
        self.assertTrue(all(e["kind"] == "kill" for e in r.json["plan"]))
        # Parents first.
        order = [e["target"]["pid"] for e in r.json["plan"]]
        self.assertEqual(order, t.all())
        # This test (unmine's parent) is left alone and says why.
        excluded = {x["pid"]: x["why"] for x in r.json["excluded"]}
        self.assertIn("an ancestor of this unmine", excluded.get(os.getpid(), ""), r.json["excluded"])
        for pid in t.all():
            self.assertTrue(pid_alive(pid))
            self.assertNotIn(state_of(pid), ("T", "t"))
        # The text plan for a person.
        r = unmine("kill", "--pid", t.miner, case=self.case)
        self.assertIn("descendant of PID", r.stdout)
        self.assertIn("cannot be undone", r.stdout)

    def test_refuses_without_preserve_and_kills_nothing(self):
        t = self.tree
        r = unmine("--json", "kill", "--apply", "--pid", t.miner, case=self.case)
        self.assertEqual(r.rc, 3, r)
        self.assertEqual(r.json["error"]["kind"], "refused")
        self.assertIn("unmine preserve --pid", r.json["error"]["message"])
        self.assertIn("--force", r.json["error"]["message"])
        time.sleep(0.3)
        for pid in t.all():
            self.assertTrue(pid_alive(pid), pid)
            self.assertNotIn(state_of(pid), ("T", "t"))
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        self.assertEqual(db.execute("SELECT count(*) FROM actions").fetchone()[0], 0)
        self.assertEqual(db.execute("SELECT status FROM steps WHERE step='kill'").fetchone()[0], "refused")

    def test_kill_after_preserve_leaves_nothing_and_nothing_respawns(self):
        t = self.tree
        preserve(self.case, t.miner, t.watchdog)
        r = unmine("--json", "kill", "--apply", "--pid", t.miner, case=self.case)
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "kill")
        actions = {a["target"]["pid"]: a for a in r.json["actions"]}
        self.assertEqual(set(actions), set(t.all()))
        for a in r.json["actions"]:
            self.assertEqual(a["status"], "done", a)
            self.assertIsNotNone(a["evidence_id"], a)
            self.assertIsNone(a["undo"])
            self.assertEqual(a["after"], {"gone": True})
            self.assertIn(a["before"]["state"], ("R", "S", "D"))
        self.assertEqual(len(actions[t.miner]["before"]["sha256"]), 64)
        for pid in t.all():
            self.assertTrue(wait_for(lambda: not pid_alive(pid), 5), f"PID {pid} still alive")
        # Nothing comes back: the watchdog was frozen before its miner died, then killed with it.
        end = time.time() + 5
        while time.time() < end:
            self.assertEqual(running_from(t.dir), [])
            time.sleep(0.1)
        db = sqlite3.connect(os.path.join(self.case, "case.db"))
        rows = db.execute("SELECT kind, status, evidence_id, undo FROM actions").fetchall()
        self.assertEqual(len(rows), 4)
        self.assertTrue(all(k == "kill" and s == "done" and e is not None and u is None for k, s, e, u in rows), rows)
        events = [e for (e,) in db.execute("SELECT event FROM custody ORDER BY seq")]
        self.assertIn("kill.started", events)
        self.assertIn("kill.finished", events)


@unittest.skipUnless(os.path.exists("/proc/self/exe"), "needs a live /proc")
class WatchTest(unittest.TestCase):
    def test_watch_reports_the_respawn_and_names_the_watchdog(self):
        if STANDIN_WATCHDOG.startswith(TEMP_DIRS):
            self.skipTest("the build folder is in a temp folder: the watchdog would be tied to the attack")
        case = temp_case()
        tree = MinerTree(watchdog_from_temp=False, miner_via_link=True)
        try:
            preserve(case, tree.miner)
            r = unmine("--json", "kill", "--apply", "--watch", "3", "--pid", tree.miner, case=case)
            self.assertEqual(r.rc, 12, r)
            validate_schema(r.json, "kill")
            killed = {a["target"]["pid"] for a in r.json["actions"]}
            self.assertEqual(killed, {tree.miner, tree.worker, tree.grandchild})
            excluded = {x["pid"]: x["why"] for x in r.json["excluded"]}
            self.assertEqual(excluded.get(tree.watchdog), "ancestor not tied to the attack: left running")
            self.assertTrue(pid_alive(tree.watchdog))
            respawns = r.json["respawns"]
            self.assertGreaterEqual(len(respawns), 1, r.json)
            first = respawns[0]
            self.assertEqual(first["ppid"], tree.watchdog)
            self.assertIn(first["matched"], ("inode", "path"))
            self.assertEqual(first["sources"][0]["kind"], "parent")
            self.assertEqual(first["sources"][0]["pid"], tree.watchdog)
            self.assertIn(f"parent PID {tree.watchdog}", first["source"])
            # Its own worker is part of that respawn, not another one.
            self.assertEqual([x for x in respawns if x["ppid"] == first["pid"]], [])
            findings = r.json["findings"]
            self.assertEqual(findings[0]["group"], "miner")
            self.assertEqual(findings[0]["severity"], "high")
            self.assertEqual(findings[0]["kind"], "process.respawn")
            db = sqlite3.connect(os.path.join(case, "case.db"))
            self.assertEqual(db.execute("SELECT count(*) FROM findings WHERE kind='process.respawn'").fetchone()[0], 1)
        finally:
            tree.close()
            shutil.rmtree(case, ignore_errors=True)

    def test_watch_needs_apply(self):
        case = temp_case()
        r = unmine("--json", "kill", "--watch", "1", "--pid", os.getpid(), case=case)
        shutil.rmtree(case, ignore_errors=True)
        self.assertEqual(r.rc, 2, r)


@unittest.skipUnless(os.path.exists("/proc/self/exe"), "needs a live /proc")
class ProtectedTest(unittest.TestCase):
    def test_a_protected_pid_is_refused_not_skipped(self):
        case = temp_case()
        try:
            # This test runs unmine: it is unmine's ancestor, so it is never killed, even with --force.
            r = unmine("--json", "kill", "--apply", "--force", "--pid", os.getpid(), case=case)
            self.assertEqual(r.rc, 3, r)
            self.assertIn("an ancestor of this unmine", r.json["error"]["message"])
            r = unmine("--json", "kill", "--pid", "1", case=case)
            why = {x["pid"]: x["why"] for x in r.json["excluded"]}
            self.assertIn("PID 1", why.get(1, ""), r)
            self.assertEqual(r.json["plan"], [])
            self.assertEqual(r.rc, 0, r)
        finally:
            shutil.rmtree(case, ignore_errors=True)


if __name__ == "__main__":
    main()
