"""The command line contract every subcommand shares: usage errors, --json errors, --version."""
import unittest

from harness import main, unmine


class CliContract(unittest.TestCase):
    def test_usage_error_exits_2_with_json_error(self):
        r = unmine("--json", "no-such-command")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("error", r.json)
        self.assertEqual(r.json["error"]["code"], 2)
        self.assertTrue(r.stderr.startswith("unmine:"), r)

    def test_version(self):
        r = unmine("--version")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("unmine", r.stdout)


if __name__ == "__main__":
    main()
