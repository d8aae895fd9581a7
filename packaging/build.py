#!/usr/bin/env python3
"""Writes the npm packages and the wheel around one built binary (scripts/package.sh calls it).

    python3 packaging/build.py --binary linux-x64=target/packaged/talkative-emulator \
        --version 0.1.0 --revision 3f2a9c41d0b7 --out target/dist

Into --out:
  talkative-emulator-<version>.tgz                the npm package: launcher, JS API, types; it
                                                   names the platform packages built in this run
                                                   as optionalDependencies
  talkative-emulator-<platform>-<version>.tgz     the npm package @talkative-emulator/<platform>:
                                                   the binary alone, with npm's os/cpu/libc fields
  talkative_emulator-<version>-py3-none-<tag>.whl the wheel: the binary as a script (on PATH once
                                                   installed, as maturin's `bin` bindings do), the
                                                   Python API and the pytest plugin

The release workflow (.github/workflows/release.yml) builds each platform's binary on its own
runner, then runs this once with every platform's --binary, so the main npm package names them
all. Only the Python standard library and `npm pack` are used: the
wheel is a zip file with a fixed layout (PEP 427), written here rather than by a build backend
that would have to be installed first.
"""

from __future__ import annotations

import argparse
import base64
import csv
import hashlib
import io
import json
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NPM_SOURCE = ROOT / "packaging" / "npm" / "talkative-emulator"
PYTHON_SOURCE = ROOT / "packaging" / "python" / "talkative_emulator"
LICENSES = ["LICENSE-MIT", "LICENSE-APACHE"]
VERSION_PLACEHOLDER = "0.0.0-set-by-packaging-build"
NPM_SCOPE = "@talkative-emulator"

# Every platform the release builds: npm's os/cpu/libc, the binary's file name, and the wheel's
# platform tag (Linux tags are computed from the binary: the newest glibc symbol it needs).
PLATFORMS = {
    "linux-x64": {"os": "linux", "cpu": "x64", "libc": "glibc", "exe": "talkative-emulator",
                  "wheel": "manylinux_{glibc}_x86_64", "rust": "x86_64-unknown-linux-gnu"},
    "linux-arm64": {"os": "linux", "cpu": "arm64", "libc": "glibc", "exe": "talkative-emulator",
                    "wheel": "manylinux_{glibc}_aarch64", "rust": "aarch64-unknown-linux-gnu"},
    "darwin-x64": {"os": "darwin", "cpu": "x64", "exe": "talkative-emulator",
                   "wheel": "macosx_10_12_x86_64", "rust": "x86_64-apple-darwin"},
    "darwin-arm64": {"os": "darwin", "cpu": "arm64", "exe": "talkative-emulator",
                     "wheel": "macosx_11_0_arm64", "rust": "aarch64-apple-darwin"},
    "win32-x64": {"os": "win32", "cpu": "x64", "exe": "talkative-emulator.exe",
                  "wheel": "win_amd64", "rust": "x86_64-pc-windows-msvc"},
}

DESCRIPTION = ("Local emulator of Talkative's widget, Core API and Signed Interaction Data, "
               "with a verifier that explains every verdict, for tests.")
HOMEPAGE = "https://github.com/talkative-emulator/talkative-emulator"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", action="append", default=[], metavar="PLATFORM=PATH",
                        help="a built binary, e.g. linux-x64=target/packaged/talkative-emulator (repeatable)")
    parser.add_argument("--version", required=True)
    parser.add_argument("--revision", default="")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    binaries = {}
    for given in args.binary:
        platform, _, path = given.partition("=")
        if platform not in PLATFORMS or not path:
            parser.error(f"--binary {given!r}: want PLATFORM=PATH, PLATFORM one of {', '.join(PLATFORMS)}")
        binaries[platform] = Path(path)
    if not binaries:
        parser.error("give at least one --binary")
    args.out.mkdir(parents=True, exist_ok=True)
    written = []
    for platform, binary in binaries.items():
        written.append(npm_platform_package(platform, binary, args.version, args.out))
        written.append(wheel(platform, binary, args.version, args.revision, args.out))
    written.append(npm_main_package(sorted(binaries), args.version, args.out))
    for path in written:
        print(f"{path.stat().st_size:>11,} bytes  {path.relative_to(args.out.parent) if path.is_relative_to(args.out.parent) else path}")
    return 0


