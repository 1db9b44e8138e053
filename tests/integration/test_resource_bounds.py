"""Resource bounds under attack: a host with a million files in /tmp, a 126 MB /proc/net/tcp, a process
holding 100,000 descriptors, a case of 200,000 items. Each command finishes, its peak RSS stays under
256 MiB, and its output says what a limit cut short (`"complete": false` and a note naming the limit).

Everything is built on a tmpfs of the test's own, mounted in a private mount namespace: creating a million
files there is fast, and it is gone with the test process whatever happens.
"""
import ctypes
import hashlib
import json
import os
import resource
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import BIN, MONERO_WALLET, Miner, StratumServer, main, validate_schema

LIMIT_KIB = 256 * 1024
TCP_LINES = 910_000  # with the listeners, about 126 MB of /proc/net/tcp
LISTENERS = 30_000  # more than one socket scan keeps
FLOOD_FILES = 1_000_000
FLOOD_SCRIPTS = 2_000  # in the flooded folder: more findings than one folder keeps
SPREAD_FOLDERS, SPREAD_SCRIPTS = 24, 500  # more findings than the file pass keeps, none over a folder's limit
SCRIPT = b"#!/bin/sh\necho dropped\n"
HELD_FDS = 100_000
CASE_ITEMS = 200_000

SCRATCH = None  # the private tmpfs
FIGURES = []  # (situation, command, seconds, peak MiB), printed at the end


def private_tmpfs():
    """A tmpfs in a mount namespace of this process (and the unmine runs it starts); None and why when
    this machine does not allow one."""
    if not harness.is_root():
        return None, "needs root (a private mount namespace and tmpfs)"
    libc = ctypes.CDLL(None, use_errno=True)
    CLONE_NEWNS, MS_REC, MS_PRIVATE = 0x00020000, 16384, 1 << 18
    if libc.unshare(CLONE_NEWNS) != 0:
        return None, "unshare(CLONE_NEWNS): " + os.strerror(ctypes.get_errno())
    if libc.mount(b"none", b"/", None, MS_REC | MS_PRIVATE, None) != 0:
        return None, "making / private: " + os.strerror(ctypes.get_errno())
    path = tempfile.mkdtemp(prefix="unmine-bounds-")
    if libc.mount(b"unmine-bounds", path.encode(), b"tmpfs", 0, b"size=8g,nr_inodes=2000000,mode=0755") != 0:
        return None, "mounting a tmpfs: " + os.strerror(ctypes.get_errno())
    return path, None


