"""Unit tests of packaging/build.py's wheel: the layout pip relies on (PEP 427), checked without
pip. The package tests (packaging/tests/run.sh) install the real one."""

import base64
import csv
import hashlib
import importlib.util
import io
import stat
import tempfile
import unittest
import zipfile
from pathlib import Path

spec = importlib.util.spec_from_file_location("build", Path(__file__).with_name("build.py"))
build = importlib.util.module_from_spec(spec)
spec.loader.exec_module(build)


class WheelTest(unittest.TestCase):
    def setUp(self):
        self.dir = Path(tempfile.mkdtemp())
        self.binary = self.dir / "talkative-emulator"
        # What the dynamic string table of a glibc binary holds, among other bytes.
        self.binary.write_bytes(b"\x7fELF..GLIBC_2.2.5\x00GLIBC_2.34\x00GLIBC_2.17\x00..")

    def test_the_tag_is_the_newest_glibc_the_binary_needs(self):
        self.assertEqual(build.glibc_needed(self.binary), "2_34")
        self.binary.write_bytes(b"no versions here")
        with self.assertRaises(SystemExit):
            build.glibc_needed(self.binary)

    def test_the_wheel_holds_the_binary_as_an_executable_script_and_a_record_that_matches(self):
        path = build.wheel("linux-x64", self.binary, "1.2.3", "abc", self.dir)
        self.assertEqual(path.name, "talkative_emulator-1.2.3-py3-none-manylinux_2_34_x86_64.whl")
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            script = archive.getinfo("talkative_emulator-1.2.3.data/scripts/talkative-emulator")
            self.assertTrue((script.external_attr >> 16) & stat.S_IXUSR)
            self.assertIn("talkative_emulator/__init__.py", names)
            self.assertIn("talkative_emulator/pytest_plugin.py", names)
            init = archive.read("talkative_emulator/__init__.py").decode()
            self.assertIn('__version__ = "1.2.3"', init)
            entry_points = archive.read("talkative_emulator-1.2.3.dist-info/entry_points.txt").decode()
            self.assertIn("[pytest11]\ntalkative_emulator = talkative_emulator.pytest_plugin", entry_points)
            wheel = archive.read("talkative_emulator-1.2.3.dist-info/WHEEL").decode()
            self.assertIn("Root-Is-Purelib: false", wheel)
            self.assertIn("Tag: py3-none-manylinux_2_34_x86_64", wheel)
            record = list(csv.reader(io.StringIO(
                archive.read("talkative_emulator-1.2.3.dist-info/RECORD").decode())))
            recorded = {row[0] for row in record}
            self.assertEqual(recorded, set(names))
            for name, digest, size in record:
                if name.endswith("RECORD"):
                    self.assertEqual((digest, size), ("", ""))
                    continue
                contents = archive.read(name)
                expected = base64.urlsafe_b64encode(hashlib.sha256(contents).digest()).rstrip(b"=").decode()
                self.assertEqual(digest, f"sha256={expected}", name)
                self.assertEqual(int(size), len(contents), name)


if __name__ == "__main__":
    unittest.main()
