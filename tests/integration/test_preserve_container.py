"""preserve of a containerised miner, on a root and procfs laid out as a docker host: the image and its
digest from docker's metadata, the metadata files, and the writable layer as a tar item."""
import io
import json
import os
import shutil
import tarfile
import tempfile
import unittest

from harness import main, temp_case, unmine, validate_schema

CID = "c0ffee" + "0" * 58
PID = 4242


def write(path, data, mode="w"):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, mode) as f:
        f.write(data)


class ContainerMiner(unittest.TestCase):
    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="unmine-pv-docker-")
        self.case = temp_case()
        r = self.root
        d = f"{r}/var/lib/docker"
        write(f"{d}/containers/{CID}/config.v2.json",
              json.dumps({"ID": CID, "Image": "sha256:" + "1" * 64, "Config": {"Image": "alpine:3.19"}}))
        write(f"{d}/containers/{CID}/hostconfig.json", "{}")
        write(f"{d}/image/overlay2/repositories.json", json.dumps(
            {"Repositories": {"alpine": {"alpine:3.19": "sha256:" + "1" * 64, "alpine@sha256:" + "2" * 64: "sha256:" + "1" * 64}}}))
        write(f"{d}/image/overlay2/imagedb/content/sha256/" + "1" * 64, '{"architecture":"amd64"}')
        upper = f"{d}/overlay2/abc/diff"
        write(f"{upper}/tmp/.x/xmrig", "\x7fELF-dropped-in-container")
        os.symlink("/etc/shadow", f"{upper}/tmp/.x/leak")
        # the procfs: a process in that container
        p = f"{r}/proc/{PID}"
        fields = [str(PID), "(xmrig)", "S", "1"] + ["0"] * 40
        write(f"{p}/stat", " ".join(fields) + "\n")
        write(f"{p}/status", "Name:\txmrig\nTgid:\t4242\nPPid:\t1\nUid:\t0\t0\t0\t0\n")
        write(f"{p}/cmdline", "/tmp/.x/xmrig\0-o\0pool.example:3333\0")
        write(f"{p}/environ", "HOME=/root\0")
        write(f"{p}/maps", "00400000-00401000 r-xp 00000000 00:00 0 /tmp/.x/xmrig\n")
        write(f"{p}/cgroup", f"0::/system.slice/docker-{CID}.scope\n")
        write(f"{p}/mountinfo", f"1375 1290 0:120 / / rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/var/lib/docker/overlay2/abc/diff,workdir=/w\n")
        write(f"{r}/proc/exe-image", "\x7fELF-running-image")
        os.symlink("../exe-image", f"{p}/exe")

    def tearDown(self):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.case, ignore_errors=True)

    def test_image_digest_metadata_and_writable_layer(self):
        r = unmine("--root", self.root, "--json", "preserve", "--pid", PID, case=self.case)
        validate_schema(r.json, "preserve")
        miner = r.json["miners"][0]
        self.assertTrue(miner["found"], r)
        c = miner["container"]
        self.assertEqual(c["runtime"], "docker")
        self.assertEqual(c["id"], CID)
        self.assertEqual(c["image"], "alpine:3.19")
        self.assertEqual(c["image_id"], "sha256:" + "1" * 64)
        self.assertEqual(c["image_digest"], "alpine@sha256:" + "2" * 64)
        self.assertEqual(c["upperdir"], "/var/lib/docker/overlay2/abc/diff")
        meta = [i["source_path"] for i in r.json["items"] if i["kind"] == "container_meta" and i["status"] == "stored"]
        self.assertIn(f"/var/lib/docker/containers/{CID}/config.v2.json", meta)
        layer = [i for i in r.json["items"] if i["kind"] == "container_layer"]
        self.assertEqual(len(layer), 1, r)
        self.assertEqual(layer[0]["status"], "stored")
        with open(os.path.join(self.case, layer[0]["stored_path"]), "rb") as f:
            tar = tarfile.open(fileobj=io.BytesIO(f.read()))
        names = tar.getnames()
        self.assertIn("tmp/.x/xmrig", names)
        self.assertEqual(tar.extractfile("tmp/.x/xmrig").read(), b"\x7fELF-dropped-in-container")
        leak = tar.getmember("tmp/.x/leak")
        self.assertTrue(leak.issym())
        self.assertEqual(leak.linkname, "/etc/shadow")  # kept as a link, never followed


if __name__ == "__main__":
    main()
