'use strict';
// Which talkative-emulator binary to run. The binary ships in one package per platform (the
// esbuild/biome pattern): `talkative-emulator` names each as an optional dependency, and npm
// installs only the one whose `os`, `cpu` and `libc` match. This finds it, or says why not.

const path = require('node:path');
const fs = require('node:fs');

const { version } = require('../package.json');

// Every platform the release builds, by `${process.platform} ${process.arch}` (and, on Linux,
// the C library). Only linux-x64 is built and tested in this repository's CI; the others are
// built by .github/workflows/release.yml.
const PLATFORMS = {
  'linux x64 glibc': '@talkative-emulator/linux-x64',
  'linux arm64 glibc': '@talkative-emulator/linux-arm64',
  'darwin x64': '@talkative-emulator/darwin-x64',
  'darwin arm64': '@talkative-emulator/darwin-arm64',
  'win32 x64': '@talkative-emulator/win32-x64',
};

function libcOf() {
  if (process.platform !== 'linux') return null;
  const report = typeof process.report?.getReport === 'function' ? process.report.getReport() : null;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

function platformKey() {
  const libc = libcOf();
  return libc ? `${process.platform} ${process.arch} ${libc}` : `${process.platform} ${process.arch}`;
}

/** The absolute path of the binary, or an Error that says what to do. */
function binaryPath() {
  const override = process.env.TALKATIVE_EMULATOR_BINARY;
  if (override) {
    if (!fs.existsSync(override)) {
      throw new Error(`TALKATIVE_EMULATOR_BINARY names ${override}, which does not exist.`);
    }
    return override;
  }
  const key = platformKey();
  const pkg = PLATFORMS[key];
  if (!pkg) {
    throw new Error(
      `talkative-emulator ${version} has no binary for this platform (${key}). ` +
        `Packages exist for: ${Object.keys(PLATFORMS).join(', ')}. ` +
        'Build it from source (cargo install --locked --git https://github.com/talkative-emulator/talkative-emulator, or cargo build --release ' +
        'in a checkout) and set TALKATIVE_EMULATOR_BINARY to the binary.',
    );
  }
  const exe = process.platform === 'win32' ? 'talkative-emulator.exe' : 'talkative-emulator';
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(
      `The package ${pkg}, which holds talkative-emulator's binary for ${key}, is not installed. ` +
        'It is an optional dependency of talkative-emulator, so npm leaves it out when optional ' +
        'dependencies are omitted (--omit=optional, --no-optional) or when the lockfile was made ' +
        `on another platform. Install it: npm install --save-dev ${pkg}@${version}`,
    );
  }
}

module.exports = { binaryPath, platformKey, PLATFORMS, packageDir: path.join(__dirname, '..') };
