"""The command line contract every subcommand shares: usage errors, --json errors, --version."""
import shutil
import unittest

from harness import main, temp_case, unmine


class CliContract(unittest.TestCase):
    def test_usage_error_exits_2_with_json_error(self):
        r = unmine("--json", "no-such-command")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("error", r.json)
        self.assertEqual(r.json["error"]["code"], 2)
        self.assertTrue(r.stderr.startswith("unmine:"), r)

    def test_bad_numbers_are_usage_errors_in_plain_words(self):
        case = temp_case()
        self.addCleanup(shutil.rmtree, case, True)
        for argv, option, what in [(["kill", "--pid", "abc"], "--pid", "a process ID"),
                                   (["preserve", "--pid", "-5"], "--pid", "a process ID"),
                                   (["identify", "--pid", "99999999999"], "--pid", "a process ID"),
                                   (["kill", "--watch", "1.5"], "--watch", "seconds"),
                                   (["unpersist", "--undo", "0"], "--undo", "an action ID")]:
            r = unmine("--json", *argv, case=case)
            self.assertEqual(r.rc, 2, r)
            self.assertEqual(r.json["error"]["kind"], "usage")
            self.assertIn(f"{option}: expected {what}", r.json["error"]["message"])
            self.assertNotIn("179769", r.stderr)  # not CLI11's floating-point range

    def test_version(self):
        r = unmine("--version")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("unmine", r.stdout)


if __name__ == "__main__":
    main()
