// Runs before `npm test`: the browser test drives Debian's Chromium (never a downloaded
// one). On a fresh machine where we are root with apt, install it; otherwise say how.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CHROMIUM = '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  const canInstall = process.getuid?.() === 0 && existsSync('/usr/bin/apt-get');
  if (!canInstall) {
    console.error(
      `The browser test needs Chromium at ${CHROMIUM}. Install it (Debian: sudo apt-get install -y chromium), then run npm test again.`,
    );
    process.exit(1);
  }
  console.log(
    `Chromium is missing: installing Debian's chromium package for the browser test (apt-get)...`,
  );
  const apt = (...args) =>
    execFileSync('apt-get', args, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  apt('update');
  apt('install', '-y', 'chromium');
}
