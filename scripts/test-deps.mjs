// Runs before `npm test`: what the tests need from the machine, never a download of our own.
// - Chromium (Debian's package): the browser test drives it.
// - redis-server (Debian's package): the remote-cache tests start one on 127.0.0.1.
// - moto (Python; no S3 server is packaged in Debian): the remote-cache tests start its S3
//   on 127.0.0.1. It ships with this project's machine image; elsewhere pip installs it.
// On a fresh machine where we are root with apt, install what is missing; otherwise say how.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const debian = [
  { path: '/usr/bin/chromium', pkg: 'chromium', why: 'the browser test' },
  { path: '/usr/bin/redis-server', pkg: 'redis-server', why: 'the remote-cache tests' },
];
const missing = debian.filter(({ path }) => !existsSync(path));
if (missing.length > 0) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    for (const { path, pkg, why } of missing)
      console.error(`${why} need ${path}. Install it (Debian: sudo apt-get install -y ${pkg}).`);
    console.error('Then run npm test again.');
    process.exit(1);
  }
  const names = missing.map(({ pkg }) => pkg);
  console.log(`Installing Debian's ${names.join(', ')} for the tests (apt-get)...`);
  const apt = (...args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  apt('update');
  apt('install', '-y', ...names);
}

const hasMoto = () =>
  spawnSync('python3', ['-c', 'import moto.server, werkzeug'], { stdio: 'ignore' }).status === 0;
if (!hasMoto()) {
  console.log('moto (a local S3 server) is missing: pip install moto[server] for the S3 tests...');
  spawnSync('python3', ['-m', 'pip', 'install', '--quiet', 'moto[server]'], { stdio: 'inherit' });
  if (!hasMoto()) {
    console.error(
      'The S3 tests need moto for python3 (pip install "moto[server]"), which could not be installed.',
    );
    process.exit(1);
  }
}