def readme(audience: str) -> str:
    return f"""# talkative-emulator

{DESCRIPTION}

{audience}

Documentation: {HOMEPAGE}#readme, and docs/testing-with-your-stack.md for Playwright, pytest,
Selenium and `talkative-emulator exec`.

Licensed under either of MIT or Apache-2.0, at your option.
"""


NODE_USAGE = """```js
const { start, routeTalkative } = require('talkative-emulator');
const emulator = await start({ config: 'emulator.toml' });
await routeTalkative(context, emulator); // https://*.engage.app now answered by the emulator
// … drive the page …
await emulator.waitFor({ label: 'email' });
await emulator.stop();
```

`npx talkative-emulator` runs the emulator itself (`--help` for everything it does)."""

PYTHON_USAGE = """```python
import talkative_emulator

with talkative_emulator.start(config="emulator.toml") as emu:
    talkative_emulator.route_talkative(context, emu)  # Playwright: *.engage.app -> emulator
    ...
    emu.wait_for(label="email")
```

With pytest, the plugin gives a session-wide `talkative_emulator` fixture, reset before each test.
`talkative-emulator` is on PATH once installed (`--help` for everything it does)."""


def npm_pack(staging: Path, out: Path) -> Path:
    result = subprocess.run(["npm", "pack", "--json", "--pack-destination", str(out.resolve())],
                            cwd=staging, check=True, capture_output=True, text=True)
    return out / json.loads(result.stdout)[0]["filename"]


def npm_platform_package(platform: str, binary: Path, version: str, out: Path) -> Path:
    spec = PLATFORMS[platform]
    with tempfile.TemporaryDirectory() as temporary:
        staging = Path(temporary)
        (staging / "bin").mkdir()
        target = staging / "bin" / spec["exe"]
        shutil.copyfile(binary, target)
        target.chmod(0o755)
        manifest = {
            "name": f"{NPM_SCOPE}/{platform}",
            "version": version,
            "description": f"The talkative-emulator binary for {platform}; installed by talkative-emulator.",
            "license": "MIT OR Apache-2.0",
            "homepage": f"{HOMEPAGE}#readme",
            "repository": {"type": "git", "url": f"git+{HOMEPAGE}.git"},
            "os": [spec["os"]],
            "cpu": [spec["cpu"]],
            "files": ["bin/", "LICENSE-MIT", "LICENSE-APACHE"],
            "preferUnplugged": True,
        }
        if "libc" in spec:
            manifest["libc"] = [spec["libc"]]
        (staging / "package.json").write_text(json.dumps(manifest, indent=2) + "\n")
        (staging / "README.md").write_text(readme(
            f"This package holds the binary for {platform} only. Install `talkative-emulator`, "
            "which depends on it."))
        for name in LICENSES:
            shutil.copyfile(ROOT / name, staging / name)
        return npm_pack(staging, out)


def npm_main_package(platforms: list[str], version: str, out: Path) -> Path:
    with tempfile.TemporaryDirectory() as temporary:
        staging = Path(temporary) / "talkative-emulator"
        shutil.copytree(NPM_SOURCE, staging)
        manifest_path = staging / "package.json"
        manifest = json.loads(manifest_path.read_text())
        assert manifest["version"] == VERSION_PLACEHOLDER, "package.json's version is set here"
        manifest["version"] = version
        manifest["optionalDependencies"] = {f"{NPM_SCOPE}/{p}": version for p in platforms}
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        (staging / "README.md").write_text(readme(NODE_USAGE))
        for name in LICENSES:
            shutil.copyfile(ROOT / name, staging / name)
        return npm_pack(staging, out)


