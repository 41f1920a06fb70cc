import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/** Debian's Chromium (the root test command installs it), headless. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  })
}

/** A fresh browser profile (its own cookies) on the playground, the page loaded. */
export async function openPage(browser: Browser, url: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, deviceScaleFactor: 1 })
  context.setDefaultTimeout(15_000)
  const page = await context.newPage()
  await page.goto(url)
  await page.getByTestId('cart-card').waitFor()
  return { context, page }
}

/** Signs in through the form and waits for the signed-in card. */
export async function signIn(page: Page, userId: string, device: string): Promise<void> {
  await page.getByTestId('login-user').fill(userId)
  await page.getByTestId('login-device').fill(device)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('signed-in-user').filter({ hasText: userId }).waitFor()
}