# Peak RSS of one process, reported by a fresh minimal interpreter that forks and execs it: a child of the
# test process itself would count the test's own high-water mark (exec keeps the forked image's).
MEASURE = """import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_measured(*args, case=None, timeout=600):
    """Runs unmine and returns (Result, seconds, peak RSS in KiB) of that one process."""
    argv = [BIN] + (["--case", case] if case else []) + [str(a) for a in args]
    env = dict(os.environ)
    env.pop("UNMINE_CASE", None)
    rss = os.path.join(SCRATCH, "rss")
    t0 = time.monotonic()
    p = subprocess.Popen([sys.executable, "-S", "-c", MEASURE, rss] + argv, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True, errors="replace",
                         start_new_session=True)
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        raise
    seconds = time.monotonic() - t0
    with open(rss) as f:
        kib = int(f.read())
    result = harness.Result(subprocess.CompletedProcess(argv, p.returncode, out, err))
    if harness.SANITIZER_REPORT.search(err):
        raise AssertionError(f"sanitizer report from {argv}:\n{err[-8000:]}")
    return result, seconds, kib


def write_file(path, data=b"", mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    os.chmod(path, mode)


class Bounds(unittest.TestCase):
    def measured(self, situation, *args, case=None, rcs=(0,)):
        """Runs one command of a situation: it finishes with one of `rcs`, under the RSS limit."""
        r, seconds, kib = run_measured(*args, case=case)
        FIGURES.append((situation, " ".join(str(a) for a in args if not str(a).startswith(SCRATCH)), seconds,
                        kib / 1024))
        print(f"  {situation}: {' '.join(map(str, args))}: {seconds:.1f} s, peak RSS {kib / 1024:.1f} MiB",
              file=sys.stderr)
        self.assertIn(r.rc, rcs, r)
        self.assertLess(kib, LIMIT_KIB, f"{args}: peak RSS {kib / 1024:.0f} MiB")
        return r

    def assert_cut_short(self, doc, *words):
        self.assertFalse(doc["complete"], doc.get("notes"))
        for w in words:
            self.assertTrue(any(w in n for n in doc["notes"]), (w, doc["notes"][:20]))

    def new_case(self):
        return tempfile.mkdtemp(prefix="case-", dir=SCRATCH)


class NetTcp(Bounds):
    """A procfs whose net/tcp is 126 MB: 910,000 connections to a stratum port, 30,000 listeners, malformed
    and overlong lines. The table is streamed; at most 20,000 sockets are kept, and the output says so."""

    @classmethod
    def setUpClass(cls):
        cls.root = os.path.join(SCRATCH, "tcp-root")
        cls.proc = os.path.join(SCRATCH, "tcp-proc")
        os.makedirs(os.path.join(cls.root, "etc"))
        os.makedirs(os.path.join(cls.proc, "net"))
        line = ("{:6d}: 0100007F:{:04X} {:08X}:0D05 01 00000000:00000000 00:00000000 00000000  1000        0 {} "
                "1 0000000000000000 20 4 30 10 -1\n")
        listen = ("{:6d}: 00000000:{:04X} 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 {} "
                  "1 0000000000000000 100 0 0 10 0\n")
        with open(os.path.join(cls.proc, "net", "tcp"), "w") as f:
            f.write("  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n")
            for start in range(0, TCP_LINES, 10_000):
                # Remote 10.x.y.z:3333 (0D05), local 127.0.0.1 on ports no listener uses.
                f.write("".join(line.format(i, 40000 + i % 20000, int.from_bytes((0x0A000000 + i).to_bytes(4, "big"),
                                                                                  "little"), 1_000_000 + i)
                                for i in range(start, min(start + 10_000, TCP_LINES))))
            f.write("".join(listen.format(i, 1 + i, 5_000_000 + i) for i in range(LISTENERS)))
            f.write("".join(f"{i}: this line is not the kernel's\n" for i in range(12)))
            f.write("   1: " + "0" * 10_000 + "\n")
        cls.size = os.path.getsize(os.path.join(cls.proc, "net", "tcp"))

    def test_validate_identify_hunt_verify(self):
        self.assertGreater(self.size, 125_000_000)
        host = ["--root", self.root, "--proc", self.proc]
        case = self.new_case()
        v = self.measured("126 MB net/tcp", "--json", *host, "validate", case=case, rcs=(0, 10, 11, 12, 13))
        validate_schema(v.json, "validate")
        self.assert_cut_short(v.json, "limit reached", "malformed lines", "longer than 4096 bytes")
        self.assertLessEqual(sum(f["kind"] == "net.connection" for f in v.json["findings"]), 20_000)
        # The text output says it too.
        i = self.measured("126 MB net/tcp", *host, "identify", case=case, rcs=(0, 10, 11, 12, 13))
        self.assertIn("Incomplete: a limit cut identify short", i.stdout)
        self.assertIn("limit reached", i.stderr)

        h = self.measured("126 MB net/tcp", "--json", *host, "hunt", "--no-pid-sweep", "--no-memory", case=case,
                          rcs=(0, 10, 11, 12, 13))
        validate_schema(h.json, "hunt")
        self.assert_cut_short(h.json, "sockets: limit reached")

        c = self.measured("126 MB net/tcp", "--json", *host, "verify", case=case, rcs=(0, 10, 11, 12, 13))
        validate_schema(c.json, "verify")
        self.assertEqual(c.json["checks"][-1]["coverage"]["sockets"], TCP_LINES)


class MillionFiles(Bounds):
    """/tmp holding a million files (one folder of 1,000,000 entries, 2,000 of them scripts): hunt walks them
    all and keeps 500 findings of the folder, the IoC sweep and preserve stop at their limits, a miner
    working in the folder is preserved with its folder's listing cut short, and each says so."""

    @classmethod
    def setUpClass(cls):
        cls.root = os.path.join(SCRATCH, "files-root")
        cls.flood = os.path.join(cls.root, "tmp", "flood")
        os.makedirs(cls.flood)
        os.makedirs(os.path.join(cls.root, "etc"))
        t0 = time.monotonic()
        mode = stat.S_IFREG | 0o644
        for i in range(FLOOD_FILES - FLOOD_SCRIPTS):
            os.mknod(f"{cls.flood}/f{i}", mode)
        for i in range(FLOOD_SCRIPTS):
            write_file(f"{cls.flood}/s{i}.sh", SCRIPT, 0o755)
        print(f"  a million files made in {time.monotonic() - t0:.1f} s", file=sys.stderr)

    def test_hunt(self):
        h = self.measured("1,000,000 files", "--json", "--root", self.root, "hunt", "--no-pid-sweep", "--no-memory",
                          case=self.new_case(), rcs=(0, 10, 11, 12, 13))
        validate_schema(h.json, "hunt")
        self.assertGreaterEqual(h.json["stats"]["files"]["files_walked"], FLOOD_FILES)
        self.assert_cut_short(h.json, "limit reached: /tmp/flood gave 1500 more findings than the 500 kept")
        self.assertEqual(h.json["stats"]["files"]["findings_left_out"], FLOOD_SCRIPTS - 500)
        self.assertEqual(sum(f.get("path", "").startswith("/tmp/flood/") for f in h.json["findings"]), 500)

    def test_hunt_keeps_10000_findings_in_all(self):
        root = os.path.join(SCRATCH, "spread-root")
        for d in range(SPREAD_FOLDERS):
            for i in range(SPREAD_SCRIPTS):
                write_file(f"{root}/tmp/spread/d{d}/s{i}.sh", SCRIPT, 0o755)
        h = self.measured("12,000 scripts", "--json", "--root", root, "hunt", "--no-pid-sweep", "--no-memory",
                          case=self.new_case(), rcs=(0, 10, 11, 12, 13))
        self.assert_cut_short(h.json, "the file pass left out 2000 findings")
        self.assertEqual(sum(f["kind"] == "file.new_binary" for f in h.json["findings"]), 10_000)

    def test_validate_with_iocs(self):
        iocs = os.path.join(SCRATCH, "iocs.json")
        with open(iocs, "w") as f:
            json.dump({"format": "unmine-iocs", "version": 1, "iocs": [{"type": "wallet", "value": MONERO_WALLET}]}, f)
        v = self.measured("1,000,000 files", "--json", "--root", self.root, "validate", "--iocs", iocs,
                          case=self.new_case(), rcs=(0, 10, 11, 12, 13))
        validate_schema(v.json, "validate")
        self.assert_cut_short(v.json, "/tmp/flood holds more than")

    def test_preserve_path(self):
        p = self.measured("1,000,000 files", "--json", "--root", self.root, "preserve", "--path", "/tmp/flood",
                          case=self.new_case(), rcs=(1,))
        validate_schema(p.json, "preserve")
        self.assert_cut_short(p.json, "limit reached: /tmp/flood was not preserved whole")
        self.assertLessEqual(len(p.json["items"]), 10_000)

    def test_miner_working_in_the_folder(self):
        with StratumServer() as pool:
            miner = Miner(["-o", pool.url, "-u", MONERO_WALLET], workdir=self.flood, wait_pool=pool)
            try:
                case = self.new_case()
                i = self.measured("1,000,000 files", "--json", "identify", "--pid", miner.pid, case=case,
                                  rcs=(0, 10, 11, 12, 13))
                self.assertEqual([m["pid"] for m in i.json["miners"]], [miner.pid])
                p = self.measured("1,000,000 files", "--json", "preserve", "--pid", miner.pid, case=case)
                self.assertTrue(any("the working folder" in n and "more than 10000 entries" in n
                                    for n in p.json["notes"]), p.json["notes"])
                listing = [i for i in p.json["items"] if i["kind"] == "cwd_listing"]
                self.assertEqual(len(listing), 1)
                self.assertIn("first 10000 entries", listing[0]["note"])
            finally:
                miner.stop()