def glibc_needed(binary: Path) -> str:
    """The newest glibc symbol version the binary needs, as manylinux tags write it (2_31).

    The version names a binary needs are strings in its dynamic string table (GLIBC_2.34…); read
    from the bytes, so any host can tag any Linux architecture's binary (objdump reads only its
    own)."""
    found = re.findall(rb"GLIBC_(\d+)\.(\d+)", binary.read_bytes())
    versions = {(int(major), int(minor)) for major, minor in found}
    if not versions:
        raise SystemExit(f"{binary}: no GLIBC symbol versions found; is it a glibc Linux binary?")
    major, minor = max(versions)
    return f"{major}_{minor}"


def wheel(platform: str, binary: Path, version: str, revision: str, out: Path) -> Path:
    spec = PLATFORMS[platform]
    tag = spec["wheel"]
    if "{glibc}" in tag:
        tag = tag.format(glibc=glibc_needed(binary))
    name = "talkative_emulator"
    dist_info = f"{name}-{version}.dist-info"
    data = f"{name}-{version}.data"
    path = out / f"{name}-{version}-py3-none-{tag}.whl"
    files: list[tuple[str, bytes, int]] = []
    for source in sorted(PYTHON_SOURCE.iterdir()):
        if source.suffix not in (".py", ".typed") or source.name.startswith("test_"):
            continue
        text = source.read_bytes()
        if source.name == "__init__.py":
            assert VERSION_PLACEHOLDER.encode() in text, "__init__.py's __version__ is set here"
            text = text.replace(VERSION_PLACEHOLDER.encode(), version.encode())
        files.append((f"{name}/{source.name}", text, 0o644))
    files.append((f"{data}/scripts/{spec['exe']}", binary.read_bytes(), 0o755))
    metadata = "\n".join([
        "Metadata-Version: 2.4",
        "Name: talkative-emulator",
        f"Version: {version}",
        f"Summary: {DESCRIPTION}",
        f"Home-page: {HOMEPAGE}",
        f"Project-URL: Source, {HOMEPAGE}",
        f"Project-URL: Changelog, {HOMEPAGE}/blob/main/CHANGELOG.md",
        "License-Expression: MIT OR Apache-2.0",
        *[f"License-File: {name_}" for name_ in LICENSES],
        "Requires-Python: >=3.8",
        "Classifier: Framework :: Pytest",
        "Classifier: Topic :: Software Development :: Testing",
        "Description-Content-Type: text/markdown",
        "",
        readme(PYTHON_USAGE),
    ])
    files.append((f"{dist_info}/METADATA", metadata.encode(), 0o644))
    files.append((f"{dist_info}/WHEEL", (
        "Wheel-Version: 1.0\n"
        f"Generator: talkative-emulator packaging/build.py ({revision or 'no revision'})\n"
        "Root-Is-Purelib: false\n"
        f"Tag: py3-none-{tag}\n").encode(), 0o644))
    files.append((f"{dist_info}/entry_points.txt",
                  b"[pytest11]\ntalkative_emulator = talkative_emulator.pytest_plugin\n", 0o644))
    for license_name in LICENSES:
        files.append((f"{dist_info}/licenses/{license_name}", (ROOT / license_name).read_bytes(), 0o644))
    record = io.StringIO()
    writer = csv.writer(record, lineterminator="\n")
    for arcname, contents, _ in files:
        digest = base64.urlsafe_b64encode(hashlib.sha256(contents).digest()).rstrip(b"=").decode()
        writer.writerow([arcname, f"sha256={digest}", len(contents)])
    writer.writerow([f"{dist_info}/RECORD", "", ""])
    files.append((f"{dist_info}/RECORD", record.getvalue().encode(), 0o644))
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for arcname, contents, mode in files:
            info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (stat.S_IFREG | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, contents)
    return path


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
