// Compiled (not run) by run.sh with `tsc --noEmit`: the package's TypeScript types describe the
// API as a test written in TypeScript uses it, with Playwright's own types.
import { start, routeTalkative, isTalkativeUrl, type Emulator } from 'talkative-emulator';
import type { BrowserContext, Page } from 'playwright-core';

export async function usesTheApi(context: BrowserContext, page: Page): Promise<string> {
  const emulator: Emulator = await start({
    config: 'emulator.toml',
    port: 0,
    reportOnly: true,
    args: ['--tls-bind', '127.0.0.1:0'],
  });
  const unroute: () => Promise<void> = await routeTalkative(context, emulator);
  await routeTalkative(page, emulator, { hosts: /^eu\.engage\.app$/ });
  await emulator.reset();
  const arrival = await emulator.waitFor({ label: 'Email Address' }, { timeout: 1000 });
  const pin: string = emulator.tlsSpki();
  const https: string | null = emulator.tlsUrl;
  const answered: Response = await emulator.request('/health');
  await unroute();
  await emulator.stop();
  return `${arrival.status} ${pin} ${https} ${answered.status} ${isTalkativeUrl(emulator.url)} ${emulator.log()}`;
}
