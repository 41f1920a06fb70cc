import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

/** Debian's Chromium (the root test command installs it), headless. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-component-update', '--disable-sync'],
  })
}

/**
 * A browser profile standing for one device: its own cookies, one tab. Tests reuse devices
 * (a fresh profile costs a renderer process) and start each visit with no cookies.
 */
export interface Device {
  context: BrowserContext
  page: Page
}

/** Opens a device: a new browser context with one page. */
export async function openDevice(browser: Browser): Promise<Device> {
  // Reduced motion: the page then has no animation repainting in the background.
  const context = await browser.newContext({ viewport: { width: 1440, height: 960 }, deviceScaleFactor: 1, reducedMotion: 'reduce' })
  context.setDefaultTimeout(15_000)
  return { context, page: await context.newPage() }
}

/** Loads the playground on the device as a first-time visitor (no cookie). */
export async function visit(device: Device, url: string): Promise<Page> {
  await device.context.clearCookies()
  await device.page.goto(url)
  await device.page.getByTestId('cart-card').waitFor()
  return device.page
}

/** Signs in through the form and waits for the signed-in card. */
export async function signIn(page: Page, userId: string, deviceName: string): Promise<void> {
  await page.getByTestId('login-user').fill(userId)
  await page.getByTestId('login-device').fill(deviceName)
  await page.getByTestId('login-submit').click()
  await page.getByTestId('signed-in-user').filter({ hasText: userId }).waitFor()
}

/** The device's session cookie value (HttpOnly: the page itself cannot read it). */
export async function sessionCookie(device: Device): Promise<{ value: string; httpOnly: boolean } | undefined> {
  return (await device.context.cookies()).find((c) => c.name === 'playground_sid')
}