def nofile_unraisable():
    """Why this machine cannot give one process 100,000 descriptors (None when it can)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard >= HELD_FDS + 256:
        return None
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, HELD_FDS + 256))
    except (ValueError, OSError) as e:
        return f"RLIMIT_NOFILE is {hard} here and cannot be raised (no CAP_SYS_RESOURCE): {e}"
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))  # the stand-in raises its own
    return None


class ManyDescriptors(Bounds):
    """A miner holding 100,000 descriptors: every command that walks its fds finishes, and preserve
    records every one of them. A live stand-in where the descriptor limit can be raised; always the same
    process in a procfs fixture (the triage_miner host with 100,000 fd links, half of them sockets)."""

    def test_fixture_process(self):
        root = os.path.join(SCRATCH, "fds-root")
        shutil.copytree(os.path.join(harness.FIXTURES, "hosts", "triage_miner"), root, symlinks=True)
        fd_dir = os.path.join(root, "proc", "4242", "fd")
        for n in range(7, HELD_FDS + 7):
            os.symlink(f"socket:[{900000 + n}]" if n % 2 else "/dev/null", f"{fd_dir}/{n}")
        case = self.new_case()
        v = self.measured("100,000 fds (fixture)", "--json", "--root", root, "validate", case=case,
                          rcs=(10, 11, 12, 13))
        self.assertIn(4242, [m["pid"] for m in v.json["miners"]])
        i = self.measured("100,000 fds (fixture)", "--json", "--root", root, "identify", "--pid", 4242, case=case,
                          rcs=(10, 11, 12, 13))
        # The fixture's net/tcp ends with a truncated line (said, so not complete); no limit was reached.
        self.assertFalse(any("limit reached" in n for n in i.json["notes"]), i.json["notes"])
        self.assertTrue(any(c["remote_port"] == 3333 for c in i.json["miners"][0]["connections"]))
        p = self.measured("100,000 fds (fixture)", "--json", "--root", root, "preserve", "--pid", 4242, case=case,
                          rcs=(0, 1))
        self.assert_fds_preserved(case, p.json)

    def assert_fds_preserved(self, case, doc):
        fds = [i for i in doc["items"] if i["kind"] == "fds"]
        self.assertEqual(len(fds), 1, doc["items"])
        with open(os.path.join(case, fds[0]["stored_path"])) as f:
            self.assertGreaterEqual(len(json.load(f)), HELD_FDS)

    def test_live_process(self):
        why = nofile_unraisable()
        if why:
            self.skipTest(why)
        with StratumServer() as pool:
            miner = Miner(["-o", pool.url, "-u", MONERO_WALLET, "--fds", HELD_FDS], wait_pool=pool)
            try:
                self.assertGreaterEqual(len(os.listdir(f"/proc/{miner.pid}/fd")), HELD_FDS)
                case = self.new_case()
                v = self.measured("100,000 fds", "--json", "validate", case=case, rcs=(10, 11, 12, 13))
                self.assertIn(miner.pid, [m["pid"] for m in v.json["miners"]])
                i = self.measured("100,000 fds", "--json", "identify", "--pid", miner.pid, case=case,
                                  rcs=(0, 10, 11, 12, 13))
                self.assertTrue(i.json["complete"])
                self.assertTrue(any(c["remote_port"] == pool.port for c in i.json["miners"][0]["connections"]))
                p = self.measured("100,000 fds", "--json", "preserve", "--pid", miner.pid, case=case)
                self.assert_fds_preserved(case, p.json)
                k = self.measured("100,000 fds", "--json", "kill", "--pid", miner.pid, case=case,
                                  rcs=(10, 11, 12, 13))
                validate_schema(k.json, "kill")
                self.assertIn(miner.pid, [e["target"]["pid"] for e in k.json["plan"]])
                self.assertTrue(miner.alive())
            finally:
                miner.stop()


class LargeCase(Bounds):
    """A case of 200,000 stored items with their custody records: status, report, evidence verify and case
    export finish under the limit; the report lists the first 10,000 items and says how many it left out."""

    @classmethod
    def setUpClass(cls):
        root = os.path.join(SCRATCH, "case-root")
        write_file(os.path.join(root, "tmp", "x"), b"x")
        cls.case = os.path.join(SCRATCH, "large-case")
        r = harness.unmine("--root", root, "preserve", "--path", "/tmp/x", case=cls.case)
        assert r.rc == 0, r
        t0 = time.monotonic()
        db = sqlite3.connect(os.path.join(cls.case, "case.db"))
        case_id = db.execute("SELECT id FROM cases").fetchone()[0]
        seq, prev = db.execute("SELECT seq, hash FROM custody ORDER BY seq DESC LIMIT 1").fetchone()
        first_id = db.execute("SELECT COALESCE(MAX(id), 0) FROM evidence").fetchone()[0] + 1
        for prefix in range(256):
            os.makedirs(os.path.join(cls.case, "evidence", "sha256", f"{prefix:02x}"), exist_ok=True)
        actor, at = "unmine test uid=0", time.strftime("%Y-%m-%dT%H:%M:%S.000000Z", time.gmtime())
        # As the evidence store writes them: a content-addressed copy, its row, and the custody record that
        # chains to the one before it. In batches, so this process stays small.
        for start in range(0, CASE_ITEMS, 20_000):
            items, custody = [], []
            for n in range(start, min(start + 20_000, CASE_ITEMS)):
                data = f"#!/bin/sh\n# item {n}\n".encode()
                sha256, sha1, md5 = (hashlib.sha256(data).hexdigest(), hashlib.sha1(data).hexdigest(),
                                     hashlib.md5(data).hexdigest())
                stored = f"evidence/sha256/{sha256[:2]}/{sha256}"
                fd = os.open(os.path.join(cls.case, stored), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o444)
                os.write(fd, data)
                os.close(fd)
                source = f"/tmp/.x/item{n}"
                items.append((first_id + n, case_id, "script", source, sha256, sha1, md5, len(data), stored, at,
                              "unmine test", "stored"))
                details = (f'{{"evidence_id":{first_id + n},"kind":"script","md5":"{md5}","sha1":"{sha1}",'
                           f'"sha256":"{sha256}","size":{len(data)},"source_path":"{source}",'
                           f'"stored_path":"{stored}"}}')
                seq += 1
                h = hashlib.sha256(f"{prev}\n{seq}\n{at}\n{actor}\nevidence.stored\n{details}".encode()).hexdigest()
                custody.append((seq, case_id, at, actor, "evidence.stored", details, prev, h))
                prev = h
            with db:
                db.executemany("INSERT INTO evidence(id, case_id, kind, source_path, sha256, sha1, md5, size,"
                               " stored_path, collected_at, collector, status) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", items)
                db.executemany("INSERT INTO custody(seq, case_id, at, actor, event, details, prev_hash, hash)"
                               " VALUES(?,?,?,?,?,?,?,?)", custody)
        db.close()
        print(f"  a case of {CASE_ITEMS} items made in {time.monotonic() - t0:.1f} s", file=sys.stderr)

    def test_status_report_verify_export(self):
        s = self.measured("200,000-item case", "--json", "status", case=self.case)
        validate_schema(s.json, "status")
        self.assertEqual(s.json["evidence"]["stored"], CASE_ITEMS + 1)
        self.measured("200,000-item case", "status", case=self.case)

        r = self.measured("200,000-item case", "report", "--format", "json", case=self.case)
        doc = json.loads(r.stdout)
        validate_schema(doc, "report")
        self.assertEqual(len(doc["evidence"]["items"]), 10_000)
        self.assertEqual(doc["evidence"]["items_left_out"], CASE_ITEMS + 1 - 10_000)
        self.assertEqual(doc["summary"]["evidence_items"], CASE_ITEMS + 1)
        self.assertTrue(doc["evidence"]["custody"]["chain_valid"])
        md = self.measured("200,000-item case", "report", "--format", "md", case=self.case)
        self.assertIn(f"{CASE_ITEMS + 1 - 10_000} more are in the case", md.stdout)

        v = self.measured("200,000-item case", "--json", "evidence", "verify", case=self.case)
        self.assertTrue(v.json["intact"], v.json["problems"][:5])
        self.assertEqual(v.json["checked"]["items"], CASE_ITEMS + 1)

        bundle = os.path.join(SCRATCH, "large.tar.zst")
        e = self.measured("200,000-item case", "--json", "case", "export", "--host", "large", "-o", bundle,
                          case=self.case)
        validate_schema(e.json, "case-export")
        self.assertGreater(len(e.json["manifest"]["files"]), CASE_ITEMS)


def setUpModule():
    global SCRATCH
    SCRATCH, why = private_tmpfs()
    if SCRATCH is None:
        raise unittest.SkipTest(why)


def tearDownModule():
    libc = ctypes.CDLL(None, use_errno=True)
    MNT_DETACH = 2
    if libc.umount2(SCRATCH.encode(), MNT_DETACH) == 0:
        os.rmdir(SCRATCH)
    print("\nsituation | command | seconds | peak RSS MiB", file=sys.stderr)
    for situation, command, seconds, mib in FIGURES:
        print(f"{situation} | {command} | {seconds:.1f} | {mib:.1f}", file=sys.stderr)


if __name__ == "__main__":
    main()
