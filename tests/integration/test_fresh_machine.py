"""The README's Quick start on a fresh Debian 12: a debootstrap (minbase) chroot gets a copy of the committed
tree, then runs the first command (`scripts/bootstrap && build/unmine validate`) and, with
UNMINE_TEST_FRESH=full, the second (`scripts/test`) as well. Packages already installed on the machines that
build and test hid a missing build dependency more than once; this is the machine that has nothing.

It downloads a Debian base system and every build dependency, then builds from scratch (tens of minutes on
two cores), so it runs only when asked: UNMINE_TEST_FRESH=1 (first command) or =full (both)."""
import os
import shutil
import subprocess
import tempfile
import unittest

from harness import is_root, main

SOURCE = os.environ.get("UNMINE_SOURCE", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
MIRROR = "http://deb.debian.org/debian"
MOUNTS = ["proc", "sys", "dev"]


def why_not():
    mode = os.environ.get("UNMINE_TEST_FRESH", "")
    if mode not in ("1", "full"):
        return "set UNMINE_TEST_FRESH=1 (or =full) to run it: it downloads Debian 12 and builds from scratch"
    if not is_root():
        return "needs root (debootstrap, chroot, bind mounts)"
    if not shutil.which("debootstrap", path="/usr/sbin:/usr/bin"):
        return "needs debootstrap (apt-get install debootstrap)"
    if not os.path.isdir(os.path.join(SOURCE, ".git")):
        return f"needs the git checkout at {SOURCE} (the committed tree is what a fresh clone holds)"
    return None


class FreshMachine(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        reason = why_not()
        if reason:
            raise unittest.SkipTest(reason)
        cls.chroot = tempfile.mkdtemp(prefix="unmine-fresh-")
        cls.mounted = []
        r = subprocess.run(["/usr/sbin/debootstrap", "--variant=minbase", "bookworm", cls.chroot, MIRROR],
                           capture_output=True, text=True)
        if r.returncode != 0:
            shutil.rmtree(cls.chroot, ignore_errors=True)
            raise unittest.SkipTest("debootstrap cannot make a Debian 12 root here: " + r.stderr.strip()[-300:])
        for m in MOUNTS:
            target = os.path.join(cls.chroot, m)
            subprocess.run(["/usr/bin/mount", "--rbind", "/" + m, target], check=True)
            subprocess.run(["/usr/bin/mount", "--make-rslave", target], check=True)
            cls.mounted.append(target)
        shutil.copy("/etc/resolv.conf", os.path.join(cls.chroot, "etc/resolv.conf"))
        # A fresh clone holds the committed tree only: git archive of HEAD.
        dest = os.path.join(cls.chroot, "root/unmine")
        os.makedirs(dest)
        archive = subprocess.run(["/usr/bin/git", "-C", SOURCE, "archive", "HEAD"], capture_output=True, check=True).stdout
        subprocess.run(["/usr/bin/tar", "-x", "-C", dest], input=archive, check=True)

    @classmethod
    def tearDownClass(cls):
        for target in reversed(cls.mounted):
            subprocess.run(["/usr/bin/umount", "-R", "-l", target])
        shutil.rmtree(cls.chroot, ignore_errors=True)

    def in_chroot(self, command):
        return subprocess.run(["/usr/sbin/chroot", self.chroot, "/bin/bash", "-lc", f"cd /root/unmine && {command}"],
                              capture_output=True, text=True, env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
                                                                   "LANG": "C.UTF-8"})

    def test_quick_start(self):
        r = self.in_chroot("scripts/bootstrap && build/unmine validate")
        self.assertIn(r.returncode, (0, 10, 11, 12, 13), r.stdout[-3000:] + r.stderr[-3000:])
        verdicts = ["No Mining Activity", "Suspicious Activity", "Active Cryptomining", "Persistent Cryptomining",
                    "Advanced Cryptomining Operation"]
        self.assertTrue(any(v in r.stdout for v in verdicts), r.stdout[-3000:])
        if os.environ.get("UNMINE_TEST_FRESH") == "full":
            r = self.in_chroot("scripts/test")
            self.assertEqual(r.returncode, 0, r.stdout[-6000:] + r.stderr[-3000:])


if __name__ == "__main__":
    main()
